"""Information-system outsourcing (§1.3, GL 8.2): pass, fail and not-applicable rows."""

from __future__ import annotations

from tests.checks.requirement_cases import (
    Case,
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
