"""Evidence files on disk: received while the request streams in, kept outside any served folder.

An upload is written to a private file under <evidence_dir>/incoming/ as its bytes arrive, hashed
and counted on the way; it is refused the moment it passes the size limit, so nothing larger than
the limit is ever read or kept. Only after the content check and the database rows does it move
to its final place, <evidence_dir>/<2 hex>/<generated name>: the vendor's file name is never a
path here.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import anyio.to_thread

from service.evidence.inspect import HEAD_BYTES
from service.private_files import FILE_MODE, private_folder

_STALE_SECONDS = 24 * 3600  # an incoming file this old was left by a crashed request


class UploadTooLarge(Exception):
    def __init__(self, question_id: str, limit: int) -> None:
        super().__init__(f"upload for {question_id} is over {limit} bytes")
        self.question_id = question_id
        self.limit = limit


@dataclass
class ReceivedUpload:
    """A file fully received into incoming/, not yet checked or placed."""

    question_id: str
    raw_name: str
    path: Path
    size: int
    sha256: str
    head: bytes


@dataclass
class IncomingFile:
    """One file part being received."""

    question_id: str
    raw_name: str
    path: Path
    limit: int
    _file: BinaryIO
    _hash: hashlib._Hash = field(default_factory=hashlib.sha256)
    size: int = 0
    head: bytes = b""

    async def write(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise UploadTooLarge(self.question_id, self.limit)
        if len(self.head) < HEAD_BYTES:
            self.head = (self.head + data)[:HEAD_BYTES]
        self._hash.update(data)
        await anyio.to_thread.run_sync(self._file.write, data)

    async def finish(self) -> ReceivedUpload:
        await anyio.to_thread.run_sync(self._close)
        return ReceivedUpload(
            question_id=self.question_id,
            raw_name=self.raw_name,
            path=self.path,
            size=self.size,
            sha256=self._hash.hexdigest(),
            head=self.head,
        )

    def _close(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()

    def discard(self) -> None:
        if not self._file.closed:
            self._file.close()
        self.path.unlink(missing_ok=True)


class EvidenceStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.incoming = root / "incoming"

    def prepare(self) -> None:
        """The evidence folder, owner-only (0700): created, or narrowed, at start-up."""
        private_folder(self.root)

    def _folder(self, path: Path) -> None:
        if not path.is_dir():
            private_folder(path)

    def open_incoming(self, question_id: str, raw_name: str, limit: int) -> IncomingFile:
        self._folder(self.incoming)
        self._drop_stale()
        path = self.incoming / secrets.token_hex(16)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        return IncomingFile(question_id, raw_name, path, limit, os.fdopen(descriptor, "wb"))

    def _drop_stale(self) -> None:
        cutoff = time.time() - _STALE_SECONDS
        for leftover in self.incoming.iterdir():
            try:
                if leftover.stat().st_mtime < cutoff:
                    leftover.unlink()
            except FileNotFoundError:
                pass  # another request removed it first

    def path_of(self, stored_name: str) -> Path:
        if not (len(stored_name) == 32 and all(c in "0123456789abcdef" for c in stored_name)):
            raise ValueError("not a stored name")  # never a path built from outside input
        return self.root / stored_name[:2] / stored_name

    def place(self, upload: ReceivedUpload, stored_name: str) -> Path:
        target = self.path_of(stored_name)
        self._folder(target.parent)
        os.replace(upload.path, target)
        return target

    def read(self, stored_name: str) -> bytes:
        return self.path_of(stored_name).read_bytes()


def new_stored_name() -> str:
    return secrets.token_hex(16)
