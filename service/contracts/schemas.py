"""What the contracts API returns."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field


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
        description="clause ids a requirement mandates that this contract type words "
        "differently or leaves out (e.g. CK04 in outsourcing, carried by K09), with the "
        "requirement ids"
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
