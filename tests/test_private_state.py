"""What the service keeps on disk is its own user's only, and its secrets stay out of its logs.

A real `vetting serve` (the embedded default) started under the common umask 022: the SQLite
file and its -wal/-shm companions, the folders the service creates, the evidence folder and the
key file must still be owner-only, and its access log must not hold a calendar feed's secret.
"""

from __future__ import annotations

import os
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from service.config import Settings
from service.db import SQLITE_COMPANIONS, prepare_sqlite_file
from tests.portal.server import Server, invite, running_server


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    work = tmp_path_factory.mktemp("private-state")
    previous = os.umask(0o022)  # what most systems start services with: files 0644, folders 0755
    try:
        with running_server(
            work,
            database_url=f"sqlite://{work / 'var' / 'vetting.sqlite3'}",
            secret_key_file=str(work / "keys" / "secret.key"),
        ) as running:
            yield running, work
    finally:
        os.umask(previous)


def test_the_database_evidence_folder_and_key_are_owner_only(
    server: tuple[Server, Path],
) -> None:
    running, work = server
    # A write, so that SQLite has its write-ahead log and shared-memory files open.
    invite(running)
    database = work / "var" / "vetting.sqlite3"
    assert mode(database) == 0o600
    companions = [database.with_name(database.name + s) for s in SQLITE_COMPANIONS]
    present = [path for path in companions if path.exists()]
    assert {path.name for path in present} >= {"vetting.sqlite3-wal", "vetting.sqlite3-shm"}
    assert {path.name: mode(path) for path in present} == {path.name: 0o600 for path in present}
    assert mode(work / "var") == 0o700  # created by the service
    assert mode(running.evidence_dir) == 0o700  # created at start, before any upload
    assert mode(work / "keys") == 0o700
    assert mode(work / "keys" / "secret.key") == 0o600


def test_a_calendar_secret_never_reaches_the_access_log(server: tuple[Server, Path]) -> None:
    running, _ = server
    api, admin = running.api, running.admin_token
    org = api(
        "POST",
        "/api/organizations",
        admin,
        {"name": "多賀城市", "jurisdiction_court": "仙台地方裁判所"},
    )
    user = api(
        "POST",
        f"/api/organizations/{org['id']}/users",
        admin,
        {
            "name": "管理者",
            "email": f"admin-{uuid.uuid4().hex[:6]}@city.example.jp",
            "roles": ["admin"],
        },
    )
    token = running.console_token(user["id"])  # a person's first token: the server console
    feed = api("POST", f"/api/organizations/{org['id']}/calendar-feed", token)
    secret = feed["url"].rsplit("/", 1)[1]
    assert secret.startswith("cal_")
    response = httpx.get(f"{running.base}/api/calendar/{secret}", timeout=30)
    assert response.status_code == 200
    link = invite(running).link  # and a vendor link, redacted by the same filter
    assert httpx.get(link, timeout=30, follow_redirects=False).status_code == 303

    log = running.log.read_text()
    assert "GET /api/calendar/cal_… HTTP/1.1" in log
    assert secret not in log and secret[4:] not in log
    assert "GET /v/vl_… HTTP/1.1" in log
    assert link.rsplit("/", 1)[1] not in log


def test_a_database_made_world_readable_earlier_is_narrowed(tmp_path: Path) -> None:
    database = tmp_path / "old.sqlite3"
    for path in (database, tmp_path / "old.sqlite3-wal", tmp_path / "old.sqlite3-shm"):
        path.write_bytes(b"")
        path.chmod(0o644)
    prepare_sqlite_file(Settings(database_url=f"sqlite://{database}"))
    assert [mode(p) for p in sorted(tmp_path.iterdir())] == [0o600, 0o600, 0o600]


def test_a_new_database_folder_is_created_owner_only(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        database = tmp_path / "a" / "b" / "new.sqlite3"
        prepare_sqlite_file(Settings(database_url=f"sqlite://{database}?journal_mode=WAL"))
    finally:
        os.umask(previous)
    assert mode(database) == 0o600
    assert mode(tmp_path / "a") == mode(tmp_path / "a" / "b") == 0o700
