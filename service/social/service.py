"""The social-media registry: the only writer of accounts, settings, tasks and owner changes.

Every write runs in one transaction with its audit event; an owner change (one account or a
transfer of many) opens an owner-change re-verification in the same transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError

from service.accounts.models import User
from service.accounts.principal import Principal
from service.accounts.roles import Role
from service.audit.service import Actor, record
from service.db import upsert_settings
from service.engagements.models import Engagement
from service.errors import Conflict, NotFound, ValidationFailed
from service.jobs import transaction
from service.jst import today_jst
from service.social.models import (
    AccountStatus,
    FollowUpTask,
    HandleChange,
    RunTrigger,
    SocialAccount,
    SocialSettings,
    TaskStatus,
    VerificationRun,
)
from service.social.schemas import AccountCreate, AccountUpdate, OwnerReassignment
from service.social.verification import cancel_open_runs, next_due, open_run
from service.vendors.models import Vendor

WRITERS = frozenset({Role.admin, Role.security, Role.procurement})
READERS = WRITERS | {Role.auditor, Role.approver}
# May report a hijack and record its response: the registry's writers, the CISO, the owner and
# deputy; auditors only read.
RESPONDERS = WRITERS | {Role.approver}


def can_read_all(principal: Principal) -> bool:
    return bool(principal.roles & READERS)


def can_read(principal: Principal, account: SocialAccount) -> bool:
    mine = principal.user_id in (str(account.owner_id), str(account.deputy_id or ""))
    return can_read_all(principal) or mine


def can_respond(principal: Principal, account: SocialAccount) -> bool:
    mine = principal.user_id in (str(account.owner_id), str(account.deputy_id or ""))
    return bool(principal.roles & RESPONDERS) or mine


async def list_accounts(principal: Principal) -> list[SocialAccount]:
    query = SocialAccount.filter(organization_id=principal.organization_id)
    accounts = await query.order_by("platform", "handle")
    return [a for a in accounts if can_read(principal, a)]


async def get_account(
    principal: Principal, account_id: str, conn: BaseDBAsyncClient | None = None
) -> SocialAccount:
    """The account if this caller may see it; another organization's is simply not there."""
    account = (
        await SocialAccount.filter(id=account_id, organization_id=principal.organization_id)
        .using_db(conn)
        .get_or_none()
    )
    if account is None or not can_read(principal, account):
        raise NotFound("no such social-media account")
    return account


async def _active_user(
    conn: BaseDBAsyncClient, organization_id: str, user_id: UUID, field: str
) -> User:
    user = (
        await User.filter(id=user_id, organization_id=organization_id).using_db(conn).get_or_none()
    )
    if user is None:
        raise ValidationFailed(
            f"{field}: no such user in this organization",
            fields={field: "must be a user of this organization"},
        )
    if not user.active:
        raise ValidationFailed(
            f"{field}: the user is not active", fields={field: "must be an active user"}
        )
    if user.kind != "person":  # a service token's account answers no re-verification
        raise ValidationFailed(
            f"{field}: a service account is not a person", fields={field: "must be a person"}
        )
    return user


async def _check_references(
    conn: BaseDBAsyncClient, organization_id: str, values: dict[str, Any]
) -> None:
    """Owner, deputy, vendor and engagement must exist in this organization."""
    if values.get("owner_id") is not None:
        await _active_user(conn, organization_id, values["owner_id"], "owner_id")
    if values.get("deputy_id") is not None:
        await _active_user(conn, organization_id, values["deputy_id"], "deputy_id")
        if values.get("owner_id") is not None and values["deputy_id"] == values["owner_id"]:
            raise ValidationFailed(
                "the deputy must be someone other than the owner",
                fields={"deputy_id": "must differ from owner_id"},
            )
    vendor_id = values.get("operator_vendor_id")
    if vendor_id is not None:
        vendor = await Vendor.filter(id=vendor_id, organization_id=organization_id).using_db(conn)
        if not vendor:
            raise ValidationFailed(
                "operator_vendor_id: no such vendor",
                fields={"operator_vendor_id": "must be a vendor of this organization"},
            )
    engagement_id = values.get("operator_engagement_id")
    if engagement_id is not None:
        engagement = (
            await Engagement.filter(id=engagement_id, organization_id=organization_id)
            .using_db(conn)
            .get_or_none()
        )
        if engagement is None:
            raise ValidationFailed(
                "operator_engagement_id: no such engagement",
                fields={"operator_engagement_id": "must be an engagement of this organization"},
            )
        if vendor_id is None or str(engagement.vendor_id) != str(vendor_id):
            raise ValidationFailed(
                "the engagement must be with the operator vendor",
                fields={"operator_engagement_id": "must be an engagement of operator_vendor_id"},
            )


def _audit_data(values: dict[str, Any]) -> dict[str, Any]:
    return {k: str(v) if isinstance(v, UUID) else v for k, v in values.items()}


