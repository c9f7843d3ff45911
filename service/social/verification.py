"""Re-verification runs: what is due, the automatic checks, and how a run ends.

A run is opened as a row unique by its cause (`open_run`, in the caller's transaction) and sent to
the `verify_social_account` actor after commit. The actor claims the row with a conditional
UPDATE, runs the probes outside any transaction, then stores their evidence. A failed check ends
the run at once; otherwise the owner gets an attestation link, and the run ends when the owner
answers (service.social.attestation) or the link expires (the sweep). A failed run notifies the
owner and the security office and opens a follow-up task, both in the run's last transaction.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import Q

from service.accounts.models import Organization, User
from service.accounts.roles import Role
from service.audit.service import SYSTEM, record
from service.config import Settings, get_settings
from service.hooks import SOCIAL_REVERIFICATION, periodic_hook
from service.jobs import enqueue_after_commit, transaction
from service.notifications.outbox import emit_event, queue_email
from service.reminders.cadence import add_months
from service.social import messages
from service.social.models import (
    DEFAULT_DORMANCY_DAYS,
    DEFAULT_INTERVAL_MONTHS,
    AccountStatus,
    Attestation,
    FollowUpTask,
    RunStatus,
    RunTrigger,
    SocialAccount,
    SocialSettings,
    VerificationRun,
)
from service.social.probe import ProbeLimits, ProbeOutcome, check_account_url, check_listing_page

log = logging.getLogger(__name__)
JST = ZoneInfo("Asia/Tokyo")
VERIFY_ACTOR = "verify_social_account"
# Accounts the scheduled re-verification covers; a closed one is gone, a compromised one is
# verified when its incident is resolved.
VERIFIED_STATUSES = (AccountStatus.active, AccountStatus.dormant, AccountStatus.suspended)


def today_jst() -> date:
    return datetime.now(JST).date()


def probe_limits(settings: Settings | None = None) -> ProbeLimits:
    settings = settings or get_settings()
    return ProbeLimits(
        timeout_seconds=settings.social_probe_timeout_seconds,
        max_bytes=settings.social_probe_max_bytes,
        max_redirects=settings.social_probe_max_redirects,
        allow_private=settings.social_allow_private_targets,
    )


async def interval_months(organization_id: str, conn: BaseDBAsyncClient | None = None) -> int:
    row = await SocialSettings.filter(organization_id=organization_id).using_db(conn).get_or_none()
    return row.reverification_interval_months if row else DEFAULT_INTERVAL_MONTHS


async def next_due(organization_id: str, today: date, conn: BaseDBAsyncClient | None) -> date:
    return add_months(today, await interval_months(organization_id, conn))


async def open_run(
    conn: BaseDBAsyncClient, *, account: SocialAccount, trigger: RunTrigger, cause: str
) -> bool:
    """Open one run for this cause (False if it was opened before) and send it after commit."""
    row = VerificationRun(
        organization_id=account.organization_id,
        account_id=account.id,
        trigger=trigger,
        dedupe_key=f"{trigger.value}:{account.id}:{cause}"[:200],
    )
    await VerificationRun.bulk_create([row], ignore_conflicts=True, using_db=conn)
    if not await VerificationRun.filter(id=row.id).using_db(conn).exists():
        return False
    enqueue_after_commit(VERIFY_ACTOR, str(row.id))
    return True


async def cancel_open_runs(conn: BaseDBAsyncClient, *, account_id: str) -> int:
    """End the account's unfinished runs without a verdict (e.g. the owner they asked changed)."""
    return (
        await VerificationRun.filter(
            account_id=account_id,
            status__in=(RunStatus.pending, RunStatus.running, RunStatus.awaiting_attestation),
        )
        .using_db(conn)
        .update(status=RunStatus.cancelled, claimed_until=None, finished_at=datetime.now(UTC))
    )


async def _dormancy_limits(conn: BaseDBAsyncClient) -> dict[str, int]:
    rows = await SocialSettings.all().using_db(conn)
    return {str(r.organization_id): r.dormancy_days for r in rows}


