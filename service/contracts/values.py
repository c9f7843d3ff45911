"""The values a contract template's variables take for one review (pure).

Sources: the organization's contract settings (service/contracts/settings.py), the engagement,
and the vendor's answers. A value that cannot be known is None, never a blank: filling a clause
that needs it is refused, naming the variable, the clause and where the value would come from
(VALUE_SOURCES).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from service.catalog import answer_ids
from service.contracts.settings import effective_settings
from service.jst import add_months

ERAS = [(date(2019, 5, 1), "令和"), (date(1989, 1, 8), "平成")]
Value = str | list[str] | None

# Where a value that can be missing comes from, for the error that names it.
SETTING_HINT = (
    "organization setting contract_settings.{} (PATCH /api/organizations/{{id}}/contract-settings)"
)
VALUE_SOURCES = {
    "organization.address": SETTING_HINT.format("address"),
    "organization.representative": SETTING_HINT.format("representative"),
    "organization.security_policy_name": SETTING_HINT.format("security_policy_name"),
    "organization.incident_contact": SETTING_HINT.format("incident_contact"),
    "organization.jurisdiction_court": "organization setting jurisdiction_court",
    "vendor.security_lead": "the vendor's answer 'security_contact' (Q-C01)",
    "vendor.engagement_lead": "the vendor's answer 'engagement_lead' (Q-C01)",
    "vendor.work_locations": "the vendor's answer 'work_locations' (Q-C02)",
    "vendor.work_sites": "the vendor's answer 'work_sites' (Q-C02: each site's name and address)",
    "vendor.rto_hours": "the vendor's answer 'rto_hours' (Q-G02)",
    "vendor.rpo_hours": "the vendor's answer 'rpo_hours' (Q-G02)",
    "vendor.ismap_registration": "the vendor's answer 'ismap_registration' (Q-B04)",
    "vendor.subcontractors": "the vendor's answer 'subcontractors' (Q-D02)",
    "contract.responsibility_matrix": (
        "legal's responsibility_matrix when generating "
        "(POST /api/reviews/{id}/contracts?responsibility_matrix=…), or the vendor's answer "
        "'responsibility_matrix'"
    ),
}
# How the contract names each place of work the vendor chose (answer 'work_locations', Q-C02);
# the form's own labels speak to the vendor (当方 = the organization) and do not fit a contract.
WORK_LOCATIONS = {
    "municipal_premises": "甲の庁舎その他甲が指定する施設",
    "own_office": "乙又は再委託先の事業所",
    "data_center": "乙が利用するデータセンター",
    "remote": "従事者の在宅勤務その他の遠隔地の作業場所（甲が承認したものに限る。）",
    "overseas": "日本国外に所在する乙又は再委託先の拠点",
}
EXPORT_FORMATS = {"csv": "CSV", "json": "JSON", "xml": "XML"}


def wareki(day: date) -> str:
    """A date written in the Japanese era calendar (和暦), e.g. 令和8年4月1日."""
    for start, name in ERAS:
        if day >= start:
            year = day.year - start.year + 1
            return f"{name}{'元' if year == 1 else year}年{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"


def term_end(start: date, months: int) -> date:
    """The term ends the day before the same date `months` later; when the last month has no
    such date (1/31 + 1 month), it ends on that month's last day (民法143条2項)."""
    end = add_months(start, months)
    return end - timedelta(days=1) if end.day == start.day else end


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
    kind: str
    confidentiality: int
    integrity: int
    availability: int
    my_number: bool
    contract_settings: Mapping[str, Any] = field(default_factory=dict)
    answers: Mapping[str, Any] = field(default_factory=dict)
    # Subcontractor rows as lines (name, country, work), labelled by service.subcontractor_lines.
    subcontractors: list[str] = field(default_factory=list)
    # The places of work as the contract names them (work_location_lines).
    work_locations: list[str] = field(default_factory=list)
    # The work sites the vendor declared, one line each (work_site_lines).
    work_sites: list[str] = field(default_factory=list)
    # The responsibility matrix (責任分界表) document id and version legal gave; '' = not given.
    responsibility_matrix: str = ""


def _number(value: float) -> str:
    return f"{value:g}"


