"""Personal data and My Number (§1.6): pass, fail and not-applicable rows for base v2."""

from __future__ import annotations

from tests.checks.requirement_cases import (
    SUBCONTRACTORS,
    Case,
)

MY_NUMBER = {"my_number": True, "personal_data": True}
NO_PERSONAL_DATA = {"personal_data": False, "my_number": False}

CASES = [
    Case(
        "PII-01-MEASURES",
        "cloud",
        passing={"personal_data_handled": False, "personal_data_measures_summary": ""},
        failing={"personal_data_measures_summary": " "},
        not_applicable=NO_PERSONAL_DATA,
    ),
    Case(
        "PII-01-MEASURES",
        "outsourcing",
        failing={"personal_data_measures_summary": ""},
        not_applicable={"kind": "tos_cloud"},
        label="outsourcing",
    ),
    Case(
        "PII-02",
        "cloud",
        passing={"incident_first_report_hours": 24},
        failing={"incident_first_report_hours": 48},
        not_applicable=NO_PERSONAL_DATA,
    ),
    Case(
        "PII-02",
        "outsourcing",
        engagement=MY_NUMBER,
        passing={"incident_first_report_hours": 1},
        failing={"incident_first_report_hours": 3},
        not_applicable=NO_PERSONAL_DATA,
        label="my-number",
    ),
    Case(
        "PII-03-PURPOSE",
        "outsourcing",
        failing={"no_secondary_use": False},
        not_applicable=NO_PERSONAL_DATA,
    ),
    Case(
        "MYN-01-HANDLING",
        "cloud",
        engagement=MY_NUMBER,
        passing={
            "my_number_handled": True,
            "my_number_controls": "取扱者を3名に指名し、管理区域内の専用端末でのみ扱います。",
        },
        failing={"my_number_handled": True, "my_number_controls": ""},
        not_applicable={"my_number": False},
    ),
    Case(
        "MYN-01-SUBCONTRACT",
        "cloud",
        engagement=MY_NUMBER,
        passing={"subcontracting_planned": False},
        failing={"subcontractor_approval": False},
        not_applicable={"my_number": False},
    ),
    Case(
        "MYN-01-SUBCONTRACT",
        "outsourcing",
        engagement={**MY_NUMBER, "subcontracting": True},
        passing={
            "subcontracting_planned": True,
            "subcontractor_flowdown": True,
            "subcontractor_approval": True,
            "subcontractors": SUBCONTRACTORS,
        },
        failing={
            "subcontracting_planned": True,
            "subcontractor_flowdown": False,
            "subcontractor_approval": True,
            "subcontractors": SUBCONTRACTORS,
        },
        not_applicable={"my_number": False},
        label="outsourcing",
    ),
    Case(
        "MYN-01-INSPECTION",
        "outsourcing",
        engagement=MY_NUMBER,
        failing={"audit_acceptance": False},
        not_applicable={"my_number": False},
    ),
    Case(
        "MYN-01-PREMISES",
        "outsourcing",
        engagement=MY_NUMBER,
        failing={"information_location": "own_premises_jp"},
        not_applicable={"kind": "cloud"},
    ),
]
