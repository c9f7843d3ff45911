"""What the due sweep relies on from the database connection (PostgreSQL runs only)."""

from __future__ import annotations

import os

import pytest
from tortoise import connections

from service.db import connection_config

postgres_only = pytest.mark.skipif(
    not os.environ.get("VETTING_TEST_DATABASE_URL"), reason="VETTING_TEST_DATABASE_URL is not set"
)


def test_sqlite_urls_are_passed_through() -> None:
    assert connection_config("sqlite:///tmp/x.sqlite3") == "sqlite:///tmp/x.sqlite3"


def test_postgres_connections_turn_jit_off_and_keep_the_url() -> None:
    config = connection_config("postgres://vetting:pw@db:5432/vetting")
    assert isinstance(config, dict)
    credentials = config["credentials"]
    assert (credentials["host"], credentials["port"], credentials["database"]) == (
        "db",
        5432,
        "vetting",
    )
    assert (credentials["user"], credentials["password"]) == ("vetting", "pw")
    assert credentials["server_settings"] == {"jit": "off"}


@postgres_only
async def test_the_service_connection_runs_without_jit(org: object) -> None:
    [row] = await connections.get("default").execute_query_dict("SHOW jit")
    assert row["jit"] == "off"
