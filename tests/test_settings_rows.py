"""Per-organization settings rows: one per organization, made on the first write even when
several first writes meet (run with VETTING_TEST_DATABASE_URL for truly concurrent writers on
PostgreSQL), and the contract settings carried over by the migration that moved them."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
from tortoise.models import Model

from service.audit.models import AuditSettings
from service.config import PROJECT_ROOT
from service.contracts.models import ContractSettingsRow
from service.reminders.models import ReviewCadence
from service.signin.models import SignInPolicy
from service.social.models import SocialSettings
from tests.factories import new_org

WRITERS = 6


async def test_concurrent_first_writes_make_one_row_and_none_fails(
    client: httpx.AsyncClient, operator_token: str
) -> None:
    org = await new_org(client, operator_token, contract_settings={})
    endpoints: list[tuple[str, type[Model], list[dict[str, object]]]] = [
        ("contract-settings", ContractSettingsRow, [{"cure_days": n} for n in range(1, 7)]),
        (
            "review-cadence",
            ReviewCadence,
            [{"sensitive_interval_months": n} for n in range(1, 7)],
        ),
        ("social-settings", SocialSettings, [{"dormancy_days": 30 + n} for n in range(6)]),
        (
            "checkpoint-settings",
            AuditSettings,
            [{"checkpoint_email": f"kansa{n}@example.jp"} for n in range(6)],
        ),
        ("sign-in-policy", SignInPolicy, [{"mfa_required_roles": ["admin"]}] * WRITERS),
    ]
    for name, model, bodies in endpoints:
        assert await model.filter(organization_id=org.id).count() == 0, name
        responses = await asyncio.gather(
            *(
                client.patch(
                    f"/api/organizations/{org.id}/{name}", json=body, headers=org.h("admin")
                )
                for body in bodies
            )
        )
        assert [r.status_code for r in responses] == [200] * WRITERS, [r.text for r in responses]
        assert await model.filter(organization_id=org.id).count() == 1, name
        # The last write won whole: what the endpoint reads now is one of the bodies sent.
        now = (
            await client.get(f"/api/organizations/{org.id}/{name}", headers=org.h("admin"))
        ).json()
        assert any(all(now[k] == v for k, v in body.items()) for body in bodies), (name, now)


MIGRATE = textwrap.dedent(
    """
    import asyncio, sys
    from tortoise import Tortoise
    from tortoise.migrations.api import migrate
    from service.config import Settings
    from service.db import tortoise_config

    async def main() -> None:
        config = tortoise_config(Settings(database_url=sys.argv[1]))
        try:
            await migrate(config=config, target=sys.argv[2] if len(sys.argv) > 2 else None)
        finally:  # aiosqlite's thread keeps the process alive until its connection closes
            await Tortoise.close_connections()

    asyncio.run(main())
    """
)


def _migrate(url: str, *target: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", MIGRATE, url, *target],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_migration_moves_contract_settings_to_their_own_row(tmp_path: Path) -> None:
    path = tmp_path / "before.sqlite3"
    url = f"sqlite://{path}"
    _migrate(url, "models.0009_console_signin")
    settings = {"address": "熊本県人吉市麓町16番地", "cure_days": 14}
    with sqlite3.connect(path) as db:
        for org_id, stored in [("0f6b0c36-7a6e-4bb4-9d43-7d1f2c3a4b5c", settings), ("1a2b", {})]:
            db.execute(
                "INSERT INTO organization (id, name, policy_profile, review_interval_months, "
                "jurisdiction_court, contract_settings, is_operator, max_token_lifetime_days, "
                "separation_of_duties, engagement_counter, created_at) "
                "VALUES (?, '人吉市', 'base', 12, '熊本地方裁判所', ?, 0, 365, '{}', 0, "
                "'2026-01-01 00:00:00+00:00')",
                (org_id, json.dumps(stored)),
            )
    _migrate(url)
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT organization_id, settings FROM contract_settings").fetchall()
    assert [(org_id, json.loads(stored)) for org_id, stored in rows] == [
        ("0f6b0c36-7a6e-4bb4-9d43-7d1f2c3a4b5c", settings)
    ]


def test_the_migration_moves_the_review_interval_into_the_cadence(tmp_path: Path) -> None:
    path = tmp_path / "before.sqlite3"
    url = f"sqlite://{path}"
    _migrate(url, "models.0011_engagement_owner")
    organizations = {"a0": 6, "b0": 24, "c0": 12}  # b0 has a cadence row already; c0 the default
    with sqlite3.connect(path) as db:
        for org_id, months in organizations.items():
            db.execute(
                "INSERT INTO organization (id, name, policy_profile, review_interval_months, "
                "jurisdiction_court, contract_settings, is_operator, max_token_lifetime_days, "
                "separation_of_duties, engagement_counter, created_at) "
                "VALUES (?, '人吉市', 'base', ?, '熊本地方裁判所', '{}', 0, 365, '{}', 0, "
                "'2026-01-01 00:00:00+00:00')",
                (org_id, months),
            )
        db.execute(
            "INSERT INTO review_cadence (id, organization_id, sensitive_interval_months, "
            "alignment, reminder_offsets, escalation_days, updated_at) "
            "VALUES ('r1', 'b0', 3, 'fiscal_year', '[30]', 7, '2026-01-01 00:00:00+00:00')"
        )
    _migrate(url)
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT organization_id, standard_interval_months, sensitive_interval_months, "
            "alignment FROM review_cadence ORDER BY organization_id"
        ).fetchall()
        columns = [c[1] for c in db.execute("PRAGMA table_info(organization)").fetchall()]
    assert rows == [("a0", 6, 6, "none"), ("b0", 24, 3, "fiscal_year")]
    assert "review_interval_months" not in columns
