"""Terms-of-service cloud (§1.5, GL 8.4): pass, fail and not-applicable rows for base v2."""

from __future__ import annotations

from service.checks.models import Outcome
from tests.checks.requirement_cases import (
    Case,
    evaluate,
)

CLOUD = {"kind": "cloud"}

CASES = [
    Case(
        "CLD1-DATA-01",
        "tos_cloud",
        failing={"confidentiality_one_only": False},
        not_applicable=CLOUD,
    ),
    Case(
        "CLD1-DATA-01-PERSONAL",
        "tos_cloud",
        failing={"personal_data_entered": True},
        not_applicable=CLOUD,
    ),
    Case("CLD1-USE-01-TERMS", "tos_cloud", failing={"tos_url": " "}, not_applicable=CLOUD),
    Case(
        "CLD1-USE-01-LAW",
        "tos_cloud",
        failing={"terms_jurisdiction": "foreign"},
        not_applicable=CLOUD,
    ),
    Case(
        "CLD1-USE-01-LAW",
        "tos_cloud",
        failing={"terms_governing_law": "unspecified"},
        not_applicable={"kind": "outsourcing"},
        label="law-unspecified",
    ),
    Case(
        "CLD1-USE-01-CONFIDENTIALITY",
        "tos_cloud",
        failing={"terms_confidentiality": False},
        not_applicable=CLOUD,
    ),
    Case(
        "CLD1-USE-01-DATA-RIGHTS",
        "tos_cloud",
        failing={"data_rights": "provider_license"},
        not_applicable=CLOUD,
    ),
    Case(
        "CLD1-USE-01-EXIT",
        "tos_cloud",
        failing={"data_deletion_on_exit": False},
        not_applicable=CLOUD,
    ),
    Case(
        "CLD1-TOS-01-NOTICE",
        "tos_cloud",
        passing={"tos_change_notice_days": 14},
        failing={"tos_change_notice": "posted_only"},
        not_applicable=CLOUD,
    ),
    Case(
        "CLD1-TOS-01-NOTICE",
        "tos_cloud",
        failing={"tos_change_notice_days": 7},
        not_applicable=CLOUD,
        label="too-short",
    ),
    Case(
        "CLD1-TOS-01-ADVERSE",
        "tos_cloud",
        failing={"adverse_clauses": ["unilateral_change", "total_disclaimer"]},
        not_applicable=CLOUD,
    ),
    Case(
        "CLD1-ACC-01",
        "tos_cloud",
        passing={"org_accounts": ["org_accounts", "admin_console", "sso"]},
        failing={"org_accounts": ["org_accounts", "admin_console"]},
        not_applicable=CLOUD,
    ),
    Case(
        "CLD1-ACC-01",
        "tos_cloud",
        failing={"org_accounts": ["mfa"]},
        not_applicable=CLOUD,
        label="personal-accounts",
    ),
]


def test_confidentiality_2_information_never_passes_the_terms_of_service_route() -> None:
    # Intake refuses it; should an engagement get here, the vendor's "yes" does not rescue it.
    case = CASES[0]
    finding = evaluate(case, case.answers({}), case.facts(confidentiality=2))
    assert finding.outcome == Outcome.failed


def test_a_terms_of_service_service_is_never_used_from_the_my_number_segment() -> None:
    case = CASES[0]
    finding = evaluate(case, case.answers({}), case.facts(network_segment="my_number"))
    assert finding.outcome == Outcome.failed