def _text_answer(answers: Mapping[str, Any], question_id: str) -> str | None:
    value = answers.get(question_id)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _hours_answer(answers: Mapping[str, Any], question_id: str) -> str | None:
    """A number of hours the vendor committed to (0 is a real answer: no data loss)."""
    value = answers.get(question_id)
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return _number(float(value))
    return None


def _positive_answer(answers: Mapping[str, Any], question_id: str) -> float | None:
    value = answers.get(question_id)
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    return None


def without_surrogates(value: Any) -> Any:
    """`value` with lone surrogates dropped from every string in it: a JSON answer may hold
    "\\ud800", which neither CEL, PostgreSQL nor a .docx can carry."""
    if isinstance(value, str):
        return value.encode("utf-8", "ignore").decode("utf-8")
    if isinstance(value, list):
        return [without_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {key: without_surrogates(item) for key, item in value.items()}
    return value


def subcontractor_lines(rows: Any, country_labels: Mapping[str, str] | None = None) -> list[str]:
    """One line per subcontractor row of the answer: 名称（所在国）：担当する業務."""
    if not isinstance(rows, list):
        return []
    lines = []
    for row in rows:
        if not isinstance(row, dict):
            continue
        name = str(row.get("name") or "").strip()
        if not name:
            continue
        country = str(row.get("country") or "").strip()
        country = (country_labels or {}).get(country, country)
        role = str(row.get("role") or "").strip()
        line = f"{name}（所在国：{country}）" if country else name
        lines.append(f"{line}　{role}" if role else line)
    return lines


def work_location_lines(chosen: Any, form_labels: Mapping[str, str] | None = None) -> list[str]:
    """The places of work the vendor chose, in the contract's words, in the form's order; a
    choice the contract has no wording for keeps the form's label."""
    if not isinstance(chosen, list):
        return []
    lines = []
    for value in chosen:
        if not isinstance(value, str):
            continue
        line = WORK_LOCATIONS.get(value) or (form_labels or {}).get(value) or ""
        if line and line not in lines:
            lines.append(line)
    return lines


def work_site_lines(rows: Any) -> list[str]:
    """One line per work site row of the answer 'work_sites': 名称（所在地：…）　行う作業; a row
    without a name or an address is left out (none left: the value is missing)."""
    if not isinstance(rows, list):
        return []
    lines = []
    for row in rows:
        if not isinstance(row, dict):
            continue
        name = str(row.get("name") or "").strip()
        address = str(row.get("address") or "").strip()
        if not name or not address:
            continue
        activity = str(row.get("activity") or "").strip()
        line = f"{name}（所在地：{address}）"
        line = f"{line}　{activity}" if activity else line
        if line not in lines:
            lines.append(line)
    return lines


def responsibility_matrix(facts: ContractFacts) -> str:
    """Legal's input first, else the vendor's answer; '' when neither names the document.

    Legal's value (given when generating, or carried from the previous contract version) always
    wins over the vendor's answer 'responsibility_matrix' (cloud-service form, version 2)."""
    return facts.responsibility_matrix.strip() or (
        _text_answer(facts.answers, answer_ids.RESPONSIBILITY_MATRIX) or ""
    )


def contract_values(facts: ContractFacts) -> dict[str, Value]:
    """Every KNOWN_VARIABLE; None where the value is not known (filling it is refused)."""
    settings = effective_settings(dict(facts.contract_settings))
    answers = facts.answers
    strict = facts.confidentiality == 3 or facts.my_number
    hours_setting = "incident_first_report_hours" + ("_strict" if strict else "")
    hours = float(settings[hours_setting])
    promised = _positive_answer(answers, answer_ids.INCIDENT_FIRST_REPORT_HOURS)
    if promised is not None and promised >= 1:
        hours = min(hours, promised)  # the vendor promised faster: bind it to that
    target_setting = "availability_target_pct" + ("_high" if facts.availability == 2 else "")
    target = float(settings[target_setting])
    guaranteed = _positive_answer(answers, answer_ids.AVAILABILITY_PCT)
    if guaranteed is not None and guaranteed <= 100:
        target = max(target, guaranteed)  # the vendor guarantees more: bind it to that
    monthly = facts.kind in ("cloud", "outsourcing") and facts.confidentiality >= 2
    years = int(settings["confidentiality_survival_years"])
    chosen_formats = answers.get(answer_ids.EXPORT_FORMATS)
    formats = [
        label
        for value, label in EXPORT_FORMATS.items()
        if isinstance(chosen_formats, list) and value in chosen_formats
    ]

    def setting_text(name: str) -> str | None:
        value = settings.get(name)
        return value.strip() if isinstance(value, str) and value.strip() else None

    def days(name: str) -> str:
        return str(settings[name])

    return {
        "organization.name": facts.organization_name,
        "organization.address": setting_text("address"),
        "organization.representative": setting_text("representative"),
        "organization.jurisdiction_court": facts.jurisdiction_court.strip() or None,
        "organization.governing_law": setting_text("governing_law"),
        "organization.data_location": setting_text("data_location"),
        "organization.security_policy_name": setting_text("security_policy_name"),
        "organization.incident_contact": setting_text("incident_contact"),
        "organization.pledge_form": setting_text("pledge_form"),
        "vendor.name": facts.vendor_name,
        "vendor.corporate_number": facts.vendor_corporate_number,
        "vendor.address": facts.vendor_address,
        "vendor.security_lead": _text_answer(answers, answer_ids.SECURITY_CONTACT),
        "vendor.engagement_lead": _text_answer(answers, answer_ids.ENGAGEMENT_LEAD),
        "vendor.work_locations": list(facts.work_locations) or None,
        "vendor.work_sites": list(facts.work_sites) or None,
        "vendor.rto_hours": _hours_answer(answers, answer_ids.RTO_HOURS),
        "vendor.rpo_hours": _hours_answer(answers, answer_ids.RPO_HOURS),
        "vendor.ismap_registration": _text_answer(answers, answer_ids.ISMAP_REGISTRATION),
        "vendor.subcontractors": list(facts.subcontractors) or None,
        "contract.responsibility_matrix": responsibility_matrix(facts) or None,
        "engagement.number": facts.engagement_number,
        "engagement.service_name": facts.service_name,
        "engagement.purpose": facts.purpose,
        "engagement.start_date": wareki(facts.start_date),
        "engagement.end_date": wareki(term_end(facts.start_date, facts.term_months)),
        "engagement.classification": (
            f"機密性{facts.confidentiality}・完全性{facts.integrity}・可用性{facts.availability}"
        ),
        "terms.incident_first_report_hours": _number(hours),
        "terms.incident_detail_report_days": days("incident_detail_report_days"),
        "terms.periodic_report_interval": "毎月" if monthly else "四半期ごと",
        "terms.roster_submit_days": days("roster_submit_days"),
        "terms.change_notice_days": days("change_notice_days"),
        "terms.training_interval_months": days("training_interval_months"),
        "terms.training_report_days": days("training_report_days"),
        "terms.return_or_delete_days": days("return_or_delete_days"),
        "terms.deletion_certificate_days": days("deletion_certificate_days"),
        "terms.audit_notice_days": days("audit_notice_days"),
        "terms.urgent_audit_notice_hours": days("urgent_audit_notice_hours"),
        "terms.audit_report_interval_months": days("audit_report_interval_months"),
        "terms.subcontract_approval_lead_days": days("subcontract_approval_lead_days"),
        "terms.eos_notice_months": days("eos_notice_months"),
        "terms.migration_support_months": days("migration_support_months"),
        "terms.availability_target_pct": _number(target),
        "terms.maintenance_notice_days": days("maintenance_notice_days"),
        "terms.log_retention_days": days("log_retention_days"),
        "terms.log_delivery_days": days("log_delivery_days"),
        "terms.cert_lapse_notice_days": days("cert_lapse_notice_days"),
        "terms.tos_change_notice_days": days("tos_change_notice_days"),
        "terms.publication_consult_hours": days("publication_consult_hours"),
        "terms.cure_days": days("cure_days"),
        "terms.confidentiality_survival": f"{years}年間" if years else "期間の定めなく",
        "terms.tls_minimum": (
            "TLS 1.3" if answers.get(answer_ids.ENCRYPTION_IN_TRANSIT) == "tls13" else "TLS 1.2"
        ),
        "terms.export_formats": "、".join(formats) or "CSV",
    }
