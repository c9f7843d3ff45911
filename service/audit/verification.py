"""Verify an organization's audit chain: every link and MAC, then against its latest checkpoint.

The walk finds an altered, removed or reordered event, and an event whose keyed hash does not
verify (a chain rewritten without the key). The checkpoint, kept outside the database, finds what
the walk cannot: the last events deleted (truncation), or the whole chain rewritten.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from service.audit.chain import ChainWalk
from service.audit.checkpoint_file import Checkpoint, findings_for
from service.audit.keys import audit_keys
from service.audit.models import AuditEvent
from service.config import Settings, get_settings


@dataclass(frozen=True)
class ChainReport:
    organization_id: str
    events: int
    first_broken_seq: int | None
    problem: str
    unkeyed_events: int = 0  # events from before the chain was keyed (plain SHA-256)
    head_seq: int = 0
    head_hash: str = ""
    checkpoint: Checkpoint | None = None  # the latest one whose MAC verifies
    truncated: bool = False

    @property
    def ok(self) -> bool:
        return not self.problem


async def verify_chain(organization_id: str, settings: Settings | None = None) -> ChainReport:
    """Walk the organization's events in order; report the first thing that does not hold."""
    settings = settings or get_settings()
    keys = {key.id: key for key in audit_keys(settings)}
    findings = await asyncio.to_thread(
        findings_for, settings.audit_checkpoint_file, keys, organization_id
    )
    checkpoint = findings.latest
    walk = ChainWalk(keys)
    events = 0
    hash_at_checkpoint: str | None = None
    async for event in AuditEvent.filter(organization_id=organization_id).order_by("seq"):
        events += 1
        if not walk.check(event):
            break
        if checkpoint is not None and event.seq == checkpoint.seq:
            hash_at_checkpoint = event.hash
    head_seq = walk.expected_seq - 1
    problem, broken, truncated = walk.problem, walk.broken_seq, False
    if not problem and checkpoint is not None:
        when = checkpoint.at.isoformat(timespec="seconds")
        if head_seq < checkpoint.seq:
            truncated, broken = True, head_seq + 1
            problem = (
                f"seq {head_seq + 1}〜{checkpoint.seq} の監査イベントがありません（{when} の"
                f"チェックポイントは seq {checkpoint.seq} まで記録）/ truncated: events "
                f"{head_seq + 1}-{checkpoint.seq} are missing; the checkpoint of {when} recorded "
                f"seq {checkpoint.seq}"
            )
        elif hash_at_checkpoint != checkpoint.head_hash:
            broken = checkpoint.seq
            problem = (
                f"seq {checkpoint.seq} のハッシュが {when} のチェックポイントと一致しません（連鎖が"
                f"書き換えられています）/ the event at seq {checkpoint.seq} does not match the "
                f"checkpoint of {when}: the chain was rewritten"
            )
    if not problem and findings.forged:
        problem = (
            f"チェックポイントファイルに MAC が一致しない行が {findings.forged} 行あります / the "
            f"checkpoint file holds {findings.forged} line(s) for this organization whose MAC "
            "does not verify"
        )
    if not problem and findings.unreadable:
        lines = ", ".join(str(n) for n in findings.unreadable[:10])
        problem = (
            f"チェックポイントファイルに読めない行があります（{lines} 行目）/ the checkpoint file "
            f"has unreadable line(s): {lines}"
        )
    return ChainReport(
        organization_id=organization_id,
        events=events,
        first_broken_seq=broken,
        problem=problem,
        unkeyed_events=walk.unkeyed,
        head_seq=head_seq,
        head_hash=walk.expected_prev if head_seq else "",
        checkpoint=checkpoint,
        truncated=truncated,
    )
