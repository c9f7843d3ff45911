"""Events from before the chain was keyed stay verifiable and are covered by the first keyed event;
a rotated key keeps verifying what it MACed while it is listed; retrying a failed transaction."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import pytest

from service.accounts.models import Organization
from service.audit.chain import GENESIS_HASH, unkeyed_hash
from service.audit.keys import audit_keys
from service.audit.models import AuditChainHead, AuditEvent
from service.audit.service import SYSTEM, record
from service.audit.verification import verify_chain
from service.config import get_settings
from service.db import is_transient, retry_transient
from service.jobs import transaction


async def write(organization_id: str, action: str) -> None:
    async with transaction() as conn:
        await record(
            conn,
            organization_id=organization_id,
            actor=SYSTEM,
            action=action,
            object_type="organization",
            object_id=organization_id,
        )


async def legacy_organization(events: int) -> str:
    """An organization whose events were written before keys, as the old code wrote them."""
    organization = await Organization.create(name="旧データ市", jurisdiction_court="熊本地方裁判所")
    prev = GENESIS_HASH
    for seq in range(1, events + 1):
        event = AuditEvent(
            organization_id=organization.id,
            seq=seq,
            at=datetime.now(UTC),
            actor_type="system",
            actor_label="system",
            action="legacy.event",
            object_type="organization",
            object_id=str(organization.id),
            data={"n": seq},
            prev_hash=prev,
        )
        event.hash = unkeyed_hash(event)
        prev = event.hash
        await event.save()
    return str(organization.id)


async def test_the_first_keyed_event_continues_an_unkeyed_chain(app: object) -> None:
    organization_id = await legacy_organization(3)
    assert (await verify_chain(organization_id)).unkeyed_events == 3
    await write(organization_id, "first.keyed")
    events = await AuditEvent.filter(organization_id=organization_id).order_by("seq")
    assert [e.key_id != "" for e in events] == [False, False, False, True]
    assert events[3].prev_hash == events[2].hash
    head = await AuditChainHead.get(organization_id=organization_id)
    assert (head.seq, head.hash) == (4, events[3].hash)
    report = await verify_chain(organization_id)
    assert (report.ok, report.events, report.unkeyed_events) == (True, 4, 3)

    # An old event altered is still found; so is an unkeyed event slipped in after the keyed ones.
    await AuditEvent.filter(id=events[1].id).update(data={"n": 99})
    assert (await verify_chain(organization_id)).first_broken_seq == 2
    await AuditEvent.filter(id=events[1].id).update(data={"n": 2})
    forged = AuditEvent(
        organization_id=organization_id,
        seq=5,
        at=datetime.now(UTC),
        actor_type="system",
        action="forged",
        object_type="organization",
        object_id=organization_id,
        prev_hash=events[3].hash,
    )
    forged.hash = unkeyed_hash(forged)
    await forged.save()
    report = await verify_chain(organization_id)
    assert report.first_broken_seq == 5 and "unkeyed event after" in report.problem


async def test_a_rotated_key_verifies_its_events_while_it_is_listed(
    app: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = get_settings()
    organization_id = await legacy_organization(0)
    await write(organization_id, "under.old.key")
    old = audit_keys(settings)[0]
    new_key = secrets.token_urlsafe(32)
    monkeypatch.setattr(settings, "audit_key", f"{new_key},{settings.audit_key_file.read_text()}")
    await write(organization_id, "under.new.key")
    events = await AuditEvent.filter(organization_id=organization_id).order_by("seq")
    assert events[0].key_id == old.id and events[1].key_id not in ("", old.id)
    assert (await verify_chain(organization_id)).ok

    monkeypatch.setattr(settings, "audit_key", new_key)  # the old key dropped too early
    report = await verify_chain(organization_id)
    assert report.first_broken_seq == 1 and f"audit key {old.id} is not configured" in (
        report.problem
    )


class Deadlock(Exception):
    sqlstate = "40P01"


async def test_a_transient_failure_runs_again_only_while_nothing_was_committed(
    app: object,
) -> None:
    assert is_transient(RuntimeError("wrapped")) is False
    wrapped = RuntimeError("tortoise")
    wrapped.__cause__ = Deadlock()
    assert is_transient(wrapped)

    calls: list[int] = []

    async def fails_once() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise wrapped
        return "done"

    assert await retry_transient(fails_once) == "done" and len(calls) == 2

    organization_id = await legacy_organization(0)
    attempts: list[int] = []

    async def commits_then_fails() -> None:
        attempts.append(1)
        await write(organization_id, "committed")
        raise wrapped

    with pytest.raises(RuntimeError):
        await retry_transient(commits_then_fails)
    assert len(attempts) == 1  # running it again would write the event twice
