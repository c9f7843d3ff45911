"""Contract clause sets (contract_templates/*.yaml): terms for an engagement kind, and annexes.

A `terms` file is the body of one contract type (e.g. 情報セキュリティに関する特記事項 for
outsourcing); an `annex` file is a further part added when its condition holds (e.g.
個人情報取扱特記事項 when personal data is handled). Clauses are chosen by CEL over the
engagement and the vendor's answers; a clause may come in variants (e.g. subcontracting named,
permitted or prohibited), the first whose condition holds being used.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from service.catalog.expressions import Expression, compile_expression

VARIABLE = re.compile(r"\{([a-z_]+\.[a-z_]+)\}")
ENGAGEMENT_KINDS = frozenset({"outsourcing", "cloud", "tos_cloud"})
CONDITION_ROOTS = frozenset({"engagement", "answers", "review"})
# `review.*` in a condition: what the decision added (its conditions, a list of strings) and
# what legal gave when generating (the responsibility matrix's document id, '' when not given).
REVIEW_FIELDS = frozenset({"conditions", "responsibility_matrix"})
_REVIEW_REF = re.compile(r"\breview\.([A-Za-z_][A-Za-z0-9_]*)")

# Every name a template may use; service/contracts/values.py fills exactly these.
# docs/data-formats.md lists each with where its value comes from.
TEXT_VARIABLES = frozenset(
    {
        "organization.name",
        "organization.address",
        "organization.representative",
        "organization.jurisdiction_court",
        "organization.governing_law",
        "organization.data_location",
        "organization.security_policy_name",
        "organization.incident_contact",
        "organization.pledge_form",
        "vendor.name",
        "vendor.corporate_number",
        "vendor.address",
        "vendor.security_lead",
        "vendor.engagement_lead",
        "vendor.ismap_registration",
        "vendor.rto_hours",
        "vendor.rpo_hours",
        "contract.responsibility_matrix",
        "engagement.number",
        "engagement.service_name",
        "engagement.purpose",
        "engagement.start_date",
        "engagement.end_date",
        "engagement.classification",
        "terms.incident_first_report_hours",
        "terms.incident_detail_report_days",
        "terms.periodic_report_interval",
        "terms.roster_submit_days",
        "terms.change_notice_days",
        "terms.training_interval_months",
        "terms.training_report_days",
        "terms.return_or_delete_days",
        "terms.deletion_certificate_days",
        "terms.audit_notice_days",
        "terms.urgent_audit_notice_hours",
        "terms.audit_report_interval_months",
        "terms.subcontract_approval_lead_days",
        "terms.eos_notice_months",
        "terms.migration_support_months",
        "terms.availability_target_pct",
        "terms.maintenance_notice_days",
        "terms.log_retention_days",
        "terms.log_delivery_days",
        "terms.cert_lapse_notice_days",
        "terms.tos_change_notice_days",
        "terms.publication_consult_hours",
        "terms.cure_days",
        "terms.confidentiality_survival",
        "terms.tls_minimum",
        "terms.export_formats",
    }
)
# Lists: used only as a paragraph's `items_from`, one 号 per entry.
LIST_VARIABLES = frozenset({"vendor.subcontractors", "vendor.work_locations", "vendor.work_sites"})
KNOWN_VARIABLES = TEXT_VARIABLES | LIST_VARIABLES


def compile_condition(source: str, known_answers: frozenset[str]) -> Expression:
    expression = compile_expression(source, roots=CONDITION_ROOTS, known_answers=known_answers)
    unknown = sorted(set(_REVIEW_REF.findall(source)) - REVIEW_FIELDS)
    if unknown:
        raise ValueError(f"unknown review field(s) {unknown} in {source!r}")
    return expression


def variables_in(text: str) -> list[str]:
    return VARIABLE.findall(text)


def _check_text(text: str, where: str) -> None:
    names = set(variables_in(text))
    unknown = sorted(names - KNOWN_VARIABLES)
    if unknown:
        raise ValueError(f"{where}: unknown variable(s) {unknown}")
    lists = sorted(names & LIST_VARIABLES)
    if lists:
        raise ValueError(f"{where}: {lists} is a list; use it as `items_from`, not in text")
    leftover = VARIABLE.sub("", text)
    if "{" in leftover or "}" in leftover:
        raise ValueError(f"{where}: a brace that is not a '{{group.name}}' variable")


class TemplateRole(StrEnum):
    terms = "terms"
    annex = "annex"


class Paragraph(BaseModel):
    """One 項; `items` are its 号, and `items_from` adds one 号 per entry of a list variable."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1)
    items: list[str] = Field(default_factory=list)
    items_from: str | None = None

    def texts(self) -> list[str]:
        return [self.text, *self.items]


