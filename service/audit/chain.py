"""How an event's hash is made and how a run of events is checked (pure: no database).

A keyed event's hash is HMAC-SHA256 under an audit key over its canonical content, the previous
event's hash and the key id; nobody without the key can write a new event, or rewrite old ones and
recompute the hashes. Events from before the chain was keyed (key_id "") keep their plain SHA-256:
the first keyed event covers them through its prev_hash, and once a keyed event has been seen an
unkeyed one is a break.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC
from typing import Any, Protocol

from service.audit.keys import AuditKey

GENESIS_HASH = "0" * 64
EVENT_DOMAIN = "vetting audit event v1"


class ChainedEvent(Protocol):
    organization_id: Any
    seq: int
    at: Any
    actor_type: str
    actor_id: str
    actor_label: str
    action: str
    object_type: str
    object_id: str
    review_id: str
    data: dict[str, Any]
    prev_hash: str
    hash: str
    key_id: str


def canonical(content: dict[str, Any]) -> bytes:
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _content(event: ChainedEvent) -> dict[str, Any]:
    return {
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


def unkeyed_hash(event: ChainedEvent) -> str:
    """The hash of events written before the chain was keyed."""
    return hashlib.sha256(canonical(_content(event))).hexdigest()


def keyed_hash(event: ChainedEvent, key: AuditKey) -> str:
    return key.mac(EVENT_DOMAIN, canonical({**_content(event), "key_id": key.id}))


@dataclass
class ChainWalk:
    """Checks events handed to it in seq order; stops at the first link that does not hold.

    Starts at the genesis, or at a trusted point (a checkpoint): the seq and hash of the event
    the next one must follow.
    """

    keys: dict[str, AuditKey]
    expected_seq: int = 1
    expected_prev: str = GENESIS_HASH
    keyed_seen: bool = False
    unkeyed: int = 0
    checked: int = 0
    broken_seq: int | None = None
    problem: str = ""

    def check(self, event: ChainedEvent) -> bool:
        """False (and the reason kept) at the first broken link."""
        if event.seq != self.expected_seq:
            return self._break(
                event.seq,
                f"seq {self.expected_seq} の後が seq {event.seq} です（欠落または重複）/ "
                f"expected seq {self.expected_seq}, found seq {event.seq}",
            )
        if not hmac.compare_digest(event.prev_hash, self.expected_prev):
            return self._break(
                event.seq,
                "直前のイベントのハッシュと一致しません / "
                "prev_hash does not match the previous event",
            )
        if event.key_id:
            key = self.keys.get(event.key_id)
            if key is None:
                return self._break(
                    event.seq,
                    f"監査鍵 {event.key_id} が設定されていないため検証できません / the audit key "
                    f"{event.key_id} is not configured "
                    "(VETTING_AUDIT_KEY / VETTING_AUDIT_KEY_FILE)",
                )
            expected = keyed_hash(event, key)
            self.keyed_seen = True
        else:
            if self.keyed_seen:
                return self._break(
                    event.seq,
                    "鍵付きの連鎖の後に鍵のないイベントがあります / an unkeyed event after the "
                    "keyed chain began",
                )
            expected = unkeyed_hash(event)
            self.unkeyed += 1
        if not hmac.compare_digest(expected, event.hash):
            return self._break(
                event.seq, "内容がハッシュと一致しません / content does not match hash"
            )
        self.checked += 1
        self.expected_seq = event.seq + 1
        self.expected_prev = event.hash
        return True

    def _break(self, seq: int, problem: str) -> bool:
        self.broken_seq, self.problem = seq, problem
        return False
