"""Network segments (§1.6, seed 002 6(3), seed 001 6(1)): rows for base v2."""

from __future__ import annotations

from tests.checks.requirement_cases import (
    Case,
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
