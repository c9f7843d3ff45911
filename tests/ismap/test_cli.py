"""`vetting ismap import FILE|URL` and `vetting ismap status` end to end, on a fresh database."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from tests.ismap.fixtures import LIST_A_XLSX, LIST_B_XLSX
from tests.ismap.http_server import Reply, serve

VETTING = str(Path(sys.executable).with_name("vetting"))
SERVER_URL = os.environ.get("VETTING_TEST_DATABASE_URL")


async def _admin(statement: str) -> None:
    import asyncpg

    assert SERVER_URL is not None
    conn = await asyncpg.connect(SERVER_URL.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest_asyncio.fixture
async def database_url() -> AsyncIterator[str]:
    """A database of its own (not the session's): SQLite file, or a new PostgreSQL database."""
    if SERVER_URL:
        name = f"vetting_cli_{uuid.uuid4().hex[:12]}"
        await _admin(f'CREATE DATABASE "{name}"')
        yield SERVER_URL.rsplit("/", 1)[0] + "/" + name
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        with tempfile.TemporaryDirectory(prefix="vetting-cli-") as folder:
            yield f"sqlite://{Path(folder) / 'cli.sqlite3'}"


def vetting(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [VETTING, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "VETTING_DATABASE_URL": database_url},
        check=False,
    )


def test_import_file_then_url_then_look_up(database_url: str) -> None:
    assert vetting(database_url, "migrate").returncode == 0

    nothing = vetting(database_url, "ismap", "status", "C21-0008-2")
    assert nothing.returncode == 2
    assert "no ISMAP list has been imported yet" in nothing.stderr

    first = vetting(database_url, "ismap", "import", str(LIST_A_XLSX))
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert "imported / 取込完了" in out
    assert "services: 15" in out
    assert "source: ismap_list_2025-04.xlsx" in out
    assert "2025-04-01時点" in out
    assert "header row 5" in out and "audit_period_start=監査対象期間開始日" in out
    assert "first snapshot" in out
    assert "expired  C23-0088-1" in out  # lapsed in 2025, whatever today is

    again = vetting(database_url, "ismap", "import", str(LIST_A_XLSX))
    assert again.returncode == 0, again.stderr
    assert "already imported / 取込済み" in again.stdout
    assert "no new snapshot" in again.stdout

    with serve() as site:
        site.replies["/ismap_list_2025-10.xlsx"] = Reply(LIST_B_XLSX.read_bytes())
        url = f"{site.base_url}/ismap_list_2025-10.xlsx"
        second = vetting(database_url, "ismap", "import", url, "--expiring-days", "30")
    assert second.returncode == 0, second.stderr
    out = second.stdout
    assert f"source: {url}" in out
    assert "added    C25-0140-1" in out
    assert "removed  C22-0052-1" in out
    assert "renewed  C21-0008-3" in out and "C21-0008-2 → C21-0008-3" in out
    assert "renamed  C23-0067-1" in out

    valid = vetting(database_url, "ismap", "status", "C21-0008-2", "--on", "2025-10-10")
    assert valid.returncode == 0, valid.stdout + valid.stderr
    assert "VALID / 有効" in valid.stdout and "match: stem" in valid.stdout
    assert "C21-0008-3" in valid.stdout  # the "number updated" warning names the listed number

    lapsed = vetting(database_url, "ismap", "status", "C23-0088-1", "--on", "2025-10-10")
    assert lapsed.returncode == 1
    assert "NOT VALID" in lapsed.stdout and "2025-02-01" in lapsed.stdout
    assert "2025-10-01時点" in lapsed.stdout  # names the snapshot it was judged on

    audit = vetting(database_url, "audit", "verify")
    assert audit.returncode == 0, audit.stdout
    assert "chain intact" in audit.stdout


def test_console_errors_are_plain(database_url: str) -> None:
    assert vetting(database_url, "migrate").returncode == 0
    missing = vetting(database_url, "ismap", "import", "/nonexistent/ismap.xlsx")
    assert missing.returncode == 2
    assert "no such file" in missing.stderr
    assert "Traceback" not in missing.stderr
    bad_day = vetting(database_url, "ismap", "status", "C21-0008-2", "--on", "昨日")
    assert bad_day.returncode == 2
    assert "not a date" in bad_day.stderr
    with tempfile.NamedTemporaryFile(suffix=".xls") as old:
        old.write(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
        old.flush()
        refused = vetting(database_url, "ismap", "import", old.name)
    assert refused.returncode == 2
    assert ".xls" in refused.stderr and "Traceback" not in refused.stderr
