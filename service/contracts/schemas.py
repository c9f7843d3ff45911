"""What the contracts API returns."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel


class ClauseUsed(BaseModel):
    id: str
    version: int
    mandated_by: list[str]


class ContractOut(BaseModel):
    id: UUID
    review_id: UUID
    version: int
    title: str
    template_id: str
    template_version: int
    clauses: list[ClauseUsed]
    values: dict[str, str]
    sha256: str
    created_at: datetime