def _scope(organization_id: str | None) -> dict[str, str]:
    return {"organization_id": organization_id} if organization_id else {}


async def open_due_runs(*, today: date | None = None, organization_id: str | None = None) -> int:
    """Scheduled runs whose date has come and dormancy runs for accounts gone quiet."""
    today = today or today_jst()
    opened = 0
    async with transaction() as conn:
        due = await SocialAccount.filter(
            status__in=VERIFIED_STATUSES,
            next_verification_due__lte=today,
            **_scope(organization_id),
        ).using_db(conn)
        for account in due:
            cause = account.next_verification_due.isoformat()
            opened += await open_run(
                conn, account=account, trigger=RunTrigger.scheduled, cause=cause
            )
        limits = await _dormancy_limits(conn)
        shortest = min([*limits.values(), DEFAULT_DORMANCY_DAYS])
        quiet = await SocialAccount.filter(
            Q(last_post_on__isnull=True) | Q(last_post_on__lt=today - timedelta(days=shortest)),
            status=AccountStatus.active,
            **_scope(organization_id),
        ).using_db(conn)
        for account in quiet:
            limit = limits.get(str(account.organization_id), DEFAULT_DORMANCY_DAYS)
            if account.last_post_on and (today - account.last_post_on).days <= limit:
                continue
            # One run per silence: a new post followed by a new silence makes the next one.
            cause = account.last_post_on.isoformat() if account.last_post_on else "never"
            opened += await open_run(
                conn, account=account, trigger=RunTrigger.dormancy, cause=cause
            )
    return opened


async def runs_to_dispatch(*, limit: int = 10000, organization_id: str | None = None) -> list[str]:
    """Pending runs, and running ones whose worker's claim lapsed."""
    now = datetime.now(UTC)
    ids = (
        await VerificationRun.filter(
            Q(status=RunStatus.pending) | Q(status=RunStatus.running, claimed_until__lt=now),
            **_scope(organization_id),
        )
        .order_by("created_at")
        .limit(limit)
        .values_list("id", flat=True)
    )
    return [str(i) for i in ids]


async def _claim(run_id: str) -> datetime | None:
    now = datetime.now(UTC)
    until = now + timedelta(seconds=get_settings().social_run_lease_seconds)
    claimed = await VerificationRun.filter(
        Q(id=run_id)
        & (Q(status=RunStatus.pending) | Q(status=RunStatus.running, claimed_until__lt=now))
    ).update(status=RunStatus.running, claimed_until=until)
    return until if claimed == 1 else None


async def automatic_checks(account: SocialAccount, limits: ProbeLimits) -> list[dict[str, Any]]:
    """The account URL answers; the official listing page answers and links to the account."""
    results = [await check_account_url(account.url, limits=limits)]
    if account.listing_page_url:
        results.append(
            await check_listing_page(
                account.listing_page_url,
                account_url=account.url,
                handle=account.handle,
                limits=limits,
            )
        )
    return [result.as_evidence() for result in results]


def _check_failures(checks: list[dict[str, Any]]) -> list[dict[str, str]]:
    failures = []
    for check in checks:
        if check.get("outcome") != ProbeOutcome.passed.value:
            reason = check.get("reason") or {}
            failures.append(
                {
                    "ja": f"自動確認（{check.get('check')}）: {reason.get('ja', '')}",
                    "en": f"Automatic check ({check.get('check')}): {reason.get('en', '')}",
                }
            )
    return failures


