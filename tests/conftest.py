"""Test set-up: a fresh database migrated with the real migrations, and the app over HTTP.

SQLite (a temp file) by default; PostgreSQL when VETTING_TEST_DATABASE_URL is set. Every response
the client sees is checked against the OpenAPI document (see openapi_check.py).
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

_TMP = Path(tempfile.mkdtemp(prefix="vetting-test-"))
_SERVER_URL = os.environ.get("VETTING_TEST_DATABASE_URL")
_SESSION_DB = f"vetting_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
if _SERVER_URL:
    # Each session gets its own database on that server, dropped at the end, so parallel runs
    # never meet.
    DATABASE_URL = _SERVER_URL.rsplit("/", 1)[0] + "/" + _SESSION_DB
else:
    DATABASE_URL = f"sqlite://{_TMP / 'test.sqlite3'}"
# Settings are read once; set them before any service module is imported.
os.environ["VETTING_DATABASE_URL"] = DATABASE_URL
os.environ.pop("VETTING_BROKER_URL", None)
# Tests run periodic jobs themselves, when they mean to, never on a timer behind their back.
os.environ["VETTING_PERIODIC_JOBS_IN_API"] = "false"
# Nor re-evaluations of the session's reviews from a scheduler a test starts (a test of the
# sweep turns it on for itself).
os.environ["VETTING_REEVALUATE_ON_PROFILE_UPDATE"] = "false"
os.environ["VETTING_PUBLIC_BASE_URL"] = "http://testserver"
os.environ["VETTING_EVIDENCE_DIR"] = str(_TMP / "evidence")
os.environ.pop("VETTING_SECRET_KEY", None)  # the key file of this session, made at first use
os.environ["VETTING_SECRET_KEY_FILE"] = str(_TMP / "secret.key")
os.environ.pop("VETTING_AUDIT_KEY", None)  # likewise the audit key, and the checkpoints
os.environ["VETTING_AUDIT_KEY_FILE"] = str(_TMP / "audit.key")
os.environ["VETTING_AUDIT_CHECKPOINT_FILE"] = str(_TMP / "audit-checkpoints.jsonl")
# Throttling stays on for the whole suite, through the same code as in production, but with
# budgets that the suite's deliberate failures (wrong tokens, unknown links, all from the one
# test client) never use up. tests/test_throttling.py builds apps with small budgets.
for _kind in ("VENDOR_LINK", "API_TOKEN", "CALENDAR", "ATTESTATION", "SIGN_IN"):
    os.environ[f"VETTING_RATE_LIMIT_{_kind}"] = "100000/hour"
for _name in ("ENABLED", "STORAGE_URL"):
    os.environ.pop(f"VETTING_RATE_LIMIT_{_name}", None)
os.environ.pop("VETTING_TRUSTED_PROXIES", None)

import httpx  # noqa: E402
import pytest  # noqa: E402
import pytest_asyncio  # noqa: E402

from tests.factories import Org, new_org  # noqa: E402
from tests.openapi_check import OpenApiChecker  # noqa: E402


async def _admin(statement: str) -> None:
    import asyncpg

    assert _SERVER_URL is not None
    conn = await asyncpg.connect(_SERVER_URL.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest_asyncio.fixture(scope="session")
async def app() -> AsyncIterator[object]:
    from service.app import create_app
    from service.db import migrate_db

    if _SERVER_URL:
        await _admin(f'CREATE DATABASE "{_SESSION_DB}"')
    await migrate_db()
    app = create_app()
    async with app.router.lifespan_context(app):
        yield app
    if _SERVER_URL:
        await _admin(f'DROP DATABASE IF EXISTS "{_SESSION_DB}" WITH (FORCE)')


@pytest_asyncio.fixture(scope="session")
async def checker() -> OpenApiChecker:
    from service.openapi import build_openapi

    return OpenApiChecker(build_openapi())


@pytest_asyncio.fixture(scope="session")
async def client(app: object, checker: OpenApiChecker) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://testserver",
        event_hooks={"response": [checker.check_response]},
    ) as client:
        yield client


@pytest_asyncio.fixture(scope="session")
async def operator_token(app: object) -> str:
    from service.accounts.service import bootstrap_operator

    bootstrap = await bootstrap_operator()
    assert bootstrap is not None, "the test database must start empty"
    return bootstrap.secret


@pytest_asyncio.fixture
async def org(client: httpx.AsyncClient, operator_token: str) -> Org:
    return await new_org(client, operator_token)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
