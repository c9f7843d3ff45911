"""Signed checkpoints of the chain heads, in an append-only file outside the database.

One JSON object a line: `{"v", "organization_id", "seq", "head_hash", "at", "key_id", "mac"}`,
the MAC an HMAC-SHA256 under the audit key over the other fields. Whoever rewrites the database
(deletes the last events, or rewrites the chain and recomputes the hashes) cannot make it match a
checkpoint, and cannot make a new checkpoint without the key. The file is created owner-only
(0600) and only ever appended to, one whole line a write, under an exclusive lock (flock) so two
processes never interleave.
"""

from __future__ import annotations

import asyncio
import fcntl
import hmac
import json
import logging
import os
import stat
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from service.audit.chain import canonical
from service.audit.keys import AuditKey

log = logging.getLogger(__name__)
CHECKPOINT_DOMAIN = "vetting audit checkpoint v1"
VERSION = 1


@dataclass(frozen=True)
class Checkpoint:
    organization_id: str
    seq: int
    head_hash: str
    at: datetime
    key_id: str
    mac: str = ""

    def signed_fields(self) -> dict[str, Any]:
        return {
            "v": VERSION,
            "organization_id": self.organization_id,
            "seq": self.seq,
            "head_hash": self.head_hash,
            "at": self.at.isoformat(),
            "key_id": self.key_id,
        }

    def as_dict(self) -> dict[str, Any]:
        return {**self.signed_fields(), "mac": self.mac}

    def line(self) -> str:
        return canonical(self.as_dict()).decode() + "\n"

    @classmethod
    def signed(
        cls, *, organization_id: str, seq: int, head_hash: str, at: datetime, key: AuditKey
    ) -> Checkpoint:
        draft = cls(organization_id, seq, head_hash, at, key.id)
        return cls(
            organization_id, seq, head_hash, at, key.id, key.mac(CHECKPOINT_DOMAIN, draft._body())
        )

    def verifies(self, keys: dict[str, AuditKey]) -> bool:
        key = keys.get(self.key_id)
        return key is not None and hmac.compare_digest(
            key.mac(CHECKPOINT_DOMAIN, self._body()), self.mac
        )

    def _body(self) -> bytes:
        return canonical(self.signed_fields())


def _parse(line: str) -> Checkpoint | None:
    try:
        data = json.loads(line)
        if data.get("v") != VERSION:
            return None
        return Checkpoint(
            organization_id=str(data["organization_id"]),
            seq=int(data["seq"]),
            head_hash=str(data["head_hash"]),
            at=datetime.fromisoformat(str(data["at"])),
            key_id=str(data["key_id"]),
            mac=str(data["mac"]),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


@dataclass
class CheckpointFindings:
    """What the file says of one organization: its latest checkpoint whose MAC verifies (highest
    seq), and the lines that should not be there."""

    latest: Checkpoint | None = None
    forged: int = 0  # lines for this organization whose MAC does not verify
    unreadable: list[int] = field(default_factory=list)  # line numbers, whoever they were for


def read_findings(path: Path, keys: dict[str, AuditKey]) -> dict[str, CheckpointFindings]:
    """Every organization's findings; "" holds the unreadable lines (they may be anyone's)."""
    found: dict[str, CheckpointFindings] = {"": CheckpointFindings()}
    if not path.exists():
        return found
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            checkpoint = _parse(line)
            if checkpoint is None:
                found[""].unreadable.append(number)
                continue
            mine = found.setdefault(checkpoint.organization_id, CheckpointFindings())
            if not checkpoint.verifies(keys):
                mine.forged += 1
            elif mine.latest is None or checkpoint.seq >= mine.latest.seq:
                mine.latest = checkpoint
    return found


def findings_for(path: Path, keys: dict[str, AuditKey], organization_id: str) -> CheckpointFindings:
    every = read_findings(path, keys)
    mine = every.get(organization_id, CheckpointFindings())
    mine.unreadable = every[""].unreadable
    return mine


def _open_for_append(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    mode = stat.S_IMODE(os.fstat(descriptor).st_mode)
    if mode & 0o077:
        log.warning("%s is readable by others (mode %o); it should be 0600", path, mode)
    return descriptor


@asynccontextmanager
async def locked_for_append(path: Path) -> AsyncIterator[int]:
    """The file, opened for appending and exclusively locked (flock) until the block ends.

    The lock is waited for in a thread: another task of this process may hold it meanwhile.
    """
    descriptor = _open_for_append(path)
    try:
        await asyncio.to_thread(fcntl.flock, descriptor, fcntl.LOCK_EX)
        yield descriptor
    finally:
        os.close(descriptor)  # releases the lock


def append(descriptor: int, checkpoint: Checkpoint) -> None:
    os.write(descriptor, checkpoint.line().encode())
    os.fsync(descriptor)
