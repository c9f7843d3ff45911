"""What the contracts API returns."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field

from service.request_model import RequestModel


class PartUsed(BaseModel):
    id: str = Field(description="contract template id (the terms, then each annex)")
    version: int
    title: str


class ClauseUsed(BaseModel):
    part: str = Field(description="the template the clause comes from")
    id: str = Field(description="contract item key, e.g. K10, CK01, PK02")
    version: int
    variant: str = Field(description="the variant used ('' for a clause without variants)")
    title: str
    mandated_by: list[str] = Field(description="requirement ids that made the clause mandatory")
    carries: list[str] = Field(
        default_factory=list,
        description="other contract item keys this clause words here (e.g. K09 carries CK04 "
        "in an outsourcing contract)",
    )
    legal_review: list[str] = Field(
        default_factory=list,
        description="要法務確認 / what legal must check before signing (items the reference "
        "marks (verify), fallback wordings); never printed in the document",
    )


class LegalReviewItem(BaseModel):
    part: str
    clause: str = Field(description="contract item key, e.g. PK02")
    title: str
    note: str


class GenerateQuery(RequestModel):
    responsibility_matrix: str | None = Field(
        default=None,
        min_length=0,
        max_length=300,
        description="責任分界表の文書番号及び版 / the responsibility matrix the cloud terms attach "
        "(e.g. 'SKR-RM-001 第2版'); omitted: the previous version's; '' clears it",
    )


class ContractOut(BaseModel):
    id: UUID
    review_id: UUID
    version: int
    title: str
    template_id: str
    template_version: int
    parts: list[PartUsed]
    clauses: list[ClauseUsed]
    values: dict[str, str | list[str]] = Field(description="every variable used, with its value")
    conditions: list[str] = Field(description="the decision's conditions, printed as 別紙")
    mandated_not_carried: dict[str, list[str]] = Field(
        description="要法務確認 / clause ids a requirement mandates that this contract neither "
        "has nor words as another clause (see clauses[].carries), with the requirement ids: "
        "legal decides whether terms must be added (e.g. CK03 in an outsourcing contract)"
    )
    legal_review: list[LegalReviewItem] = Field(
        description="要法務確認 / every clause note legal must check before signing, in "
        "document order"
    )
    sha256: str = Field(description="SHA-256 of the .docx")
    created_at: datetime


class ContractRef(BaseModel):
    id: UUID
    review_id: UUID
    version: int


class ClauseBrief(BaseModel):
    part: str
    id: str
    version: int
    variant: str
    title: str


class ClauseChange(BaseModel):
    part: str
    id: str
    title: str
    from_version: int
    to_version: int
    from_variant: str
    to_variant: str


class ValueChange(BaseModel):
    name: str
    old: str | list[str] | None = Field(description="null: not used by the base version")
    new: str | list[str] | None = Field(description="null: not used by this version")


class PartChange(BaseModel):
    id: str
    from_version: int
    to_version: int


class ContractDiffOut(BaseModel):
    base: ContractRef = Field(description="the version compared from")
    contract: ContractRef = Field(description="the version compared to")
    same_document: bool = Field(description="both .docx files have the same SHA-256")
    clauses_added: list[ClauseBrief]
    clauses_removed: list[ClauseBrief]
    clauses_changed: list[ClauseChange]
    values_changed: list[ValueChange]
    conditions_added: list[str]
    conditions_removed: list[str]
    parts_changed: list[PartChange]