async def create_account(principal: Principal, body: AccountCreate) -> SocialAccount:
    values = body.model_dump(exclude_none=True)
    values.setdefault("deputy_id", None)
    async with transaction() as conn:
        await _check_references(conn, principal.organization_id, values)
        due = await next_due(principal.organization_id, today_jst(), conn)
        try:
            account = await SocialAccount.create(
                organization_id=principal.organization_id,
                next_verification_due=due,
                using_db=conn,
                **values,
            )
        except IntegrityError:
            raise Conflict(
                "this platform account is already registered",
                fields={"platform_account_id": "already registered for this platform"},
            ) from None
        await record(
            conn,
            organization_id=principal.organization_id,
            actor=principal.actor,
            action="social_account.created",
            object_type="social_account",
            object_id=str(account.id),
            data=_audit_data(body.model_dump(mode="json", exclude_none=True)),
        )
    return account


async def update_account(
    principal: Principal, account_id: str, body: AccountUpdate
) -> SocialAccount:
    changes = body.model_dump(exclude_unset=True)
    for required in ("handle", "url", "owner_id", "owning_department", "status"):
        if required in changes and changes[required] is None:
            raise ValidationFailed(f"{required} cannot be empty", fields={required: "required"})
    async with transaction() as conn:
        account = await get_account(principal, account_id, conn)
        if account.status == AccountStatus.compromised and "status" in changes:
            raise Conflict(
                "a compromised account leaves that status through its incident's recovery",
                fields={"status": "record the 'recovered' step of the incident"},
            )
        merged = {
            "owner_id": changes.get("owner_id", account.owner_id),
            "deputy_id": changes.get("deputy_id", account.deputy_id),
            "operator_vendor_id": changes.get("operator_vendor_id", account.operator_vendor_id),
            "operator_engagement_id": changes.get(
                "operator_engagement_id", account.operator_engagement_id
            ),
        }
        checked: dict[str, Any] = {}
        if "owner_id" in changes:
            checked["owner_id"] = merged["owner_id"]
        if "deputy_id" in changes or "owner_id" in changes:
            checked["deputy_id"] = merged["deputy_id"]
        if "operator_vendor_id" in changes or "operator_engagement_id" in changes:
            checked["operator_vendor_id"] = merged["operator_vendor_id"]
            checked["operator_engagement_id"] = merged["operator_engagement_id"]
        if merged["deputy_id"] is not None and str(merged["deputy_id"]) == str(merged["owner_id"]):
            raise ValidationFailed(
                "the deputy must be someone other than the owner",
                fields={"deputy_id": "must differ from owner_id"},
            )
        await _check_references(conn, principal.organization_id, checked)
        renamed = ("handle" in changes and changes["handle"] != account.handle) or (
            "url" in changes and changes["url"] != account.url
        )
        if renamed:
            await HandleChange.create(
                account_id=account.id,
                old_handle=account.handle,
                new_handle=changes.get("handle", account.handle),
                old_url=account.url,
                new_url=changes.get("url", account.url),
                changed_by=principal.name,
                using_db=conn,
            )
        owner_changed = "owner_id" in changes and str(changes["owner_id"]) != str(account.owner_id)
        if changes:
            await SocialAccount.filter(id=account.id).using_db(conn).update(**changes)
        account = await SocialAccount.filter(id=account.id).using_db(conn).get()
        if owner_changed or changes.get("status") == AccountStatus.closed:
            await cancel_open_runs(conn, account_id=str(account.id))
        if owner_changed:
            await open_run(
                conn, account=account, trigger=RunTrigger.owner_change, cause=uuid4().hex
            )
        await record(
            conn,
            organization_id=principal.organization_id,
            actor=principal.actor,
            action="social_account.updated",
            object_type="social_account",
            object_id=str(account.id),
            data=_audit_data(body.model_dump(mode="json", exclude_unset=True)),
        )
    return account


async def start_manual_run(principal: Principal, account_id: str) -> VerificationRun:
    """Re-verify now: a run of its own, sent to a worker after commit."""
    async with transaction() as conn:
        account = await get_account(principal, account_id, conn)
        cause = uuid4().hex
        await open_run(conn, account=account, trigger=RunTrigger.manual, cause=cause)
        run = (
            await VerificationRun.filter(dedupe_key=f"manual:{account.id}:{cause}")
            .using_db(conn)
            .get()
        )
        await record(
            conn,
            organization_id=principal.organization_id,
            actor=principal.actor,
            action="social_run.requested",
            object_type="social_account",
            object_id=str(account.id),
            data={"run_id": str(run.id)},
        )
    return run


async def handle_history(account_id: str) -> list[HandleChange]:
    return await HandleChange.filter(account_id=account_id).order_by("changed_at")


