"""The requirement tables of every family: each row passes, fails with its reason and does not
apply where it should not; every requirement of base v2 has rows and cites a seed policy or the
guideline."""

from __future__ import annotations

from collections import Counter
from itertools import product

import pytest

from service.checks.evaluate import evaluate_profile
from service.checks.models import Outcome
from tests.checks import (
    requirements_cloud,
    requirements_outsourcing,
    requirements_personal_data,
    requirements_segments,
    requirements_system,
    test_requirements_tos,
)
from tests.checks.ismap_lists import example_lookups
from tests.checks.requirement_cases import (
    ENGAGEMENT_FOR_KIND,
    Case,
    base_profile,
    check_fails_with_its_reason,
    check_not_applicable,
    check_passes,
    example_answers,
)

FAMILIES = {
    "outsourcing": requirements_outsourcing.CASES,
    "system": requirements_system.CASES,
    "cloud": requirements_cloud.CASES,
    "tos": test_requirements_tos.CASES,
    "personal_data": requirements_personal_data.CASES,
    "segments": requirements_segments.CASES,
}
ALL_CASES = [case for cases in FAMILIES.values() for case in cases]
SEEDS = {
    "000_3291e76cd5cd275d.txt",
    "001_6552b71835ad1528.txt",
    "002_370e6f60a36aaaf9.txt",
    "003_91fb038f170e84df.txt",
    "004_96bc569ca754efd7.txt",
}


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda case: case.name)
def test_passing_answers_pass(case: Case) -> None:
    check_passes(case)


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda case: case.name)
def test_failing_answers_fail_with_the_requirements_reason(case: Case) -> None:
    check_fails_with_its_reason(case)


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda case: case.name)
def test_it_does_not_apply_outside_its_engagements(case: Case) -> None:
    check_not_applicable(case)


def test_every_requirement_of_base_v2_has_table_rows_and_no_row_is_stale() -> None:
    in_profile = {r.id for r in base_profile().requirements}
    in_tables = {case.requirement_id for cases in FAMILIES.values() for case in cases}
    assert sorted(in_profile - in_tables) == [], "requirements without a table row"
    assert sorted(in_tables - in_profile) == [], "rows for requirements base v2 does not have"


def test_rows_of_one_requirement_are_told_apart() -> None:
    names = Counter(case.name for cases in FAMILIES.values() for case in cases)
    assert [name for name, count in names.items() if count > 1] == []


def test_base_v2_holds_the_catalogue_of_reference_section_1() -> None:
    requirements = base_profile().requirements
    assert 60 <= len(requirements) <= 70
    stems = Counter(r.id.split("-")[0] for r in requirements)
    assert set(stems) == {"OUT", "SYS", "CLD2", "CLD1", "PII", "MYN", "SEG"}


def test_every_requirement_cites_a_seed_policy_or_the_guideline() -> None:
    for requirement in base_profile().requirements:
        documents = {source.document for source in requirement.sources}
        assert documents & (SEEDS | {"GL"}), requirement.id
        for source in requirement.sources:
            assert source.section.strip(), requirement.id


@pytest.mark.parametrize("kind", ["outsourcing", "cloud", "tos_cloud"])
def test_complete_answers_never_leave_a_check_without_input(kind: str) -> None:
    # Each check reads only questions of its kind's form: the example answers, complete for that
    # form, get a pass or a fail on every engagement of the kind, never needs_review.
    answers = example_answers(kind)
    for segment, my_number, personal_data, confidentiality, availability in product(
        ("my_number", "lgwan", "internet"), (False, True), (False, True), (1, 2, 3), (1, 2)
    ):
        facts = {
            **ENGAGEMENT_FOR_KIND[kind],
            "network_segment": segment,
            "my_number": my_number,
            "personal_data": personal_data or my_number,
            "confidentiality": confidentiality,
            "availability": availability,
        }
        findings = evaluate_profile(
            base_profile().requirements, facts, answers, lookups=example_lookups()
        )
        unchecked = [f.requirement_id for f in findings if f.outcome == Outcome.needs_review]
        assert unchecked == [], (facts, unchecked)
