"""The values a contract template's variables take for one review (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from service.reviews.decisions import add_months

ERAS = [(date(2019, 5, 1), "令和"), (date(1989, 1, 8), "平成")]


def wareki(day: date) -> str:
    """A date written in the Japanese era calendar (和暦), e.g. 令和8年4月1日."""
    for start, name in ERAS:
        if day >= start:
            year = day.year - start.year + 1
            return f"{name}{'元' if year == 1 else year}年{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class ContractFacts:
    organization_name: str
    jurisdiction_court: str
    vendor_name: str
    vendor_corporate_number: str
    vendor_address: str
    engagement_number: str
    service_name: str
    purpose: str
    start_date: date
    term_months: int
    confidentiality: int
    availability: int
    my_number: bool
    kind: str


def contract_values(facts: ContractFacts) -> dict[str, str]:
    """Every KNOWN_VARIABLE; an empty string means the value is missing (never rendered)."""
    strict = facts.confidentiality == 3 or facts.my_number
    # The term ends the day before the same date `term_months` later; when the last month has
    # no such date (1/31 + 1 month), it ends on that month's last day (民法143条2項).
    end_date = add_months(facts.start_date, facts.term_months)
    if end_date.day == facts.start_date.day:
        end_date -= timedelta(days=1)
    monthly = facts.kind in ("cloud", "outsourcing") and facts.confidentiality >= 2
    return {
        "organization.name": facts.organization_name,
        "organization.jurisdiction_court": facts.jurisdiction_court,
        "vendor.name": facts.vendor_name,
        "vendor.corporate_number": facts.vendor_corporate_number,
        "vendor.address": facts.vendor_address,
        "engagement.number": facts.engagement_number,
        "engagement.service_name": facts.service_name,
        "engagement.purpose": facts.purpose,
        "engagement.start_date": wareki(facts.start_date),
        "engagement.end_date": wareki(end_date),
        "terms.incident_first_report_hours": "1" if strict else "24",
        "terms.incident_detail_report_days": "7",
        "terms.data_location": "日本国内",
        "terms.governing_law": "日本法",
        "terms.return_or_delete_days": "30",
        "terms.deletion_certificate_days": "30",
        "terms.audit_notice_days": "14",
        "terms.subcontract_approval_lead_days": "14",
        "terms.eos_notice_months": "12",
        "terms.availability_target_pct": "99.9" if facts.availability == 2 else "99.5",
        "terms.cert_lapse_notice_days": "30",
        "terms.periodic_report_interval": "毎月" if monthly else "四半期ごと",
    }