async def reassign_owners(principal: Principal, body: OwnerReassignment) -> dict[str, Any]:
    """Move every account of each `from` user to its `to` user, all or nothing (人事異動)."""
    organization_id = principal.organization_id
    sources = [m.from_user_id for m in body.mappings]
    if len(set(sources)) != len(sources):
        raise ValidationFailed(
            "each user may be moved from only once",
            fields={"mappings": "from_user_id appears more than once"},
        )
    moved: list[UUID] = []
    deputies: list[UUID] = []
    opened = 0
    async with transaction() as conn:
        for index, mapping in enumerate(body.mappings):
            source = (
                await User.filter(id=mapping.from_user_id, organization_id=organization_id)
                .using_db(conn)
                .get_or_none()
            )
            if source is None:
                raise ValidationFailed(
                    f"mappings[{index}].from_user_id: no such user in this organization",
                    fields={
                        f"mappings.{index}.from_user_id": "must be a user of this organization"
                    },
                )
            await _active_user(
                conn, organization_id, mapping.to_user_id, f"mappings.{index}.to_user_id"
            )
            if mapping.to_user_id == mapping.from_user_id:
                raise ValidationFailed(
                    "a user cannot be moved to themselves",
                    fields={f"mappings.{index}.to_user_id": "must differ from from_user_id"},
                )
        targets = {m.from_user_id: m.to_user_id for m in body.mappings}
        accounts = await SocialAccount.filter(organization_id=organization_id).using_db(conn)
        for account in accounts:
            owner_target = targets.get(UUID(str(account.owner_id)))
            deputy_target = targets.get(UUID(str(account.deputy_id))) if account.deputy_id else None
            changes: dict[str, Any] = {}
            if owner_target is not None:
                changes["owner_id"] = owner_target
            if deputy_target is not None:
                changes["deputy_id"] = deputy_target
            new_owner = changes.get("owner_id", account.owner_id)
            if str(changes.get("deputy_id", account.deputy_id)) == str(new_owner):
                changes["deputy_id"] = None  # the deputy became the owner
            if not changes:
                continue
            await SocialAccount.filter(id=account.id).using_db(conn).update(**changes)
            if owner_target is not None:
                moved.append(UUID(str(account.id)))
                account.owner_id = str(owner_target)
                await cancel_open_runs(conn, account_id=str(account.id))
                opened += await open_run(
                    conn, account=account, trigger=RunTrigger.owner_change, cause=uuid4().hex
                )
            if "deputy_id" in changes:
                deputies.append(UUID(str(account.id)))
        await record(
            conn,
            organization_id=organization_id,
            actor=principal.actor,
            action="social_account.owners_reassigned",
            object_type="organization",
            object_id=organization_id,
            data={
                "reason": body.reason,
                "mappings": [m.model_dump(mode="json") for m in body.mappings],
                "moved": [str(i) for i in moved],
                "deputies_moved": [str(i) for i in deputies],
            },
        )
    return {"moved": moved, "deputies_moved": deputies, "runs_opened": opened}


async def get_settings_row(organization_id: str) -> SocialSettings:
    row = await SocialSettings.filter(organization_id=organization_id).get_or_none()
    return row or SocialSettings(organization_id=organization_id)


async def update_settings(
    *, organization_id: str, actor: Actor, changes: dict[str, Any]
) -> SocialSettings:
    async with transaction() as conn:
        row = await upsert_settings(SocialSettings, organization_id, changes, conn)
        await record(
            conn,
            organization_id=organization_id,
            actor=actor,
            action="social_settings.updated",
            object_type="organization",
            object_id=organization_id,
            data=changes,
        )
    return row


async def list_tasks(principal: Principal, status: TaskStatus | None) -> list[FollowUpTask]:
    query = FollowUpTask.filter(organization_id=principal.organization_id)
    if status is not None:
        query = query.filter(status=status)
    tasks = await query.order_by("-created_at")
    if can_read_all(principal):
        return tasks
    mine = {
        str(a.id)
        for a in await SocialAccount.filter(organization_id=principal.organization_id)
        if can_read(principal, a)
    }
    return [t for t in tasks if str(t.account_id) in mine]


async def close_task(principal: Principal, task_id: str, resolution: str) -> FollowUpTask:
    async with transaction() as conn:
        task = (
            await FollowUpTask.filter(id=task_id, organization_id=principal.organization_id)
            .using_db(conn)
            .get_or_none()
        )
        if task is None:
            raise NotFound("no such task")
        closed = (
            await FollowUpTask.filter(id=task.id, status=TaskStatus.open)
            .using_db(conn)
            .update(
                status=TaskStatus.closed,
                closed_at=datetime.now(UTC),
                closed_by=principal.name,
                resolution=resolution,
            )
        )
        if closed != 1:
            raise Conflict("the task is already closed", fields={"status": "closed"})
        await record(
            conn,
            organization_id=principal.organization_id,
            actor=principal.actor,
            action="social_task.closed",
            object_type="social_account",
            object_id=str(task.account_id),
            data={"task_id": str(task.id), "resolution": resolution},
        )
        return await FollowUpTask.filter(id=task.id).using_db(conn).get()
