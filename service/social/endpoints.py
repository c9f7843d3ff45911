"""Social-media registry API: thin routes over service.social (who may do what is here)."""

from __future__ import annotations

from uuid import UUID

from service.accounts.principal import Principal
from service.accounts.roles import Role
from service.errors import NotFound
from service.routing import endpoint
from service.social import attestation, incidents, public, service
from service.social.models import (
    Attestation,
    FollowUpTask,
    Incident,
    SocialAccount,
    SocialSettings,
    VerificationRun,
)
from service.social.rules import finding_json, judge_account
from service.social.schemas import (
    AccountCreate,
    AccountFindingsOut,
    AccountOut,
    AccountUpdate,
    AttestationIn,
    AttestationResult,
    AttestationView,
    FindingOut,
    HandleChangeOut,
    IncidentCreate,
    IncidentOut,
    IncidentStepIn,
    OwnerReassignment,
    PublicListOut,
    ReassignmentOut,
    RunOut,
    SettingsOut,
    SettingsUpdate,
    TaskClose,
    TaskOut,
    TaskQuery,
)
from service.social.verification import today_jst
from service.throttling import SecretKind

TAG = "social-media"
WRITERS = service.WRITERS


async def _account_out(account: SocialAccount, *, history: bool = False) -> AccountOut:
    out = AccountOut.model_validate(account, from_attributes=True)
    if history:
        changes = await service.handle_history(str(account.id))
        out.handle_history = [
            HandleChangeOut.model_validate(c, from_attributes=True) for c in changes
        ]
    return out


@endpoint(
    "GET", "/api/social/accounts", summary="Official accounts / 公式SNSアカウント一覧", tag=TAG
)
async def list_social_accounts(principal: Principal) -> list[AccountOut]:
    return [await _account_out(a) for a in await service.list_accounts(principal)]


@endpoint(
    "POST",
    "/api/social/accounts",
    summary="Register an official account / 公式SNSアカウントの登録",
    tag=TAG,
    status=201,
    roles=WRITERS,
)
async def create_social_account(principal: Principal, body: AccountCreate) -> AccountOut:
    return await _account_out(await service.create_account(principal, body))


@endpoint(
    "GET",
    "/api/social/accounts/{account_id}",
    summary="One official account with its handle history / アカウントの詳細",
    tag=TAG,
)
async def get_social_account(principal: Principal, account_id: UUID) -> AccountOut:
    return await _account_out(await service.get_account(principal, str(account_id)), history=True)


@endpoint(
    "PATCH",
    "/api/social/accounts/{account_id}",
    summary="Change an official account / アカウントの変更",
    tag=TAG,
    roles=WRITERS,
)
async def update_social_account(
    principal: Principal, account_id: UUID, body: AccountUpdate
) -> AccountOut:
    account = await service.update_account(principal, str(account_id), body)
    return await _account_out(account, history=True)


@endpoint(
    "GET",
    "/api/social/accounts/{account_id}/findings",
    summary="Which rules (SNS-01…12) the account breaks and why / 規程への適合状況",
    tag=TAG,
)
async def social_account_findings(principal: Principal, account_id: UUID) -> AccountFindingsOut:
    account = await service.get_account(principal, str(account_id))
    return await _findings(account)


async def _findings(account: SocialAccount) -> AccountFindingsOut:
    verdict = await judge_account(account, today=today_jst())
    return AccountFindingsOut(
        account_id=UUID(str(account.id)),
        handle=account.handle,
        platform=account.platform,
        profile_id=verdict.profile.id,
        profile_version=verdict.profile.version,
        failed=[f.requirement_id for f in verdict.failed],
        findings=[FindingOut(**finding_json(verdict.profile, f)) for f in verdict.findings],
    )


@endpoint(
    "GET",
    "/api/social/findings",
    summary="Rule verdicts of every account the caller may see / 全アカウントの適合状況",
    tag=TAG,
)
async def social_findings(principal: Principal) -> list[AccountFindingsOut]:
    return [await _findings(a) for a in await service.list_accounts(principal)]


@endpoint(
    "GET",
    "/api/social/accounts/{account_id}/runs",
    summary="Re-verification runs with each check's evidence / 再確認の記録",
    tag=TAG,
)
async def list_social_runs(principal: Principal, account_id: UUID) -> list[RunOut]:
    account = await service.get_account(principal, str(account_id))
    runs = await VerificationRun.filter(account_id=account.id).order_by("-created_at")
    return [RunOut.model_validate(r, from_attributes=True) for r in runs]


@endpoint(
    "POST",
    "/api/social/accounts/{account_id}/runs",
    summary="Re-verify now / 今すぐ再確認する",
    tag=TAG,
    status=201,
    roles=WRITERS,
)
async def start_social_run(principal: Principal, account_id: UUID) -> RunOut:
    run = await service.start_manual_run(principal, str(account_id))
    return RunOut.model_validate(run, from_attributes=True)


@endpoint(
    "POST",
    "/api/social/owner-reassignments",
    summary="Move accounts between owners (人事異動), all or nothing / 責任者の一括変更",
    tag=TAG,
    roles={Role.admin, Role.security},
)
async def reassign_social_owners(principal: Principal, body: OwnerReassignment) -> ReassignmentOut:
    return ReassignmentOut(**await service.reassign_owners(principal, body))


