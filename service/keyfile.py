"""Key files the service makes itself at first use (the secret box's key, the audit key).

A key file holds one key a line, newest first. It is created owner-only (0600), written aside and
linked into place, so a process starting at the same moment sees the whole key or none, and
exactly one key wins.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

from service.private_files import owner_only, private_folder


def read_or_create(path: Path, generate: Callable[[], str]) -> list[str]:
    """The keys in `path`, newest first; a missing file is created holding one new key."""
    if not path.parent.exists():
        private_folder(path.parent)
    owner_only(path)  # a key file copied in with a looser mode
    if not path.exists():
        draft = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(generate() + "\n")
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().split()
