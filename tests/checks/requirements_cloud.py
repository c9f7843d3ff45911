"""Cloud with 機密性2+ (§1.4, GL 8.3): pass, fail and not-applicable rows for base v2."""

from __future__ import annotations

from tests.checks.requirement_cases import (
    SUBCONTRACTORS,
    Case,
)

OUTSOURCING = {"kind": "outsourcing"}
TOS = {"kind": "tos_cloud"}

CASES = [
    Case("CLD2-SEL-01", "cloud", failing={"no_secondary_use": False}, not_applicable=TOS),
    Case(
        "CLD2-SEL-01-RIGHTS",
        "cloud",
        failing={"data_rights": "service_improvement"},
        not_applicable=OUTSOURCING,
    ),
    Case(
        "CLD2-SEL-02-ACCESS",
        "cloud",
        passing={"access_review_frequency": "monthly"},
        failing={"access_review_frequency": "yearly"},
        not_applicable=OUTSOURCING,
    ),
    Case("CLD2-SEL-03", "cloud", failing={"change_management": " "}, not_applicable=OUTSOURCING),
    Case(
        "CLD2-SEL-04-OPERATIONS",
        "cloud",
        failing={"operations_countries": ["jp", "us"]},
        not_applicable=OUTSOURCING,
    ),
    Case(
        "CLD2-SEL-04-OPERATIONS",
        "cloud",
        failing={"work_locations": ["own_office", "overseas"]},
        not_applicable=OUTSOURCING,
        label="support-abroad",
    ),
    Case("CLD2-SEL-05-CSIRT", "cloud", failing={"csirt_24x7": False}, not_applicable=OUTSOURCING),
    Case(
        "CLD2-SEL-06-LOGS",
        "cloud",
        passing={"log_retention_days": 365},
        failing={"log_retention_days": 180},
        not_applicable=OUTSOURCING,
    ),
    Case(
        "CLD2-SEL-06-LOGS",
        "cloud",
        failing={"log_types": ["access", "admin"]},
        not_applicable=OUTSOURCING,
        label="no-authentication-log",
    ),
    Case(
        "CLD2-SEL-08",
        "cloud",
        passing={"eol_notice_months": 12},
        failing={"eol_notice_months": 6},
        not_applicable=OUTSOURCING,
    ),
    Case("CLD2-SEL-09-AUDIT", "cloud", failing={"audit_acceptance": False}, not_applicable=TOS),
    Case(
        "CLD2-SEL-09-REPORTS",
        "cloud",
        failing={"soc2_report": False},
        not_applicable={"integrity": 1},  # 機密性2, 完全性1, 可用性1
    ),
    Case(
        "CLD2-SEL-09-SLA",
        "cloud",
        passing={"availability_pct": 99.5},
        failing={"availability_pct": 99.4},
        not_applicable=OUTSOURCING,
    ),
    Case(
        "CLD2-SEL-09-SLA",
        "cloud",
        engagement={"availability": 2},
        passing={"availability_pct": 99.9},
        failing={"availability_pct": 99.5},
        not_applicable=OUTSOURCING,
        label="availability-2",
    ),
    Case(
        "CLD2-SEL-09-RECOVERY",
        "cloud",
        passing={"rto_hours": 24, "rpo_hours": 24},
        failing={"rpo_hours": 48},
        not_applicable=OUTSOURCING,
    ),
    Case(
        "CLD2-SEL-09-RECOVERY",
        "cloud",
        engagement={"availability": 2},
        passing={"rto_hours": 4},
        failing={"rto_hours": 5},
        not_applicable=OUTSOURCING,
        label="availability-2",
    ),
    Case(
        "CLD2-SEL-09-CHANGES",
        "cloud",
        passing={"tos_change_notice_days": 30},
        failing={"tos_change_notice_days": 14},
        not_applicable=OUTSOURCING,
    ),
    Case("CLD2-SEL-10", "cloud", failing={"backup_country": "us"}, not_applicable=OUTSOURCING),
    Case(
        "CLD2-SEL-10",
        "cloud",
        failing={"governing_law_japan": False},
        not_applicable=TOS,
        label="foreign-law",
    ),
    Case(
        "CLD2-SEL-10-DISCLOSURE",
        "cloud",
        failing={"foreign_disclosure_policy": ""},
        not_applicable=OUTSOURCING,
    ),
    Case(
        "CLD2-SEL-11-DOMESTIC",
        "cloud",
        passing={"subcontracting_planned": False},
        failing={
            "subcontractors": [
                *SUBCONTRACTORS,
                {"name": "Example Ltd.", "country": "other", "role": "夜間窓口"},
            ]
        },
        not_applicable=OUTSOURCING,
    ),
    Case(
        "CLD2-SEL-12",
        "cloud",
        failing={"iso27017_certified": False},
        not_applicable=OUTSOURCING,
    ),
    Case(
        "CLD2-SEL-12",
        "cloud",
        passing={"iso27018_certified": False, "privacy_mark": True},
        failing={"iso27018_certified": False, "privacy_mark": False},
        not_applicable=OUTSOURCING,
        label="personal-data",
    ),
    Case(
        "CLD2-SEL-13",
        "cloud",
        passing={"encryption_in_transit": "tls12"},
        failing={"encryption_in_transit": "older"},
        not_applicable=OUTSOURCING,
    ),
    Case(
        "CLD2-SEL-13-AT-REST",
        "cloud",
        passing={"encryption_at_rest": "provider_keys"},
        failing={"encryption_at_rest": "partial"},
        not_applicable=OUTSOURCING,
    ),
    Case(
        "CLD2-SEL-13-AT-REST",
        "cloud",
        engagement={"confidentiality": 3},
        passing={"encryption_at_rest": "customer_keys"},
        failing={"encryption_at_rest": "provider_keys"},
        not_applicable=OUTSOURCING,
        label="confidentiality-3",
    ),
    Case(
        "CLD2-SEL-14",
        "cloud",
        failing={"ismap_registration": ""},
        not_applicable=TOS,
    ),
    Case("CLD2-BLD-01", "cloud", failing={"admin_mfa": False}, not_applicable=OUTSOURCING),
    Case(
        "CLD2-OPS-01-USER-AUTH",
        "cloud",
        passing={"user_authentication": ["oidc"]},
        failing={"user_authentication": ["password_only", "ip_restriction"]},
        not_applicable=OUTSOURCING,
    ),
    Case(
        "CLD2-OPS-01-VULNERABILITIES",
        "cloud",
        passing={"patch_deadline_critical_days": 14, "vulnerability_testing_frequency": "yearly"},
        failing={"patch_deadline_critical_days": 30},
        not_applicable=OUTSOURCING,
    ),
    Case(
        "CLD2-OPS-01-VULNERABILITIES",
        "cloud",
        failing={"vulnerability_testing_frequency": "none"},
        not_applicable=OUTSOURCING,
        label="never-tested",
    ),
    Case(
        "CLD2-OPS-01-CONTINUITY",
        "cloud",
        failing={"disaster_recovery": ""},
        not_applicable=OUTSOURCING,
    ),
    Case(
        "CLD2-OPS-01-CONTINUITY",
        "cloud",
        failing={"outage_reporting": "　"},
        not_applicable=OUTSOURCING,
        label="outage-reports",
    ),
    Case(
        "CLD2-EXIT-01-ACCOUNTS",
        "cloud",
        failing={"account_deletion": ""},
        not_applicable=OUTSOURCING,
    ),
]
