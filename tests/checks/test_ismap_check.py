"""CLD2-SEL-14 with `ismap()`: matched against an imported ISMAP list, naming the snapshot."""

from __future__ import annotations

import base64
from datetime import date
from typing import Any

import httpx
import pytest

from service.catalog.loader import current_catalog
from service.catalog.policies import Requirement
from service.checks.evaluate import ISMAP_INPUT, Finding, evaluate_requirement
from service.checks.lookups import RegistryLookups
from service.checks.models import Outcome, Verdict
from service.ismap.matching import IsmapIndex
from service.ismap.service import current_index
from tests.checks.ismap_lists import example_list_csv
from tests.factories import Org, auth, evaluated_review, good_answers
from tests.ismap.fixtures import LIST_A_XLSX, unique_xlsx

# The list of 2025-04 (C21-0008-2 valid until 2025-08-01, C23-0088-1 lapsed on 2025-02-01),
# judged on a day both were printed on it.
ON = date(2025, 4, 15)
FACTS = {
    "kind": "cloud",
    "supplier_type": "contractor",
    "confidentiality": 2,
    "integrity": 2,
    "availability": 1,
    "personal_data": True,
    "my_number": False,
    "network_segment": "lgwan",
    "subcontracting": True,
    "term_months": 36,
}


async def import_list(client: httpx.AsyncClient, token: str, content: bytes) -> dict[str, Any]:
    body = {"filename": "ismap.xlsx", "content_base64": base64.b64encode(content).decode()}
    response = await client.post("/api/ismap/imports", json=body, headers=auth(token))
    assert response.status_code == 200, response.text
    return dict(response.json()["snapshot"])


def sel14() -> Requirement:
    base = current_catalog().latest_profile("base")
    assert base is not None
    requirement = base.requirement("CLD2-SEL-14")
    assert requirement is not None
    return requirement


def check(index: IsmapIndex | None, given: str, on: date = ON) -> Finding:
    answers = {**good_answers(), "ismap_registration": given}
    lookups = RegistryLookups(ismap_index=index, on=on)
    return evaluate_requirement(sel14(), FACTS, answers, lookups=lookups)


@pytest.fixture
async def imported(client: httpx.AsyncClient, operator_token: str) -> tuple[IsmapIndex, dict]:  # type: ignore[type-arg]
    """The 2025-04 fixture workbook imported through the API: the latest snapshot."""
    snapshot = await import_list(client, operator_token, unique_xlsx(LIST_A_XLSX))
    index = await current_index()  # what the review evaluation preloads, once
    assert index is not None and index.snapshot.id == snapshot["id"]
    return index, snapshot


@pytest.mark.parametrize(
    ("given", "outcome", "match", "registration_number"),
    [
        ("C21-0008-2（Example Cloud Platform）", Outcome.passed, "exact", "C21-0008-2"),
        ("C21-0008", Outcome.passed, "stem", "C21-0008-2"),  # the stem of C21-0008-2
        ("Ｃ２１－０００８－１", Outcome.passed, "stem", "C21-0008-2"),  # an older suffix
        ("C23-0088-1 やまびこメール", Outcome.failed, "exact", "C23-0088-1"),  # lapsed
        ("C98-7654-1", Outcome.failed, "none", ""),  # not on the list
        ("未登録", Outcome.failed, "none", ""),  # not a number at all
    ],
    ids=["listed", "stem", "older-suffix", "lapsed", "unknown", "no-number"],
)
async def test_the_registration_is_matched_on_the_imported_list(
    imported: tuple[IsmapIndex, dict],  # type: ignore[type-arg]
    given: str,
    outcome: Outcome,
    match: str,
    registration_number: str,
) -> None:
    index, snapshot = imported
    finding = check(index, given)
    assert finding.outcome == outcome, finding.reason
    (lookup,) = finding.inputs[ISMAP_INPUT]
    assert lookup["match"] == match
    assert lookup["registration_number"] == registration_number
    assert lookup["on"] == ON.isoformat()
    # The inputs name the snapshot the answer was matched against: id, list date, hash.
    assert lookup["snapshot"]["id"] == snapshot["id"]
    assert lookup["snapshot"]["sha256"] == snapshot["sha256"]
    assert lookup["snapshot"]["published_on"] == "2025-04-01"
    assert finding.inputs["ismap_registration"] == given
    # So does the reason, after the requirement's own.
    assert snapshot["id"] in finding.reason["en"] and snapshot["id"] in finding.reason["ja"]
    if outcome == Outcome.failed:
        assert finding.reason["ja"].startswith(sel14().fail_reason.ja)


