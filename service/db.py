"""Database wiring: the Tortoise config (shared by the app, the CLI and migrations)."""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise

from service.config import Settings, get_settings

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


def ensure_sqlite_folder(settings: Settings) -> None:
    """SQLite needs its folder to exist (var/ on a fresh clone)."""
    prefix = "sqlite://"
    if settings.database_url.startswith(prefix):
        path = settings.database_url[len(prefix) :]
        if path and path != ":memory:":
            from pathlib import Path

            Path(path).parent.mkdir(parents=True, exist_ok=True)


async def init_db(settings: Settings | None = None) -> None:
    settings = settings or get_settings()
    ensure_sqlite_folder(settings)
    # Global fallback: request handlers run in other tasks than the lifespan that called init.
    await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)


async def migrate_db(settings: Settings | None = None) -> None:
    """Apply every pending migration (Tortoise's built-in migration engine)."""
    from tortoise.migrations.api import migrate

    settings = settings or get_settings()
    ensure_sqlite_folder(settings)
    await migrate(config=tortoise_config(settings))


async def close_db() -> None:
    await Tortoise.close_connections()
