"""Database wiring: the Tortoise config (shared by the app, the CLI and migrations)."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from tortoise import Tortoise
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

from service.config import Settings, get_settings
from service.private_files import create_private_file, owner_only, private_folder

log = logging.getLogger(__name__)
T = TypeVar("T")
M = TypeVar("M", bound=Model)
# PostgreSQL: deadlock_detected, serialization_failure. The write paths are ordered so that neither
# should happen (the audit chain's lock is always taken last); this is the net under that.
TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})
TRANSIENT_ATTEMPTS = 4

MODEL_MODULES = [
    "service.accounts.models",
    "service.vendors.models",
    "service.engagements.models",
    "service.reviews.models",
    "service.questionnaire.models",
    "service.checks.models",
    "service.contracts.models",
    "service.audit.models",
    "service.ismap.models",
    "service.evidence.models",
    "service.portal.models",
    "service.reminders.models",
    "service.outbox.models",
    "service.notifications.models",
    "service.social.models",
    "service.signin.models",
]


def connection_config(database_url: str) -> str | dict[str, Any]:
    """The database URL, and on PostgreSQL the session settings of every connection.

    JIT compilation is off: it pays off for long analytical queries, but this service runs short
    indexed ones whose row estimates can be far too high (the due sweep's `status = 'pending' AND
    send_on <= today` is estimated at half the table, because past reminders are sent), and then
    compiling takes 10 ms for a query that runs in 0.1 ms (docs/benchmarks.md, "Due sweep").
    """
    if not database_url.startswith(("postgres://", "postgresql://", "asyncpg://", "psycopg://")):
        return database_url
    from tortoise.backends.base.config_generator import expand_db_url

    config = expand_db_url(database_url)
    credentials = config["credentials"]
    credentials["server_settings"] = {**credentials.get("server_settings", {}), "jit": "off"}
    return config


def tortoise_config(settings: Settings | None = None) -> dict[str, Any]:
    settings = settings or get_settings()
    return {
        "connections": {"default": connection_config(settings.database_url)},
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "migrations": "service.migrations",
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


# `tortoise -c service.db.TORTOISE_ORM makemigrations` reads this.
TORTOISE_ORM = tortoise_config()


def sqlite_path(database_url: str) -> Path | None:
    """The file of a SQLite URL; None for another database or an in-memory one."""
    prefix = "sqlite://"
    if not database_url.startswith(prefix):
        return None
    path = database_url[len(prefix) :].split("?", 1)[0]
    return Path(path) if path and path != ":memory:" else None


# SQLite's companions of the database file: write-ahead log, shared memory, rollback journal.
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def prepare_sqlite_file(settings: Settings) -> None:
    """The SQLite file, readable and writable by the service's user only (it holds personal data,
    token hashes and the audit trail), in a folder that exists (var/ on a fresh clone).

    SQLite gives the -wal, -shm and -journal files the mode of the database file, so the file is
    created 0600 before SQLite opens it. A file an earlier version made world-readable (0644) is
    narrowed, with its companions.
    """
    path = sqlite_path(settings.database_url)
    if path is None:
        return
    if not path.parent.exists():  # a folder of our own (var/); an existing one is left as it is
        private_folder(path.parent)
    create_private_file(path)
    for suffix in SQLITE_COMPANIONS:
        owner_only(path.with_name(path.name + suffix))


async def init_db(settings: Settings | None = None) -> None:
    settings = settings or get_settings()
    prepare_sqlite_file(settings)
    # Global fallback: request handlers run in other tasks than the lifespan that called init.
    await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)


async def migrate_db(settings: Settings | None = None) -> None:
    """Apply every pending migration (Tortoise's built-in migration engine)."""
    from tortoise.migrations.api import migrate

    settings = settings or get_settings()
    prepare_sqlite_file(settings)
    await migrate(config=tortoise_config(settings))


async def close_db() -> None:
    await Tortoise.close_connections()


def is_transient(exc: BaseException) -> bool:
    """A deadlock or serialization failure (PostgreSQL), or SQLite busy with another process:
    the transaction was rolled back and running it again may succeed."""
    seen: BaseException | None = exc
    while seen is not None:
        if getattr(seen, "sqlstate", None) in TRANSIENT_SQLSTATES:
            return True
        if type(seen).__module__ == "sqlite3" and "database is locked" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def retry_transient(operation: Callable[[], Awaitable[T]]) -> T:
    """Run `operation`, and again (a bounded number of times) after a transient failure, but only
    while it has committed nothing: running again from the start is then the same as running once.
    The API's JSON endpoints run through this (service.routing)."""
    from service.jobs import commits

    for attempt in range(1, TRANSIENT_ATTEMPTS + 1):
        committed = commits.get()
        try:
            return await operation()
        except Exception as exc:
            if attempt == TRANSIENT_ATTEMPTS or commits.get() != committed or not is_transient(exc):
                raise
            log.warning("transient database failure (%s); running it again", exc)
            await asyncio.sleep(random.uniform(0.01, 0.05) * 2**attempt)  # noqa: S311
    raise AssertionError("unreachable")


async def settings_row(model: type[M], organization_id: str, conn: BaseDBAsyncClient) -> M:
    """The organization's row of a per-organization settings table (unique organization_id),
    made with the defaults when missing, and locked until `conn`'s transaction ends.

    Two first writers meet at the unique key: one inserts, the other's insert does nothing once
    the first commits, and both then read the one row (no IntegrityError, no lost update).
    """
    await model.bulk_create(
        [model(organization_id=organization_id)], ignore_conflicts=True, using_db=conn
    )
    return (
        await model.filter(organization_id=organization_id).using_db(conn).select_for_update().get()
    )


async def upsert_settings(
    model: type[M], organization_id: str, changes: dict[str, Any], conn: BaseDBAsyncClient
) -> M:
    """The organization's settings row with `changes` written (the row made first if missing)."""
    row = await settings_row(model, organization_id, conn)
    for name, value in changes.items():
        setattr(row, name, value)
    await row.save(using_db=conn)
    return row
