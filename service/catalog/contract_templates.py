"""Contract clause sets (contract_templates/*.yaml)."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from service.catalog.expressions import Expression, compile_expression

VARIABLE = re.compile(r"\{([a-z_]+\.[a-z_]+)\}")
# Every name a template may use; service/contracts/values.py fills exactly these.
KNOWN_VARIABLES = frozenset(
    {
        "organization.name",
        "organization.jurisdiction_court",
        "vendor.name",
        "vendor.corporate_number",
        "vendor.address",
        "engagement.number",
        "engagement.service_name",
        "engagement.purpose",
        "engagement.start_date",
        "engagement.end_date",
        "terms.incident_first_report_hours",
        "terms.incident_detail_report_days",
        "terms.data_location",
        "terms.governing_law",
        "terms.return_or_delete_days",
        "terms.deletion_certificate_days",
        "terms.audit_notice_days",
        "terms.subcontract_approval_lead_days",
        "terms.eos_notice_months",
        "terms.availability_target_pct",
        "terms.cert_lapse_notice_days",
        "terms.periodic_report_interval",
    }
)


def variables_in(text: str) -> list[str]:
    return VARIABLE.findall(text)


def _check_text(text: str, where: str) -> None:
    unknown = sorted(set(variables_in(text)) - KNOWN_VARIABLES)
    if unknown:
        raise ValueError(f"{where}: unknown variable(s) {unknown}")
    leftover = VARIABLE.sub("", text)
    if "{" in leftover or "}" in leftover:
        raise ValueError(f"{where}: a brace that is not a '{{group.name}}' variable")


class Paragraph(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1)
    items: list[str] = Field(default_factory=list)


class Clause(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[A-Z]+[0-9]+$")
    version: int = Field(ge=1)
    title: str = Field(min_length=1)
    applies_if: str = "true"
    paragraphs: list[Paragraph] = Field(min_length=1)

    _applies: Expression | None = PrivateAttr(default=None)

    @property
    def applies_expr(self) -> Expression:
        assert self._applies is not None, "template not compiled"
        return self._applies


class ContractTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    version: int = Field(ge=1)
    title: str = Field(min_length=1)
    engagement_kinds: list[str] = Field(min_length=1)
    preamble: str = Field(min_length=1)
    clauses: list[Clause] = Field(min_length=1)

    @model_validator(mode="after")
    def _compile(self) -> ContractTemplate:
        _check_text(self.preamble, "preamble")
        seen: set[str] = set()
        for clause in self.clauses:
            if clause.id in seen:
                raise ValueError(f"clause '{clause.id}': duplicate id")
            seen.add(clause.id)
            try:
                clause._applies = compile_expression(
                    clause.applies_if, roots=frozenset({"engagement"}), known_answers=frozenset()
                )
            except ValueError as exc:
                raise ValueError(f"clause '{clause.id}': {exc}") from None
            for paragraph in clause.paragraphs:
                for text in [paragraph.text, *paragraph.items]:
                    _check_text(text, f"clause '{clause.id}'")
        return self

    @property
    def clause_ids(self) -> frozenset[str]:
        return frozenset(c.id for c in self.clauses)
