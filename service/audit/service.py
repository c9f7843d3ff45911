"""Write and verify the hash-chained audit trail.

Each event stores the hash of the previous event of its organization, and its own hash over its
content and that previous hash; altering, removing or reordering a stored event breaks the chain
at that point. Events are only ever inserted.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from service.accounts.models import Organization
from service.audit.models import AuditEvent

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class Actor:
    """Who did something: a signed-in user, a vendor holding a link, or the system."""

    type: str  # user | vendor | system
    id: str
    label: str


SYSTEM = Actor(type="system", id="", label="system")


def _event_hash(event: AuditEvent) -> str:
    content = {
        "organization_id": str(event.organization_id),
        "seq": event.seq,
        "at": event.at.astimezone(UTC).isoformat(),
        "actor_type": event.actor_type,
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "review_id": event.review_id,
        "data": event.data,
        "prev_hash": event.prev_hash,
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


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
) -> AuditEvent:
    """Append one event inside the caller's transaction."""
    # Lock the organization row so concurrent writers of one organization queue up here
    # instead of racing for the same sequence number (PostgreSQL; SQLite serializes writes).
    await Organization.select_for_update().using_db(conn).get(id=organization_id)
    last = (
        await AuditEvent.filter(organization_id=organization_id)
        .using_db(conn)
        .order_by("-seq")
        .first()
    )
    event = AuditEvent(
        organization_id=organization_id,
        seq=(last.seq + 1) if last else 1,
        at=datetime.now(UTC),
        actor_type=actor.type,
        actor_id=actor.id,
        actor_label=actor.label,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        review_id=str(review_id),
        data=data or {},
        prev_hash=last.hash if last else GENESIS_HASH,
    )
    event.hash = _event_hash(event)
    await event.save(using_db=conn)
    return event


@dataclass(frozen=True)
class ChainReport:
    organization_id: str
    events: int
    first_broken_seq: int | None
    problem: str

    @property
    def ok(self) -> bool:
        return self.first_broken_seq is None


async def verify_chain(organization_id: str) -> ChainReport:
    """Walk an organization's events in order; report the first link that does not hold."""
    expected_prev = GENESIS_HASH
    count = 0
    async for event in AuditEvent.filter(organization_id=organization_id).order_by("seq"):
        count += 1
        if event.seq != count:
            return ChainReport(organization_id, count, event.seq, f"expected seq {count}")
        if event.prev_hash != expected_prev:
            return ChainReport(
                organization_id, count, event.seq, "prev_hash does not match the previous event"
            )
        if _event_hash(event) != event.hash:
            return ChainReport(organization_id, count, event.seq, "content does not match hash")
        expected_prev = event.hash
    return ChainReport(organization_id, count, None, "")
