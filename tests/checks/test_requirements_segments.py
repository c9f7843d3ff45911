"""Network segments (§1.6, seed 002 6(3), seed 001 6(1)): rows for base v2."""

from __future__ import annotations

import pytest

from tests.checks.requirement_cases import (
    Case,
    check_fails_with_its_reason,
    check_not_applicable,
    check_passes,
)

MY_NUMBER_SEGMENT = {"network_segment": "my_number", "my_number": True}

CASES = [
    Case(
        "SEG-01",
        "cloud",
        engagement=MY_NUMBER_SEGMENT,
        passing={"network_connection": "closed_network"},
        failing={"network_connection": "lgwan_asp"},
        not_applicable={"network_segment": "lgwan"},
    ),
    Case(
        "SEG-01",
        "cloud",
        engagement=MY_NUMBER_SEGMENT,
        passing={"network_connection": "closed_network"},
        failing={"network_connection": "closed_network", "backup_country": "eu"},
        not_applicable={"kind": "outsourcing"},
        label="backup-abroad",
    ),
    Case(
        "SEG-01-REMOTE",
        "outsourcing",
        engagement=MY_NUMBER_SEGMENT,
        passing={"remote_access": False},
        failing={"remote_access": True},
        not_applicable={"network_segment": "lgwan"},
    ),
    Case(
        "SEG-02",
        "cloud",
        passing={"network_connection": "sanitized_transfer"},
        failing={"network_connection": "internet"},
        not_applicable={"network_segment": "internet"},
    ),
    Case(
        "SEG-02-LISTING",
        "cloud",
        passing={"network_connection": "closed_network", "other_attestations": ["none"]},
        failing={"other_attestations": ["aspic"]},
        not_applicable={"network_segment": "internet"},
    ),
    Case(
        "SEG-03",
        "tos_cloud",
        failing={"network_connection": "other"},
        not_applicable={"network_segment": "lgwan"},
    ),
    Case(
        "SEG-03",
        "cloud",
        engagement={"network_segment": "internet"},
        passing={"network_connection": "internet"},
        failing={"network_connection": "other"},
        not_applicable={"kind": "outsourcing"},
        label="cloud",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_passing_answers_pass(case: Case) -> None:
    check_passes(case)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_failing_answers_fail_with_the_requirements_reason(case: Case) -> None:
    check_fails_with_its_reason(case)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_it_does_not_apply_outside_its_engagements(case: Case) -> None:
    check_not_applicable(case)