async def verify(run_id: str) -> str:
    """Run the automatic checks of one run; safe to run twice and in two workers. Says what."""
    from service.social.attestation import request_attestation

    claim = await _claim(run_id)
    if claim is None:
        return "nothing to do"
    run = await VerificationRun.get(id=run_id)
    account = await SocialAccount.get(id=run.account_id)
    if account.status not in VERIFIED_STATUSES:
        # Closed, or hijacked since the run was opened: its recovery opens a run of its own.
        await VerificationRun.filter(
            id=run.id, status=RunStatus.running, claimed_until=claim
        ).update(status=RunStatus.cancelled, claimed_until=None, finished_at=datetime.now(UTC))
        return f"cancelled: the account is {account.status}"
    checks = await automatic_checks(account, probe_limits())
    async with transaction() as conn:
        await (
            Organization.select_for_update(no_key=True)
            .filter(id=run.organization_id)
            .using_db(conn)
            .get()
        )
        # Only the holder of the claim may record: a worker whose lease lapsed writes nothing.
        stored = (
            await VerificationRun.filter(id=run.id, status=RunStatus.running, claimed_until=claim)
            .using_db(conn)
            .update(checks=checks, checked_at=datetime.now(UTC))
        )
        if stored != 1:
            return "nothing to do"
        run = await VerificationRun.filter(id=run.id).using_db(conn).get()
        failures = _check_failures(checks)
        owner = await User.filter(id=account.owner_id).using_db(conn).get()
        if not owner.active:
            # A leaver cannot confirm anything; the organization must name a new owner first.
            failures.append(
                {
                    "ja": "責任者がこの団体の現役の利用者ではないため、確認を依頼できません。",
                    "en": "The owner is no longer an active user, so nobody can confirm.",
                }
            )
        if failures:
            await finish_run(conn, run=run, failures=failures)
            return "failed"
        await request_attestation(conn, run=run, account=account)
        await (
            VerificationRun.filter(id=run.id)
            .using_db(conn)
            .update(status=RunStatus.awaiting_attestation, claimed_until=None)
        )
    return "awaiting attestation"


async def _recipients(conn: BaseDBAsyncClient, account: SocialAccount, role: Role) -> list[User]:
    owner = await User.filter(id=account.owner_id, active=True).using_db(conn).get_or_none()
    users = await User.filter(organization_id=account.organization_id, active=True).using_db(conn)
    found = ([owner] if owner else []) + [u for u in users if role.value in u.roles]
    unique: dict[str, User] = {}
    for user in found:
        unique.setdefault(user.email.lower(), user)
    return list(unique.values())


def account_link(account: SocialAccount) -> str:
    base = get_settings().public_base_url.rstrip("/")
    return f"{base}/api/social/accounts/{account.id}"


async def notify(
    conn: BaseDBAsyncClient,
    *,
    account: SocialAccount,
    role: Role,
    event_type: str,
    key: str,
    email: messages.Email,
    data: dict[str, Any],
) -> list[str]:
    """A webhook event and one email each to the owner and the users holding `role`."""
    event_id = await emit_event(
        conn,
        organization_id=str(account.organization_id),
        event_type=event_type,
        data={"account_id": str(account.id), **data},
    )
    recipients = await _recipients(conn, account, role)
    for user in recipients:
        await queue_email(
            conn,
            organization_id=str(account.organization_id),
            dedupe_key=f"{key}:{user.email.lower()}",
            event_type=event_type,
            event_id=event_id,
            to_address=user.email,
            subject=email.subject,
            body=email.body,
        )
    return [u.email for u in recipients]


async def open_task(
    conn: BaseDBAsyncClient,
    *,
    account: SocialAccount,
    kind: str,
    key: str,
    title: tuple[str, str],
    reasons: list[dict[str, str]],
    run_id: str = "",
) -> None:
    await FollowUpTask.bulk_create(
        [
            FollowUpTask(
                organization_id=account.organization_id,
                account_id=account.id,
                kind=kind,
                dedupe_key=key[:200],
                title_ja=title[0],
                title_en=title[1],
                reasons=reasons,
                run_id=run_id,
            )
        ],
        ignore_conflicts=True,
        using_db=conn,
    )


