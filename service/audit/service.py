"""Write the hash-chained audit trail: the only writer of audit events.

Each event stores the hash of the previous event of its organization and its own keyed hash
(service.audit.chain); events are only ever inserted.

`record` inside `service.jobs.transaction()` only collects the event; the transaction appends what
it collected as its very last step (`append_events`), under the row lock of each organization's
chain head. So that lock is the last one any transaction takes, and a transaction holding it waits
for no other: two writers of one organization queue on it, they never deadlock on it, whatever
rows each of them wrote or locked before (on PostgreSQL; SQLite serialises writers anyway). The
lock is held only for the insert and the commit, and the chain stays strictly ordered: seq without
gaps, each prev_hash the hash of the event before.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from service.audit.chain import GENESIS_HASH, keyed_hash
from service.audit.keys import signing_key
from service.audit.models import AuditChainHead, AuditEvent


@dataclass(frozen=True)
class Actor:
    """Who did something: a signed-in user, a vendor holding a link, or the system."""

    type: str  # user | vendor | system
    id: str
    label: str


SYSTEM = Actor(type="system", id="", label="system")


@dataclass(frozen=True)
class PendingEvent:
    organization_id: str
    actor: Actor
    action: str
    object_type: str
    object_id: str
    review_id: str
    data: dict[str, Any] = field(default_factory=dict)


_collected: ContextVar[list[PendingEvent] | None] = ContextVar("audit_events", default=None)


@contextmanager
def collecting() -> Iterator[list[PendingEvent]]:
    """Collect the events `record` is given inside this block (service.jobs.transaction)."""
    events: list[PendingEvent] = []
    token = _collected.set(events)
    try:
        yield events
    finally:
        _collected.reset(token)


def keep(events: Sequence[PendingEvent]) -> None:
    """Hand a nested transaction's events, once it succeeded, to the enclosing one."""
    enclosing = _collected.get()
    if enclosing is not None:
        enclosing.extend(events)


async def record(
    conn: BaseDBAsyncClient,
    *,
    organization_id: str,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str,
    review_id: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    """Add one event to the caller's transaction; it is appended when the transaction ends."""
    event = PendingEvent(
        organization_id=str(organization_id),
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        review_id=str(review_id),
        data=data or {},
    )
    collected = _collected.get()
    if collected is None:  # not inside service.jobs.transaction(): append now
        await append_events(conn, [event])
    else:
        collected.append(event)


async def _lock_head(conn: BaseDBAsyncClient, organization_id: str) -> tuple[int, str]:
    """Lock the organization's chain head (made on first use) and return its seq and hash."""
    head = (
        await AuditChainHead.filter(organization_id=organization_id)
        .select_for_update()
        .using_db(conn)
        .first()
    )
    if head is None:
        # First keyed append of this organization: the head continues the events already there
        # (a database from before the head existed), or starts at the genesis.
        last = (
            await AuditEvent.filter(organization_id=organization_id)
            .using_db(conn)
            .order_by("-seq")
            .first()
        )
        start = AuditChainHead(
            organization_id=organization_id,
            seq=last.seq if last else 0,
            hash=last.hash if last else GENESIS_HASH,
        )
        # Two first appends at once: one row wins, the other waits for it and then locks it.
        await AuditChainHead.bulk_create([start], ignore_conflicts=True, using_db=conn)
        head = (
            await AuditChainHead.filter(organization_id=organization_id)
            .select_for_update()
            .using_db(conn)
            .get()
        )
    return head.seq, head.hash


async def append_events(conn: BaseDBAsyncClient, events: Sequence[PendingEvent]) -> None:
    """Chain and insert the events: the last statements of their transaction.

    Organizations are locked in the order of their ids, so two transactions that each write to
    several chains (a re-evaluation run) take the heads in the same order.
    """
    if not events:
        return
    key = signing_key()
    by_organization: dict[str, list[PendingEvent]] = defaultdict(list)
    for event in events:
        by_organization[event.organization_id].append(event)
    for organization_id in sorted(by_organization):
        seq, prev_hash = await _lock_head(conn, organization_id)
        now = datetime.now(UTC)
        rows = []
        for pending in by_organization[organization_id]:
            seq += 1
            row = AuditEvent(
                organization_id=organization_id,
                seq=seq,
                at=now,
                actor_type=pending.actor.type,
                actor_id=pending.actor.id,
                actor_label=pending.actor.label,
                action=pending.action,
                object_type=pending.object_type,
                object_id=pending.object_id,
                review_id=pending.review_id,
                data=pending.data,
                prev_hash=prev_hash,
                key_id=key.id,
            )
            row.hash = keyed_hash(row, key)
            prev_hash = row.hash
            rows.append(row)
        await AuditEvent.bulk_create(rows, using_db=conn)
        await (
            AuditChainHead.filter(organization_id=organization_id)
            .using_db(conn)
            .update(seq=seq, hash=prev_hash)
        )