@endpoint("GET", "/api/social/tasks", summary="Follow-up tasks / 対応タスク", tag=TAG)
async def list_social_tasks(principal: Principal, query: TaskQuery) -> list[TaskOut]:
    tasks = await service.list_tasks(principal, query.status)
    return [TaskOut.model_validate(t, from_attributes=True) for t in tasks]


@endpoint(
    "POST",
    "/api/social/tasks/{task_id}/close",
    summary="Close a follow-up task with what was done / タスクの完了",
    tag=TAG,
    roles=WRITERS,
)
async def close_social_task(principal: Principal, task_id: UUID, body: TaskClose) -> TaskOut:
    task: FollowUpTask = await service.close_task(principal, str(task_id), body.resolution)
    return TaskOut.model_validate(task, from_attributes=True)


@endpoint(
    "POST",
    "/api/social/accounts/{account_id}/incidents",
    summary="Report a hijack: the account becomes compromised / 乗っ取りの報告",
    tag=TAG,
    status=201,
    roles=service.RESPONDERS,
    also="the account's owner or deputy / アカウントの責任者・副責任者",
)
async def report_social_hijack(
    principal: Principal, account_id: UUID, body: IncidentCreate
) -> IncidentOut:
    incident = await incidents.report_hijack(principal, str(account_id), body.description)
    return IncidentOut.model_validate(incident, from_attributes=True)


@endpoint(
    "GET",
    "/api/social/accounts/{account_id}/incidents",
    summary="Hijack reports of an account / 乗っ取り対応の記録",
    tag=TAG,
)
async def list_social_incidents(principal: Principal, account_id: UUID) -> list[IncidentOut]:
    found: list[Incident] = await incidents.list_incidents(principal, str(account_id))
    return [IncidentOut.model_validate(i, from_attributes=True) for i in found]


@endpoint(
    "POST",
    "/api/social/incidents/{incident_id}/steps",
    summary="Record a response step; 'recovered' ends it and re-verifies / 対応の記録",
    tag=TAG,
    roles=service.RESPONDERS,
    also="the account's owner or deputy / アカウントの責任者・副責任者",
)
async def record_social_incident_step(
    principal: Principal, incident_id: UUID, body: IncidentStepIn
) -> IncidentOut:
    incident = await incidents.record_step(principal, str(incident_id), body)
    return IncidentOut.model_validate(incident, from_attributes=True)


def _own(principal: Principal, organization_id: UUID) -> str:
    if str(organization_id) != principal.organization_id:
        raise NotFound("no such organization")
    return str(organization_id)


def _settings_out(row: SocialSettings) -> SettingsOut:
    from service.social.pages import public_page_url

    return SettingsOut(
        reverification_interval_months=row.reverification_interval_months,
        dormancy_days=row.dormancy_days,
        attestation_ttl_days=row.attestation_ttl_days,
        public_list_enabled=row.public_list_enabled,
        public_page_url=(
            public_page_url(str(row.organization_id)) if row.public_list_enabled else None
        ),
    )


@endpoint(
    "GET",
    "/api/organizations/{organization_id}/social-settings",
    summary="Re-verification interval, dormancy and the public list / SNS確認の設定",
    tag=TAG,
)
async def get_social_settings(principal: Principal, organization_id: UUID) -> SettingsOut:
    return _settings_out(await service.get_settings_row(_own(principal, organization_id)))


@endpoint(
    "PATCH",
    "/api/organizations/{organization_id}/social-settings",
    summary="Change the social-media settings / SNS確認の設定変更",
    tag=TAG,
    roles={Role.admin},
)
async def update_social_settings(
    principal: Principal, organization_id: UUID, body: SettingsUpdate
) -> SettingsOut:
    row = await service.update_settings(
        organization_id=_own(principal, organization_id),
        actor=principal.actor,
        changes=body.model_dump(exclude_none=True),
    )
    return _settings_out(row)


@endpoint(
    "GET",
    "/api/social/attestations/{token}",
    summary="What an owner's confirmation link asks / 責任者確認の内容",
    tag=TAG,
    auth="none",
    secret=SecretKind.attestation,
)
async def view_social_attestation(token: str) -> AttestationView:
    opened = await attestation.open_attestation(token)
    row: Attestation = opened.attestation
    return AttestationView(
        organization_name=opened.organization_name,
        platform=opened.account.platform,
        handle=opened.account.handle,
        url=opened.account.url,
        owner_name=opened.owner.name,
        expires_at=row.expires_at,
        questions={k: {"ja": q["ja"], "en": q["en"]} for k, q in attestation.QUESTIONS.items()},
    )


@endpoint(
    "POST",
    "/api/social/attestations/{token}",
    summary="The owner confirms (once) / 責任者の確認",
    tag=TAG,
    auth="none",
    secret=SecretKind.attestation,
    opens=attestation.open_attestation,
)
async def answer_social_attestation(token: str, body: AttestationIn) -> AttestationResult:
    run_id, status, reasons = await attestation.submit_attestation(token, body)
    return AttestationResult(run_id=UUID(run_id), status=status, failure_reasons=reasons)


@endpoint(
    "GET",
    "/api/public/social/{organization_id}",
    summary="Official accounts, when the organization publishes them / 公式アカウント一覧（公開）",
    tag=TAG,
    auth="none",
)
async def public_social_accounts(organization_id: UUID) -> PublicListOut:
    return await public.public_list(organization_id)
