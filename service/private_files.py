"""Files and folders only the service's own user may read: the SQLite database and its
companions, the evidence folder and its files, the key file.

Modes are set explicitly at creation rather than through the process umask, so they hold
whatever umask the service is started with; what an earlier version created too openly is
narrowed at start-up.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_folder(path: Path) -> None:
    """The folder, created 0700 (parents too, when missing) or narrowed to its owner."""
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process made it first
            folder.mkdir(mode=FOLDER_MODE)
        # mkdir's mode is masked by the umask; chmod is not.
        folder.chmod(FOLDER_MODE)
    owner_only(path)


def create_private_file(path: Path) -> bool:
    """Create an empty file 0600; False when it exists (then it is narrowed to its owner)."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        owner_only(path)
        return False
    os.fchmod(descriptor, FILE_MODE)  # whatever the umask
    os.close(descriptor)
    return True


def owner_only(path: Path) -> None:
    """Take group and other permissions off a file or folder the service keeps private."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if not mode & 0o077:
        return
    try:
        path.chmod(mode & 0o700)
    except PermissionError:  # someone else's file: the service can still run, say so
        log.warning("cannot make %s private to its owner (mode %o); do it by hand", path, mode)