# What legal must check before a version is signed (an item the reference marks (verify), or a
# fallback wording): listed with the contract version in the API, never printed in the document.
def _legal_review() -> Any:
    return Field(default=None, min_length=1, max_length=1000)


class Variant(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    applies_if: str = "true"
    legal_review: str | None = _legal_review()
    paragraphs: list[Paragraph] = Field(min_length=1)

    _applies: Expression | None = PrivateAttr(default=None)

    @property
    def applies_expr(self) -> Expression:
        assert self._applies is not None, "template not compiled"
        return self._applies


class Clause(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[A-Z]+[0-9]+$")
    version: int = Field(ge=1)
    title: str = Field(min_length=1)
    applies_if: str = "true"
    # Requirement ids (policies/) this clause carries out: when one of them applies to the
    # review, the clause is in the contract whatever `applies_if` says.
    requirements: list[str] = Field(default_factory=list)
    # Contract item keys this clause words in this contract type (CK04 in an outsourcing contract
    # is carried by K09): a requirement mandating one of them mandates this clause.
    carries: list[str] = Field(default_factory=list)
    legal_review: str | None = _legal_review()
    paragraphs: list[Paragraph] | None = None
    variants: list[Variant] | None = None

    _applies: Expression | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _one_body(self) -> Clause:
        if self.id in self.carries:
            raise ValueError("`carries` lists the other item keys this clause stands for")
        if (self.paragraphs is None) == (self.variants is None):
            raise ValueError("give either `paragraphs` or `variants`")
        if self.paragraphs is not None and not self.paragraphs:
            raise ValueError("`paragraphs` is empty")
        if self.variants is not None:
            if not self.variants:
                raise ValueError("`variants` is empty")
            ids = [v.id for v in self.variants]
            if len(ids) != len(set(ids)):
                raise ValueError("duplicate variant id")
            if self.variants[-1].applies_if.strip() != "true":
                raise ValueError(
                    "the last variant is the fallback: it must not have an `applies_if`"
                )
        return self

    @property
    def applies_expr(self) -> Expression:
        assert self._applies is not None, "template not compiled"
        return self._applies

    def bodies(self) -> list[tuple[str, list[Paragraph]]]:
        """(variant id, paragraphs) for each way the clause can read; '' when it has one."""
        if self.variants is not None:
            return [(v.id, v.paragraphs) for v in self.variants]
        assert self.paragraphs is not None
        return [("", self.paragraphs)]

    def compile(self, known_answers: frozenset[str]) -> None:
        self._applies = compile_condition(self.applies_if, known_answers)
        for variant in self.variants or []:
            try:
                variant._applies = compile_condition(variant.applies_if, known_answers)
            except ValueError as exc:
                raise ValueError(f"variant '{variant.id}': {exc}") from None


class Refusal(BaseModel):
    """A case the contract type cannot serve: generating is refused with `reason` (409)."""

    model_config = ConfigDict(extra="forbid")
    applies_if: str = Field(min_length=1)
    reason: str = Field(min_length=1, max_length=1000)

    _applies: Expression | None = PrivateAttr(default=None)

    @property
    def applies_expr(self) -> Expression:
        assert self._applies is not None, "template not compiled"
        return self._applies


class Parties(BaseModel):
    """What the contract calls each party besides 甲 and 乙, e.g. 委託者 / 受託者."""

    model_config = ConfigDict(extra="forbid")
    a: str = Field(min_length=1, max_length=20)
    b: str = Field(min_length=1, max_length=20)


class ContractTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    version: int = Field(ge=1)
    role: TemplateRole = TemplateRole.terms
    title: str = Field(min_length=1)
    # terms only: which engagements get this contract, and how it is laid out.
    engagement_kinds: list[str] = Field(default_factory=list)
    parties: Parties | None = None
    base_document: str | None = None
    annexes: list[str] = Field(default_factory=list)
    closing: str | None = None
    # annex only: when the annex is added (CEL over engagement and answers).
    applies_if: str = "true"
    refuse_if: list[Refusal] = Field(default_factory=list)
    preamble: str = Field(min_length=1)
    clauses: list[Clause] = Field(min_length=1)

    _applies: Expression | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _check(self) -> ContractTemplate:
        if self.role == TemplateRole.terms:
            missing = [
                name
                for name in ("parties", "base_document", "closing")
                if getattr(self, name) is None
            ]
            if missing or not self.engagement_kinds:
                needed = missing + ([] if self.engagement_kinds else ["engagement_kinds"])
                raise ValueError(f"a `terms` template needs {needed}")
            if self.applies_if.strip() != "true":
                raise ValueError("`applies_if` is for annexes; terms follow `engagement_kinds`")
        else:
            given = [
                name
                for name in ("parties", "base_document", "closing")
                if getattr(self, name) is not None
            ]
            if given or self.engagement_kinds or self.annexes:
                given += [n for n in ("engagement_kinds", "annexes") if getattr(self, n)]
                raise ValueError(f"an annex takes its layout from the terms: remove {given}")
        unknown_kinds = sorted(set(self.engagement_kinds) - ENGAGEMENT_KINDS)
        if unknown_kinds:
            raise ValueError(f"unknown engagement kind(s) {unknown_kinds}")
        _check_text(self.preamble, "preamble")
        if self.closing is not None:
            _check_text(self.closing, "closing")
        seen: set[str] = set()
        for clause in self.clauses:
            if clause.id in seen:
                raise ValueError(f"clause '{clause.id}': duplicate id")
            seen.add(clause.id)
        carried = [key for clause in self.clauses for key in clause.carries]
        twice = sorted({key for key in carried if carried.count(key) > 1 or key in seen})
        if twice:
            raise ValueError(f"{twice} carried twice, or carried and also a clause of its own")
        for clause in self.clauses:
            for variant, paragraphs in clause.bodies():
                where = f"clause '{clause.id}'" + (f" variant '{variant}'" if variant else "")
                for paragraph in paragraphs:
                    for text in paragraph.texts():
                        _check_text(text, where)
                    source = paragraph.items_from
                    if source is not None and source not in LIST_VARIABLES:
                        raise ValueError(
                            f"{where}: items_from '{source}' is not a list variable "
                            f"{sorted(LIST_VARIABLES)}"
                        )
        return self

    def compile(self, known_answers: frozenset[str]) -> None:
        """Compile the CEL conditions; a ValueError names the clause."""
        self._applies = compile_condition(self.applies_if, known_answers)
        for number, refusal in enumerate(self.refuse_if, start=1):
            try:
                refusal._applies = compile_condition(refusal.applies_if, known_answers)
            except ValueError as exc:
                raise ValueError(f"refuse_if {number}: {exc}") from None
        for clause in self.clauses:
            try:
                clause.compile(known_answers)
            except ValueError as exc:
                raise ValueError(f"clause '{clause.id}': {exc}") from None

    @property
    def applies_expr(self) -> Expression:
        assert self._applies is not None, "template not compiled"
        return self._applies

    @property
    def clause_ids(self) -> frozenset[str]:
        return frozenset(c.id for c in self.clauses)
