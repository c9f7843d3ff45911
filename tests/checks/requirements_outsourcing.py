"""Outsourcing (§1.2, GL 8.1): pass, fail and not-applicable rows for base v2."""

from __future__ import annotations

from tests.checks.requirement_cases import (
    SUBCONTRACTORS,
    Case,
)

TOS = {"kind": "tos_cloud"}
PLANNED = {"subcontracting_planned": True, "subcontractors": SUBCONTRACTORS}

CASES = [
    Case(
        "OUT-SEL-01",
        "outsourcing",
        passing={
            "serious_incidents_3y": True,
            "serious_incidents_summary": "2024年に誤送信が1件。送信前の二重確認を導入済み。",
        },
        failing={"serious_incidents_3y": True, "serious_incidents_summary": "  "},
        not_applicable=TOS,
    ),
    Case(
        "OUT-SEL-01",
        "cloud",
        failing={"capital_and_officers": ""},
        not_applicable=TOS,
        label="ownership",
    ),
    Case("OUT-SEL-02", "outsourcing", failing={"isms_certified": False}, not_applicable=TOS),
    Case(
        "OUT-SEL-03",
        "outsourcing",
        passing={"information_location": "cloud_jp"},
        failing={"information_location": "abroad"},
        not_applicable={"confidentiality": 1},
    ),
    Case("OUT-CON-01-LEADS", "cloud", failing={"security_contact": ""}, not_applicable=TOS),
    Case(
        "OUT-CON-01-WORKPLACE",
        "outsourcing",
        failing={"work_locations": ["own_office", "overseas"]},
        not_applicable={"confidentiality": 1},
    ),
    Case(
        "OUT-CON-01-REMOTE",
        "outsourcing",
        passing={"remote_access": False, "remote_access_method": ""},
        failing={"remote_access": True, "remote_access_method": " "},
        not_applicable={"kind": "cloud"},
    ),
    Case("OUT-CON-02", "cloud", failing={"policy_pledge": False}, not_applicable=TOS),
    Case("OUT-CON-02-ROSTER", "outsourcing", failing={"staff_roster": False}, not_applicable=TOS),
    Case(
        "OUT-CON-02-CONFIDENTIALITY", "cloud", failing={"staff_pledge": False}, not_applicable=TOS
    ),
    Case(
        "OUT-TRN-01",
        "outsourcing",
        passing={"training_frequency": "yearly"},
        failing={"training_frequency": "none"},
        not_applicable=TOS,
    ),
    Case(
        "OUT-SUB-01",
        "cloud",
        failing={"subcontractor_flowdown": False},
        not_applicable=TOS,
    ),
    Case(
        "OUT-SUB-01",
        "outsourcing",
        passing={"subcontracting_planned": False},
        failing={**PLANNED, "subcontractor_flowdown": True, "subcontractor_approval": True},
        not_applicable=TOS,
        label="not-in-the-engagement",  # planned, but the engagement does not say so
    ),
    Case(
        "OUT-SUB-01-APPROVAL",
        "outsourcing",
        engagement={"subcontracting": True},
        passing={**PLANNED, "subcontractor_flowdown": True, "subcontractor_approval": True},
        failing={**PLANNED, "subcontractor_flowdown": True, "subcontractor_approval": False},
        not_applicable=TOS,
    ),
    Case(
        "OUT-MON-01-REPORT",
        "outsourcing",
        passing={"periodic_report_frequency": "quarterly"},
        failing={"periodic_report_frequency": "half_yearly"},
        not_applicable=TOS,
    ),
    Case(
        "OUT-MON-01-REPORT",
        "outsourcing",
        engagement={"confidentiality": 1},
        passing={"periodic_report_frequency": "yearly"},
        failing={"periodic_report_frequency": "none"},
        not_applicable=TOS,
        label="confidentiality-1",
    ),
    Case(
        "OUT-MON-01-AUDIT",
        "outsourcing",
        failing={"audit_acceptance": False},
        not_applicable={"kind": "cloud"},
    ),
    Case(
        "OUT-INC-01",
        "cloud",
        passing={"incident_first_report_hours": 24},
        failing={"incident_first_report_hours": 25},
        not_applicable=TOS,
    ),
    Case(
        "OUT-INC-01",
        "outsourcing",
        engagement={"confidentiality": 3},
        passing={"incident_first_report_hours": 1},
        failing={"incident_first_report_hours": 2},
        not_applicable=TOS,
        label="confidentiality-3",
    ),
    Case(
        "OUT-INC-01-DETAIL",
        "outsourcing",
        passing={"incident_detail_report_days": 7},
        failing={"incident_detail_report_days": 10},
        not_applicable=TOS,
    ),
    Case(
        "OUT-INC-01-CONTACT",
        "outsourcing",
        failing={"csirt_24x7": False},
        not_applicable={"confidentiality": 1, "availability": 1},
    ),
    Case(
        "OUT-END-01",
        "cloud",
        passing={"export_formats": ["xml", "proprietary"]},
        failing={"export_formats": ["proprietary"]},
        not_applicable=TOS,
    ),
    Case(
        "OUT-END-01-DEADLINE",
        "outsourcing",
        passing={"deletion_certificate_days": 30},
        failing={"deletion_certificate_days": 45},
        not_applicable=TOS,
    ),
    Case(
        "OUT-END-01-DEADLINE",
        "cloud",
        failing={"deletion_certificate": False},
        not_applicable=TOS,
        label="no-certificate",
    ),
]
