"""Publish each organization's chain head outside the database, at intervals and on demand.

A checkpoint is made for an organization whose chain grew since its latest checkpoint, once the
events since then verify (a broken chain is not vouched for: it is logged and reported instead).
It is appended to the checkpoint file and, if the organization asked for it, e-mailed to the
address it chose (through the outbox) and sent to its webhooks that take `audit.checkpoint`.
The periodic job (workers.periodic) and `vetting audit checkpoint` run `make_checkpoints`; two at
once write each checkpoint once (the file's lock), and its e-mail is queued once (dedupe key).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from service.accounts.models import Organization
from service.accounts.principal import Principal
from service.audit.chain import ChainWalk
from service.audit.checkpoint_file import (
    Checkpoint,
    CheckpointFindings,
    append,
    findings_for,
    locked_for_append,
    read_findings,
)
from service.audit.keys import AuditKey, audit_keys, signing_key
from service.audit.models import AuditEvent, AuditSettings
from service.audit.service import record
from service.config import Settings, get_settings
from service.db import upsert_settings
from service.errors import NotFound
from service.jobs import transaction
from service.outbox.service import emit_event, queue_email

log = logging.getLogger(__name__)
EVENT_TYPE = "audit.checkpoint"


@dataclass(frozen=True)
class CheckpointOutcome:
    organization_id: str
    status: str  # written | unchanged | empty | broken
    checkpoint: Checkpoint | None = None  # the one written, or the latest when unchanged
    problem: str = ""


async def make_checkpoints(
    organization_ids: list[str] | None = None, settings: Settings | None = None
) -> list[CheckpointOutcome]:
    """One checkpoint for each organization (all, or those named) whose chain grew."""
    settings = settings or get_settings()
    keys = {key.id: key for key in audit_keys(settings)}
    findings = await asyncio.to_thread(read_findings, settings.audit_checkpoint_file, keys)
    if organization_ids is None:
        ids = await Organization.all().order_by("created_at").values_list("id", flat=True)
        organization_ids = [str(i) for i in ids]
    outcomes = []
    for organization_id in organization_ids:
        latest = findings.get(organization_id, CheckpointFindings()).latest
        outcome = await _checkpoint(organization_id, latest, keys, settings)
        if outcome.status == "broken":
            log.error("audit chain of %s not checkpointed: %s", organization_id, outcome.problem)
        outcomes.append(outcome)
    return outcomes


async def _verified_head(
    organization_id: str, since: Checkpoint | None, keys: dict[str, AuditKey]
) -> tuple[int, str] | str:
    """The seq and hash of the last event, once every event after `since` verifies; else why not."""
    walk = ChainWalk(keys)
    events = AuditEvent.filter(organization_id=organization_id)
    if since is not None:
        start = await AuditEvent.get_or_none(organization_id=organization_id, seq=since.seq)
        if start is None or start.hash != since.head_hash:
            return (
                f"seq {since.seq} がチェックポイントと一致しません / the event at seq {since.seq} "
                "is missing or does not match the latest checkpoint"
            )
        walk.expected_seq, walk.expected_prev = since.seq + 1, since.head_hash
        walk.keyed_seen = bool(start.key_id)
        events = events.filter(seq__gt=since.seq)
    async for event in events.order_by("seq"):
        if not walk.check(event):
            return f"seq {walk.broken_seq}: {walk.problem}"
    return walk.expected_seq - 1, walk.expected_prev


async def _checkpoint(
    organization_id: str,
    latest: Checkpoint | None,
    keys: dict[str, AuditKey],
    settings: Settings,
) -> CheckpointOutcome:
    head = await _verified_head(organization_id, latest, keys)
    if isinstance(head, str):
        return CheckpointOutcome(organization_id, "broken", latest, head)
    seq, head_hash = head
    if seq == 0:
        return CheckpointOutcome(organization_id, "empty")
    if latest is not None and seq <= latest.seq:
        return CheckpointOutcome(organization_id, "unchanged", latest)
    checkpoint = Checkpoint.signed(
        organization_id=organization_id,
        seq=seq,
        head_hash=head_hash,
        at=datetime.now(UTC).replace(microsecond=0),
        key=signing_key(settings),
    )
    path = settings.audit_checkpoint_file
    async with locked_for_append(path) as descriptor:
        # Another process may have written one since the file was read.
        now_latest = (await asyncio.to_thread(findings_for, path, keys, organization_id)).latest
        if now_latest is not None and now_latest.seq >= seq:
            return CheckpointOutcome(organization_id, "unchanged", now_latest)
        # Sent before it is written: a crash in between makes the next run send it again
        # (the e-mail is deduplicated; a webhook receiver sees the same seq twice).
        await _announce(checkpoint)
        append(descriptor, checkpoint)
    log.info("audit checkpoint: %s at seq %d", organization_id, seq)
    return CheckpointOutcome(organization_id, "written", checkpoint)


def checkpoint_email_body(organization_name: str, checkpoint: Checkpoint) -> str:
    at = checkpoint.at.isoformat()
    return (
        f"{organization_name} の監査証跡（ハッシュ連鎖）のチェックポイントです。"
        "このメールを保管してください。監査担当者は、監査証跡の検証"
        "（GET /api/audit/verification、vetting audit verify）で示される同じ seq の"
        "ハッシュと照合できます。一致しない、または seq が足りない場合、監査証跡は"
        "この時点より後に書き換えられたか削除されています。\n\n"
        f"This is a checkpoint of the audit trail (hash chain) of {organization_name}. Keep this "
        "message: an auditor can compare it with the hash the verification shows for the same "
        "seq. If it differs, or the seq is missing, the trail was rewritten or cut after this "
        "point.\n\n"
        f"組織 / organization: {checkpoint.organization_id}\n"
        f"seq: {checkpoint.seq}\n"
        f"ハッシュ / head hash: {checkpoint.head_hash}\n"
        f"時刻 / time: {at}\n"
        f"鍵ID / key id: {checkpoint.key_id}\n"
        f"MAC: {checkpoint.mac}\n\n"
        f"{checkpoint.line()}"
    )


async def _announce(checkpoint: Checkpoint) -> None:
    organization_id = checkpoint.organization_id
    organization = await Organization.get(id=organization_id)
    chosen = await AuditSettings.get_or_none(organization_id=organization_id)
    async with transaction() as conn:
        if chosen is not None and chosen.checkpoint_email:
            await queue_email(
                conn,
                organization_id=organization_id,
                dedupe_key=f"audit-checkpoint:{organization_id}:{checkpoint.seq}",
                event_type=EVENT_TYPE,
                to_address=chosen.checkpoint_email,
                subject=(
                    f"監査証跡チェックポイント seq {checkpoint.seq}（{organization.name}）"
                    " / Audit trail checkpoint"
                ),
                body=checkpoint_email_body(organization.name, checkpoint),
            )
        await emit_event(
            conn, organization_id=organization_id, event_type=EVENT_TYPE, data=checkpoint.as_dict()
        )


def _own(principal: Principal, organization_id: str) -> None:
    if organization_id != principal.organization_id:
        raise NotFound("no such organization / 組織が見つかりません")


async def get_checkpoint_email(principal: Principal, organization_id: str) -> str:
    _own(principal, organization_id)
    chosen = await AuditSettings.get_or_none(organization_id=organization_id)
    return chosen.checkpoint_email if chosen else ""


async def set_checkpoint_email(principal: Principal, organization_id: str, email: str) -> str:
    """Where the organization's checkpoints are e-mailed ("" = nowhere); the change is audited."""
    _own(principal, organization_id)
    async with transaction() as conn:
        await upsert_settings(AuditSettings, organization_id, {"checkpoint_email": email}, conn)
        await record(
            conn,
            organization_id=organization_id,
            actor=principal.actor,
            action="audit_settings.updated",
            object_type="organization",
            object_id=organization_id,
            data={"checkpoint_email": email},
        )
    return email
