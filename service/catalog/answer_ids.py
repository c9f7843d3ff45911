"""The answers code reads by question id, declared once (contracts/, reminders/).

The loader refuses a catalog whose latest form of an engagement kind does not ask one that code
reads for that kind, naming the file and the id. Older form versions stay as they are, for the
reviews that use them (code reads every answer as possibly missing).
"""

from __future__ import annotations

from collections.abc import Mapping

from service.errors import CatalogError

# The contract (contracts/values.py, contracts/service.py).
SECURITY_CONTACT = "security_contact"
ENGAGEMENT_LEAD = "engagement_lead"
WORK_LOCATIONS = "work_locations"
WORK_SITES = "work_sites"
SUBCONTRACTORS = "subcontractors"
RTO_HOURS = "rto_hours"
RPO_HOURS = "rpo_hours"
ISMAP_REGISTRATION = "ismap_registration"
EXPORT_FORMATS = "export_formats"
ENCRYPTION_IN_TRANSIT = "encryption_in_transit"
INCIDENT_FIRST_REPORT_HOURS = "incident_first_report_hours"
AVAILABILITY_PCT = "availability_pct"
RESPONSIBILITY_MATRIX = "responsibility_matrix"
# Certificate expiry dates (reminders/service.py). No form asks the ISMAP date yet: the ISMAP list
# refresh records it.
ISMS_EXPIRY = "isms_expiry"
ISMAP_EXPIRY = "ismap_expiry"

_OUTSOURCING = frozenset(
    {
        SECURITY_CONTACT,
        ENGAGEMENT_LEAD,
        WORK_LOCATIONS,
        WORK_SITES,
        SUBCONTRACTORS,
        RTO_HOURS,
        RPO_HOURS,
        EXPORT_FORMATS,
        INCIDENT_FIRST_REPORT_HOURS,
        ISMS_EXPIRY,
    }
)
# Per engagement kind, what its latest form must ask.
READ_BY_KIND: Mapping[str, frozenset[str]] = {
    "outsourcing": _OUTSOURCING,
    "cloud": _OUTSOURCING
    | {ISMAP_REGISTRATION, ENCRYPTION_IN_TRANSIT, AVAILABILITY_PCT, RESPONSIBILITY_MATRIX},
    "tos_cloud": frozenset({ISMAP_REGISTRATION, ISMS_EXPIRY}),
}


def check_latest_forms(latest: Mapping[str, tuple[str, frozenset[str]]]) -> None:
    """`latest`: per kind, the file of its latest form and the question ids it asks."""
    for kind, needed in READ_BY_KIND.items():
        if kind not in latest:
            continue
        file, asked = latest[kind]
        missing = sorted(needed - asked)
        if missing:
            also = f" (also missing: {', '.join(missing[1:])})" if len(missing) > 1 else ""
            raise CatalogError(
                file,
                missing[0],
                f"the service reads this answer for '{kind}' engagements, so the latest form of "
                f"the kind must ask it{also}",
            )