async def test_lapsed_says_so_and_a_later_day_lapses_a_listed_one(
    imported: tuple[IsmapIndex, dict],  # type: ignore[type-arg]
) -> None:
    index, _ = imported
    lapsed = check(index, "C23-0088-1")
    assert "2025-02-01" in lapsed.reason["en"] and "lapsed" in lapsed.reason["en"]
    later = check(index, "C21-0008-2", on=date(2025, 9, 1))  # expired 2025-08-01
    assert later.outcome == Outcome.failed
    assert later.inputs[ISMAP_INPUT][0]["valid"] is False


def test_without_an_imported_list_a_person_decides() -> None:
    finding = check(None, "C21-0008-2")
    assert finding.outcome == Outcome.needs_review
    assert "取り込まれていない" in finding.reason["ja"]
    assert "No ISMAP list has been imported" in finding.reason["en"]
    assert finding.inputs[ISMAP_INPUT] == [{"given": "C21-0008-2", "list_imported": False}]


def test_no_number_fails_without_a_look_up() -> None:
    answers = {k: v for k, v in good_answers().items() if k != "ismap_registration"}
    lookups = RegistryLookups(ismap_index=None, on=ON)
    finding = evaluate_requirement(sel14(), FACTS, answers, lookups=lookups)
    assert finding.outcome == Outcome.failed
    assert ISMAP_INPUT not in finding.inputs and lookups.calls == []


def test_the_cel_view_of_a_registration(
    imported: tuple[IsmapIndex, dict],  # type: ignore[type-arg]
) -> None:
    index, snapshot = imported
    lookups = RegistryLookups(ismap_index=index, on=ON)
    view = lookups.ismap("C21-0008")
    assert view == {
        "listed": True,
        "valid": True,
        "lapsed": False,
        "match": "stem",
        "registration_number": "C21-0008-2",
        "list_kind": "ISMAP",
        "number_updated": False,
    }
    # Which snapshot said so is in the look-up the verdict records.
    assert lookups.calls[-1].as_input()["snapshot"]["id"] == snapshot["id"]
    assert lookups.ismap("C23-0088-1")["lapsed"] is True


async def test_a_reviews_stored_verdict_records_the_snapshot(
    client: httpx.AsyncClient, org: Org, operator_token: str
) -> None:
    # A lapsed registration fails on any day after 2025-02-01, today included.
    await import_list(client, operator_token, unique_xlsx(LIST_A_XLSX))
    index = await current_index()
    assert index is not None
    answers = {**good_answers(), "ismap_registration": "C23-0088-1（やまびこメール）"}
    review = await evaluated_review(client, org, answers=answers)
    verdict = await Verdict.get(review_id=review["id"], requirement_id="CLD2-SEL-14")
    assert verdict.outcome == Outcome.failed
    assert verdict.inputs[ISMAP_INPUT][0]["snapshot"]["id"] == index.snapshot.id
    assert index.snapshot.id in verdict.reason["ja"]
    shown = await client.get(f"/api/reviews/{review['id']}/verdicts", headers=org.h("security"))
    sel = next(v for v in shown.json() if v["requirement_id"] == "CLD2-SEL-14")
    assert sel["inputs"][ISMAP_INPUT][0]["snapshot"]["sha256"] == index.snapshot.sha256

    # With the example list imported the same answers' service is valid again.
    await import_list(client, operator_token, example_list_csv())
    good = await evaluated_review(client, org)
    passed = await Verdict.get(review_id=good["id"], requirement_id="CLD2-SEL-14")
    assert passed.outcome == Outcome.passed
