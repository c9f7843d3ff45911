"""Hijack reports: the account is marked compromised, the owner and the CISO are told, each
response step is recorded with its time, and the 'recovered' step sends the account back through
verification (an incident run)."""

from __future__ import annotations

from datetime import UTC, datetime

from service.accounts.models import Organization
from service.accounts.principal import Principal
from service.accounts.roles import Role
from service.audit.service import record
from service.errors import Conflict, Forbidden, NotFound
from service.jobs import transaction
from service.social import messages
from service.social.models import (
    AccountStatus,
    Incident,
    IncidentStatus,
    RunTrigger,
    SocialAccount,
)
from service.social.schemas import IncidentStepIn
from service.social.service import can_respond, get_account
from service.social.verification import (
    account_link,
    cancel_open_runs,
    notify,
    open_run,
    open_task,
)


def _may_respond(principal: Principal, account: SocialAccount) -> None:
    if not can_respond(principal, account):
        raise Forbidden("hijack response is for the owner, the deputy, the registry and the CISO")


async def report_hijack(principal: Principal, account_id: str, description: str) -> Incident:
    async with transaction() as conn:
        account = await get_account(principal, account_id, conn)
        _may_respond(principal, account)
        await (
            Organization.select_for_update(no_key=True)
            .filter(id=account.organization_id)
            .using_db(conn)
            .get()
        )
        if account.status == AccountStatus.compromised:
            raise Conflict(
                "a hijack of this account is already being handled",
                fields={"status": "compromised"},
            )
        incident = await Incident.create(
            organization_id=account.organization_id,
            account_id=account.id,
            description=description,
            reported_by=principal.name,
            status_before=account.status,
            steps=[
                {
                    "step": "reported",
                    "at": datetime.now(UTC).isoformat(),
                    "by": principal.name,
                    "note": description,
                }
            ],
            using_db=conn,
        )
        await (
            SocialAccount.filter(id=account.id)
            .using_db(conn)
            .update(status=AccountStatus.compromised)
        )
        # A confirmation asked before the hijack proves nothing now.
        await cancel_open_runs(conn, account_id=str(account.id))
        organization = await Organization.filter(id=account.organization_id).using_db(conn).get()
        email = messages.account_compromised(
            organization_name=organization.name,
            platform=account.platform,
            handle=account.handle,
            description=description,
            link=account_link(account),
        )
        # The CISO holds the approver role (service.accounts.roles).
        notified = await notify(
            conn,
            account=account,
            role=Role.approver,
            event_type="social.account_compromised",
            key=f"social-incident:{incident.id}",
            email=email,
            data={"incident_id": str(incident.id), "description": description},
        )
        await open_task(
            conn,
            account=account,
            kind="compromised",
            key=f"incident:{incident.id}",
            title=(
                f"{account.platform} {account.handle} の乗っ取りへの対応",
                f"Respond to the hijack of {account.platform} {account.handle}",
            ),
            reasons=[{"ja": description, "en": description}],
        )
        await record(
            conn,
            organization_id=str(account.organization_id),
            actor=principal.actor,
            action="social_account.compromised",
            object_type="social_account",
            object_id=str(account.id),
            data={
                "incident_id": str(incident.id),
                "description": description,
                "notified": notified,
            },
        )
    return incident


async def get_incident(principal: Principal, incident_id: str) -> Incident:
    incident = await Incident.filter(
        id=incident_id, organization_id=principal.organization_id
    ).get_or_none()
    if incident is None:
        raise NotFound("no such incident")
    await get_account(principal, str(incident.account_id))  # the caller may see the account
    return incident


async def list_incidents(principal: Principal, account_id: str) -> list[Incident]:
    account = await get_account(principal, account_id)
    return await Incident.filter(account_id=account.id).order_by("reported_at")


async def record_step(principal: Principal, incident_id: str, body: IncidentStepIn) -> Incident:
    found = await get_incident(principal, incident_id)
    _may_respond(principal, await get_account(principal, str(found.account_id)))
    async with transaction() as conn:
        incident = await Incident.filter(id=incident_id).using_db(conn).get()
        await (
            Organization.select_for_update(no_key=True)
            .filter(id=incident.organization_id)
            .using_db(conn)
            .get()
        )
        incident = await Incident.filter(id=incident_id).using_db(conn).get()
        if incident.status != IncidentStatus.open:
            raise Conflict("the incident is closed", fields={"status": incident.status})
        at = (body.at or datetime.now(UTC)).astimezone(UTC)
        step = {"step": body.step, "at": at.isoformat(), "by": principal.name, "note": body.note}
        changes: dict[str, object] = {"steps": [*incident.steps, step]}
        account = await SocialAccount.filter(id=incident.account_id).using_db(conn).get()
        if body.step == "recovered":
            changes.update(status=IncidentStatus.recovered, recovered_at=at)
            # Back to what it was before the hijack, then verified again before trusted.
            before = AccountStatus(incident.status_before)
            await (
                SocialAccount.filter(id=account.id)
                .using_db(conn)
                .update(
                    status=before if before != AccountStatus.compromised else AccountStatus.active
                )
            )
            account = await SocialAccount.filter(id=account.id).using_db(conn).get()
            await open_run(
                conn, account=account, trigger=RunTrigger.incident, cause=str(incident.id)
            )
        await Incident.filter(id=incident.id).using_db(conn).update(**changes)
        await record(
            conn,
            organization_id=str(incident.organization_id),
            actor=principal.actor,
            action="social_incident.step",
            object_type="social_account",
            object_id=str(account.id),
            data={"incident_id": str(incident.id), **step},
        )
        return await Incident.filter(id=incident.id).using_db(conn).get()
