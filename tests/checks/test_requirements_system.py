"""Information-system outsourcing (§1.3, GL 8.2): pass, fail and not-applicable rows."""

from __future__ import annotations

import pytest

from tests.checks.requirement_cases import (
    Case,
    check_fails_with_its_reason,
    check_not_applicable,
    check_passes,
)

CLOUD = {"kind": "cloud"}
NO_SYSTEM_WORK = {"system_work": False}

CASES = [
    Case(
        "SYS-01",
        "outsourcing",
        passing={**NO_SYSTEM_WORK, "change_management": ""},
        failing={"change_management": "  "},
        not_applicable=CLOUD,
    ),
    Case(
        "SYS-01-ADMIN-MFA",
        "outsourcing",
        passing={**NO_SYSTEM_WORK, "admin_mfa": False},
        failing={"admin_mfa": False},
        not_applicable=CLOUD,
    ),
    Case(
        "SYS-03",
        "outsourcing",
        passing={"vulnerability_testing_frequency": "yearly"},
        failing={"vulnerability_testing_frequency": "less_often"},
        not_applicable=CLOUD,
    ),
    Case(
        "SYS-03",
        "outsourcing",
        passing={**NO_SYSTEM_WORK, "secure_development": ""},
        failing={"secure_development": ""},
        not_applicable=CLOUD,
        label="development",
    ),
    Case(
        "SYS-04-PATCH",
        "outsourcing",
        passing={"patch_deadline_critical_days": 14},
        failing={"patch_deadline_critical_days": 15},
        not_applicable=CLOUD,
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
