"""The bulk writes' columns come from the models, and the rows the batch builds fill each one."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest
from tortoise import connections

from service.catalog.loader import current_catalog
from service.checks import bulk
from service.checks.evaluate import evaluate_profile
from service.checks.models import Evaluation, Verdict
from service.checks.verdicts import profile_rows
from service.engagements.models import Engagement
from service.engagements.service import engagement_facts
from tests.factories import Org, evaluated_review


async def _table(table: str) -> set[str]:
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        _, rows = await conn.execute_query(
            "SELECT column_name FROM information_schema.columns WHERE table_name = $1", [table]
        )
        return {row[0] for row in rows}
    _, rows = await conn.execute_query(f"PRAGMA table_info({table})")
    return {row[1] for row in rows}


async def test_the_columns_are_those_of_the_tables(client: httpx.AsyncClient) -> None:
    # What the migrations made is what the bulk writes fill (and no column left to a default).
    assert set(bulk.table_columns(Verdict)) == await _table("verdict")
    assert set(bulk.table_columns(Evaluation)) == await _table("evaluation")


async def test_a_verdict_row_lands_in_the_columns_it_names(
    client: httpx.AsyncClient, org: Org
) -> None:
    review = await evaluated_review(client, org)
    profile = current_catalog().latest_profile("base")
    assert profile is not None
    engagement = await Engagement.get(id=review["engagement_id"])
    findings = evaluate_profile(profile.requirements, engagement_facts(engagement), {})
    row = profile_rows(profile)[0]
    at = datetime(2027, 1, 2, 3, 4, 5, tzinfo=UTC)
    built = row.insert_row(
        findings[0],
        organization_id=org.id,
        review_id=review["id"],
        profile=profile,
        fingerprint="f" * 32,
        override=("pass", "理由", None, at),
        at=at,
    )
    assert set(built) == set(bulk.table_columns(Verdict))
    await Verdict.filter(review_id=review["id"], requirement_id=row.requirement_id).delete()
    conn = connections.get("default")
    await bulk.insert_verdicts(conn, [built])
    stored = await Verdict.get(id=built["id"])
    assert (stored.requirement_id, stored.profile_version) == (row.requirement_id, profile.version)
    assert (stored.outcome, stored.severity, stored.on_fail) == (
        findings[0].outcome,
        row.severity,
        row.on_fail,
    )
    assert (stored.override_outcome, stored.override_reason) == ("pass", "理由")
    assert (stored.reason, stored.inputs) == (findings[0].reason, findings[0].inputs)
    assert stored.fingerprint == "f" * 32 and stored.evaluated_at == at


async def test_a_row_missing_a_column_is_refused(client: httpx.AsyncClient, org: Org) -> None:
    conn = connections.get("default")
    row = {column: None for column in bulk.table_columns(Verdict)}
    del row["fingerprint"]
    row["id"] = str(uuid.uuid4())
    with pytest.raises(ValueError, match="fingerprint"):
        await bulk.insert_verdicts(conn, [row])