async def finish_run(
    conn: BaseDBAsyncClient,
    *,
    run: VerificationRun,
    failures: list[dict[str, str]],
    findings: list[dict[str, Any]] | None = None,
    profile: tuple[str, int] = ("", 0),
) -> RunStatus:
    """End a run: its result, the account's next date, and on failure the news and a task."""
    status = RunStatus.failed if failures else RunStatus.passed
    now = datetime.now(UTC)
    ended = (
        await VerificationRun.filter(
            id=run.id, status__in=(RunStatus.running, RunStatus.awaiting_attestation)
        )
        .using_db(conn)
        .update(
            status=status,
            finished_at=now,
            claimed_until=None,
            failure_reasons=failures,
            findings=findings or [],
            profile_id=profile[0],
            profile_version=profile[1],
        )
    )
    if ended != 1:
        return RunStatus(run.status)
    account = await SocialAccount.filter(id=run.account_id).using_db(conn).get()
    due = await next_due(str(account.organization_id), today_jst(), conn)
    await (
        SocialAccount.filter(id=account.id)
        .using_db(conn)
        .update(last_verified_at=now, last_run_status=status.value, next_verification_due=due)
    )
    if status == RunStatus.failed:
        organization = await Organization.filter(id=account.organization_id).using_db(conn).get()
        email = messages.verification_failed(
            organization_name=organization.name,
            platform=account.platform,
            handle=account.handle,
            reasons=failures,
            link=account_link(account),
        )
        await notify(
            conn,
            account=account,
            role=Role.security,
            event_type="social.verification_failed",
            key=f"social-run-failed:{run.id}",
            email=email,
            data={"run_id": str(run.id), "trigger": str(run.trigger), "reasons": failures},
        )
        await open_task(
            conn,
            account=account,
            kind="verification_failed",
            key=f"run:{run.id}",
            title=(
                f"{account.platform} {account.handle} の再確認で問題があります",
                f"Re-verification of {account.platform} {account.handle} found problems",
            ),
            reasons=failures,
            run_id=str(run.id),
        )
    await record(
        conn,
        organization_id=str(account.organization_id),
        actor=SYSTEM,
        action=f"social_run.{status.value}",
        object_type="social_account",
        object_id=str(account.id),
        data={"run_id": str(run.id), "trigger": str(run.trigger), "reasons": failures},
    )
    return status


async def expire_attestations(
    *, now: datetime | None = None, organization_id: str | None = None
) -> int:
    """Runs whose owner let the link expire end as failed."""
    now = now or datetime.now(UTC)
    expired = await Attestation.filter(
        used_at__isnull=True, expires_at__lt=now, **_scope(organization_id)
    ).values_list("run_id", flat=True)
    ended = 0
    for run_id in set(expired):
        async with transaction() as conn:
            run = (
                await VerificationRun.filter(id=run_id, status=RunStatus.awaiting_attestation)
                .using_db(conn)
                .get_or_none()
            )
            if run is None:
                continue
            failure = {
                "ja": "責任者が期限までに確認しませんでした。",
                "en": "The owner did not confirm before the link expired.",
            }
            ended += await finish_run(conn, run=run, failures=[failure]) == RunStatus.failed
    return ended


@periodic_hook(SOCIAL_REVERIFICATION)
async def sweep(*, today: date | None = None, organization_id: str | None = None) -> dict[str, int]:
    """The scheduler's hook: open what is due, end expired attestations, send pending runs.

    `organization_id` limits it to one organization (tests; the scheduler sweeps them all).
    """
    from service.jobs import Job, dispatch_now

    opened = await open_due_runs(today=today, organization_id=organization_id)
    expired = await expire_attestations(organization_id=organization_id)
    # Opened runs were sent after their commit; this re-sends what a lost message left behind.
    pending = await runs_to_dispatch(organization_id=organization_id)
    for run_id in pending:
        dispatch_now(Job(VERIFY_ACTOR, (run_id,)))
    log.info(
        "social re-verification: %d opened, %d expired, %d sent", opened, expired, len(pending)
    )
    return {"opened": opened, "expired": expired, "dispatched": len(pending)}
