"""Re-evaluating stored reviews under a newer profile version: what changes, what stays."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.audit.models import AuditEvent
from service.audit.service import SYSTEM
from service.catalog.loader import Catalog, current_catalog, install_catalog
from service.checks.models import Evaluation, Verdict
from service.checks.reevaluation import ReevaluationReport, reevaluate_reviews
from service.checks.reevaluation_batch import ProfileBatch
from service.reviews.models import Review
from tests.checks.catalogs import (
    ADDED,
    CHANGED,
    LOOKUP,
    NEW,
    OLD,
    REMOVED,
    UNCHANGED,
    CatalogFolders,
)
from tests.factories import (
    Org,
    approve_through_the_chain,
    evaluated_review,
    good_answers,
    weak_answers,
)

ON = date(2026, 4, 1)


@pytest.fixture
def folders(tmp_path: Path) -> CatalogFolders:
    folders = CatalogFolders(tmp_path / "catalog")
    folders.add_base_update()
    return folders


@pytest.fixture
def catalog_v2(folders: CatalogFolders) -> Catalog:
    return folders.load()


async def verdicts_of(review_id: str) -> dict[str, Verdict]:
    return {v.requirement_id: v for v in await Verdict.filter(review_id=review_id)}


def made_under_new(verdicts: dict[str, Verdict]) -> set[str]:
    """The requirements whose verdict was made under the new version; all others keep the old.

    The look-up requirement is left out: whether its verdict changed depends on the ISMAP lists
    other tests imported.
    """
    assert {v.profile_version for v in verdicts.values()} <= {OLD, NEW}
    return {k for k, v in verdicts.items() if v.profile_version == NEW} - {LOOKUP}


async def run(catalog: Catalog, org: Org, **options: Any) -> ReevaluationReport:
    return await reevaluate_reviews(
        actor=SYSTEM, organization_id=org.id, catalog=catalog, on=ON, **options
    )


async def override(client: httpx.AsyncClient, org: Org, review_id: str, requirement: str) -> None:
    response = await client.post(
        f"/api/reviews/{review_id}/verdicts/{requirement}/override",
        json={"outcome": "pass", "reason": "契約で多要素認証を義務付けるため"},
        headers=org.h("security"),
    )
    assert response.status_code == 200, response.text


async def test_an_open_review_gets_the_new_verdicts_and_keeps_an_unchanged_override(
    client: httpx.AsyncClient, org: Org, catalog_v2: Catalog
) -> None:
    review = await evaluated_review(client, org, answers=weak_answers())
    await override(client, org, review["id"], UNCHANGED)
    before = await verdicts_of(review["id"])
    assert before[CHANGED].outcome == "fail" and REMOVED in before and ADDED not in before

    # A dry run reports the changes and writes nothing.
    dry = await run(catalog_v2, org, dry_run=True)
    assert (dry.considered, dry.reevaluated, dry.changed) == (1, 1, 1)
    changes = {c["requirement_id"]: c for c in dry.reviews[0].changes}
    assert changes == {
        CHANGED: {
            "requirement_id": CHANGED,
            "change": "outcome_changed",
            "from": "fail",
            "to": "pass",
            "override_dropped": False,
        },
        REMOVED: {
            "requirement_id": REMOVED,
            "change": "removed",
            "from": "pass",
            "override_dropped": False,
        },
        ADDED: {"requirement_id": ADDED, "change": "added", "to": "fail"},
    }
    assert await verdicts_of(review["id"]) == before
    assert await Evaluation.filter(review_id=review["id"], run_id=dry.run_id).count() == 0

    report = await run(catalog_v2, org)
    assert (report.considered, report.reevaluated, report.changed, report.skipped) == (1, 1, 1, 0)
    assert report.profiles == {"base": NEW}
    assert {c["requirement_id"] for c in report.reviews[0].changes} == {CHANGED, REMOVED, ADDED}
    after = await verdicts_of(review["id"])
    assert set(after) == set(before) - {REMOVED} | {ADDED}
    # Only what changed is written under v3; a verdict that says the same is carried over as
    # it was made (same row, version and time), while the review now stands under v3.
    assert made_under_new(after) == {CHANGED, ADDED}
    assert {v.profile_id for v in after.values()} == {"base"}
    for requirement in set(after) - {CHANGED, ADDED}:
        carried, made = after[requirement], before[requirement]
        if requirement == LOOKUP and carried.fingerprint != made.fingerprint:
            assert carried.profile_version == NEW  # what the list says changed: rewritten
            continue
        assert (carried.id, carried.profile_version, carried.evaluated_at) == (
            made.id,
            OLD,
            made.evaluated_at,
        ), requirement
    assert after[CHANGED].outcome == "pass"
    assert after[ADDED].outcome == "fail"
    # Same requirement, same definition, same outcome: the reviewer's override stands.
    kept = after[UNCHANGED]
    assert (kept.outcome, kept.override_outcome) == ("fail", "pass")
    assert kept.override_reason == "契約で多要素認証を義務付けるため"
    assert kept.id == before[UNCHANGED].id  # an unchanged verdict is not rewritten

    stored = await Review.get(id=review["id"])
    assert (stored.status, stored.profile_version) == ("evaluated", NEW)
    evaluation = await Evaluation.get(review_id=review["id"], run_id=report.run_id)
    assert evaluation.applied and evaluation.previous_profile_version == OLD
    assert evaluation.profile_version == NEW and evaluation.review_status == "evaluated"
    assert {c["requirement_id"] for c in evaluation.changes} == {CHANGED, REMOVED, ADDED}
    # The counts cover every verdict, those carried over too (counted by the database).
    assert evaluation.counts == dict(Counter(v.outcome.value for v in after.values()))

    # The API: every verdict under the review's version, each saying which version made it,
    # and the review's evaluations, the submission's and this run's.
    listed = await client.get(f"/api/reviews/{review['id']}/verdicts", headers=org.h("auditor"))
    assert listed.status_code == 200, listed.text
    assert {v["profile_version"] for v in listed.json()} == {NEW}
    assert {v["requirement_id"] for v in listed.json() if v["evaluated_profile_version"] == NEW} - {
        LOOKUP
    } == {CHANGED, ADDED}
    added_out = next(v for v in listed.json() if v["requirement_id"] == ADDED)
    assert added_out["title"]["ja"]  # the title of v3, where the requirement exists
    evaluations = await client.get(
        f"/api/reviews/{review['id']}/evaluations", headers=org.h("auditor")
    )
    assert evaluations.status_code == 200, evaluations.text
    assert [
        (e["trigger"], e["profile_version"], e["previous_profile_version"], e["applied"])
        for e in evaluations.json()
    ] == [("submitted", OLD, None, True), ("reevaluation", NEW, OLD, True)]
    assert evaluations.json()[1]["run_id"] == report.run_id
    assert {c["requirement_id"] for c in evaluations.json()[1]["changes"]} == {
        CHANGED,
        REMOVED,
        ADDED,
    }
    assert evaluations.json()[1]["counts"] == evaluation.counts

    audit = await AuditEvent.get(organization_id=org.id, action="policies.reevaluated")
    assert audit.object_id == f"base@{NEW}"
    assert audit.data["changed_review_ids"] == [review["id"]]
    chain = await client.get("/api/audit/verification", headers=org.h("auditor"))
    assert chain.json()["ok"] is True

    # Nothing older than v2 is left: a second run has nothing to do.
    again = await run(catalog_v2, org)
    assert (again.considered, again.reevaluated) == (0, 0)


async def test_an_override_is_dropped_when_the_outcome_changes(
    client: httpx.AsyncClient, org: Org, catalog_v2: Catalog
) -> None:
    review = await evaluated_review(client, org, answers=weak_answers())
    await override(client, org, review["id"], CHANGED)
    report = await run(catalog_v2, org)
    change = next(c for c in report.reviews[0].changes if c["requirement_id"] == CHANGED)
    assert change["override_dropped"] is True
    verdict = (await verdicts_of(review["id"]))[CHANGED]
    assert (verdict.outcome, verdict.override_outcome, verdict.override_reason) == (
        "pass",
        None,
        "",
    )


async def test_a_review_part_way_through_its_approval_chain_stays_there(
    client: httpx.AsyncClient, org: Org, catalog_v2: Catalog
) -> None:
    shipped = current_catalog()
    # 機密性3: 情報セキュリティ管理者, then CISO. The first signs; then the profile changes.
    answers = {**good_answers(), "incident_first_report_hours": 1}
    review = await evaluated_review(client, org, answers=answers, confidentiality=3)
    first = await client.post(
        f"/api/reviews/{review['id']}/decision",
        json={"decision": "approve", "reason": "適合"},
        headers=org.h("security"),
    )
    assert first.json()["status"] == "in_approval", first.text
    report = await run(catalog_v2, org)
    assert report.reevaluated == 1
    stored = await Review.get(id=review["id"])
    assert (stored.status, stored.profile_version) == ("in_approval", NEW)
    assert ADDED in await verdicts_of(review["id"])
    install_catalog(catalog_v2)  # as the reload that brought v2 did
    try:
        done = await client.post(
            f"/api/reviews/{review['id']}/decision",
            json={"decision": "approve", "reason": "適合"},
            headers=org.h("approver"),
        )
    finally:
        install_catalog(shipped)
    assert done.json()["status"] == "approved", done.text


async def test_a_decided_review_keeps_its_decision_and_verdicts(
    client: httpx.AsyncClient, org: Org, catalog_v2: Catalog
) -> None:
    review = await evaluated_review(client, org, answers=good_answers())
    decided = await approve_through_the_chain(client, org, review["id"])
    assert decided["status"] == "approved"
    before = await verdicts_of(review["id"])

    skipped = await run(catalog_v2, org)  # decided reviews only on request
    assert skipped.considered == 0

    report = await run(catalog_v2, org, include_decided=True)
    assert (report.considered, report.reevaluated, report.recorded) == (1, 0, 1)
    assert report.reviews[0].applied is False
    assert {c["requirement_id"] for c in report.reviews[0].changes} == {REMOVED, ADDED}
    assert await verdicts_of(review["id"]) == before
    assert {v.profile_version for v in before.values()} == {OLD}
    stored = await Review.get(id=review["id"])
    assert (stored.status, stored.profile_version) == ("approved", OLD)
    assert stored.decision_reason == decided["decision_reason"]
    record = await Evaluation.get(review_id=review["id"], run_id=report.run_id)
    assert record.applied is False and record.profile_version == NEW
    findings = {f["requirement_id"]: f["outcome"] for f in record.findings}
    assert findings[ADDED] == "pass" and REMOVED not in findings
    listed = await client.get(f"/api/reviews/{review['id']}/evaluations", headers=org.h("auditor"))
    assert [(e["trigger"], e["applied"]) for e in listed.json()] == [
        ("submitted", True),
        ("reevaluation", False),
    ]
    assert listed.json()[1]["findings"] == record.findings

    # Recorded once per version, not once per run.
    again = await run(catalog_v2, org, include_decided=True)
    assert (again.considered, again.recorded) == (0, 0)


async def test_the_api_reevaluates_the_callers_organization_only(
    client: httpx.AsyncClient, org: Org, operator_token: str, catalog_v2: Catalog
) -> None:
    from tests.factories import new_org

    other = await new_org(client, operator_token)
    mine = await evaluated_review(client, org, answers=weak_answers())
    theirs = await evaluated_review(client, other, answers=weak_answers())
    shipped = current_catalog()
    install_catalog(catalog_v2)  # as a reload that brought base v2 would
    try:
        url = "/api/policies/reevaluations"
        refused = await client.post(url, json={}, headers=org.h("procurement"))
        assert refused.status_code == 403
        bad = await client.post(url, json={"dry_run": "often"}, headers=org.h("security"))
        assert bad.status_code == 422 and "dry_run" in bad.json()["fields"]

        dry = await client.post(url, json={"dry_run": True}, headers=org.h("security"))
        assert dry.status_code == 200, dry.text
        assert dry.json()["dry_run"] is True and dry.json()["considered"] == 1
        assert [r["review_id"] for r in dry.json()["reviews"]] == [mine["id"]]

        done = await client.post(url, json={}, headers=org.h("admin"))
        assert done.status_code == 200, done.text
        assert done.json()["reevaluated"] == 1 and done.json()["profiles"] == {"base": NEW}
        verdicts = await client.get(
            f"/api/reviews/{mine['id']}/verdicts", headers=org.h("security")
        )
        assert {v["profile_version"] for v in verdicts.json()} == {NEW}
        assert ADDED in {v["requirement_id"] for v in verdicts.json()}
        # Another organization's review and its evaluations are not found, not shown.
        foreign = await client.get(
            f"/api/reviews/{theirs['id']}/evaluations", headers=org.h("auditor")
        )
        assert foreign.status_code == 404, foreign.text
    finally:
        install_catalog(shipped)
    untouched = await Review.get(id=theirs["id"])
    assert untouched.profile_version == OLD


async def test_the_cli_reports_then_reevaluates(
    client: httpx.AsyncClient, org: Org, folders: CatalogFolders
) -> None:
    review = await evaluated_review(client, org, answers=weak_answers())

    def vetting(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(Path(sys.executable).with_name("vetting")), "policies", "reevaluate", *args],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, **folders.env()},  # the session's database, the v2 folders
            check=False,
        )

    dry = await asyncio.to_thread(vetting, "--org", org.id, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "(dry run: nothing written)" in dry.stdout
    assert f"review {review['id']} [evaluated] base v{OLD} -> v{NEW}" in dry.stdout
    assert f"{CHANGED}: outcome_changed fail -> pass" in dry.stdout
    assert f"{ADDED}: added - -> fail" in dry.stdout
    assert f"{REMOVED}: removed pass -> -" in dry.stdout
    assert (await Review.get(id=review["id"])).profile_version == OLD

    done = await asyncio.to_thread(vetting, "--org", org.id)
    assert done.returncode == 0, done.stderr
    assert "1 review(s) considered, 1 re-evaluated" in done.stdout
    assert (await Review.get(id=review["id"])).profile_version == NEW
    assert made_under_new(await verdicts_of(review["id"])) == {CHANGED, ADDED}


async def test_a_reworded_fail_reason_rewrites_the_verdict_and_keeps_its_override(
    client: httpx.AsyncClient, org: Org, folders: CatalogFolders
) -> None:
    review = await evaluated_review(client, org, answers=weak_answers())
    await override(client, org, review["id"], UNCHANGED)
    before = await verdicts_of(review["id"])
    policy = folders.root / f"policies/base-v{NEW}.yaml"
    text = policy.read_text("utf-8")
    old_reason = before[UNCHANGED].reason["ja"]
    assert text.count(old_reason) == 2  # CLD2-BLD-01 and its copy NEW-01
    policy.write_text(text.replace(old_reason, "管理者の多要素認証が確認できません。", 1), "utf-8")
    report = await run(folders.load(), org)
    assert report.reevaluated == 1
    after = (await verdicts_of(review["id"]))[UNCHANGED]
    assert after.reason["ja"] == "管理者の多要素認証が確認できません。"
    assert after.id != before[UNCHANGED].id  # rewritten, because what it says changed
    assert (after.outcome, after.override_outcome) == ("fail", "pass")  # same check: kept
    assert after.override_reason == before[UNCHANGED].override_reason


async def test_a_review_decided_while_the_batch_runs_is_skipped_not_half_written(
    client: httpx.AsyncClient, org: Org, catalog_v2: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    decided = await evaluated_review(client, org, answers=weak_answers())
    other = await evaluated_review(client, org, answers=weak_answers())
    before = await verdicts_of(decided["id"])
    plan_chunk = ProfileBatch.plan_chunk

    async def decide_meanwhile(batch: ProfileBatch, reviews: list[dict[str, Any]]) -> Any:
        plans = await plan_chunk(batch, reviews)  # evaluated, not written yet
        rejected = await client.post(
            f"/api/reviews/{decided['id']}/decision",
            json={"decision": "reject", "reason": "要件を満たさない"},
            headers=org.h("security"),
        )
        assert rejected.status_code == 200, rejected.text
        return plans

    monkeypatch.setattr(ProfileBatch, "plan_chunk", decide_meanwhile)
    report = await run(catalog_v2, org)
    assert (report.considered, report.reevaluated, report.skipped) == (2, 1, 1)
    assert [r.review_id for r in report.reviews] == [other["id"]]
    kept = await verdicts_of(decided["id"])
    assert {k: (v.id, v.profile_version, v.outcome) for k, v in kept.items()} == {
        k: (v.id, v.profile_version, v.outcome) for k, v in before.items()
    }
    stored = await Review.get(id=decided["id"])
    assert (stored.status, stored.profile_version) == ("rejected", OLD)
    assert not await Evaluation.filter(review_id=decided["id"], run_id=report.run_id).exists()
    assert made_under_new(await verdicts_of(other["id"])) == {CHANGED, ADDED}


async def test_two_runs_at_once_write_each_review_once(
    client: httpx.AsyncClient, org: Org, catalog_v2: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    # E.g. the CLI while an admin reloads the catalog with re-evaluation: the second run
    # finishes between the first one's evaluation and its write.
    open_review = await evaluated_review(client, org, answers=weak_answers())
    decided = await evaluated_review(client, org, answers=good_answers())
    assert (await approve_through_the_chain(client, org, decided["id"]))["status"] == "approved"
    plan_chunk = ProfileBatch.plan_chunk
    started: list[bool] = []
    others: list[ReevaluationReport] = []

    async def another_run_meanwhile(batch: ProfileBatch, reviews: list[dict[str, Any]]) -> Any:
        plans = await plan_chunk(batch, reviews)
        if not started:  # the other run plans its own chunk without starting a third
            started.append(True)
            others.append(await run(catalog_v2, org, include_decided=True))
        return plans

    monkeypatch.setattr(ProfileBatch, "plan_chunk", another_run_meanwhile)
    first = await run(catalog_v2, org, include_decided=True)
    (second,) = others
    assert (second.reevaluated, second.recorded, second.skipped) == (1, 1, 0)
    assert (first.considered, first.reevaluated, first.recorded, first.skipped) == (2, 0, 0, 2)
    assert first.reviews == [] and first.profiles == {"base": NEW}
    assert made_under_new(await verdicts_of(open_review["id"])) == {CHANGED, ADDED}
    for review in (open_review, decided):
        runs = await Evaluation.filter(review_id=review["id"], trigger="reevaluation")
        assert [e.run_id for e in runs] == [uuid.UUID(second.run_id)], review["id"]


async def test_a_review_missing_a_verdict_to_carry_over_is_evaluated_whole(
    client: httpx.AsyncClient, org: Org, catalog_v2: Catalog
) -> None:
    review = await evaluated_review(client, org, answers=weak_answers())
    before = await verdicts_of(review["id"])
    await Verdict.filter(review_id=review["id"], requirement_id=UNCHANGED).delete()
    report = await run(catalog_v2, org)
    assert report.reevaluated == 1
    after = await verdicts_of(review["id"])
    assert set(after) == set(before) - {REMOVED} | {ADDED}
    assert after[UNCHANGED].outcome == before[UNCHANGED].outcome == "fail"
    changes = {c["requirement_id"]: c["change"] for c in report.reviews[0].changes}
    assert changes == {
        CHANGED: "outcome_changed",
        REMOVED: "removed",
        ADDED: "added",
        UNCHANGED: "added",
    }
    evaluation = await Evaluation.get(review_id=review["id"], run_id=report.run_id)
    assert evaluation.counts == dict(Counter(v.outcome.value for v in after.values()))
