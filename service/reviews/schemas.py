"""What the reviews API accepts and returns."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from service.reviews.states import ReviewStatus


class ReviewOut(BaseModel):
    id: UUID
    engagement_id: UUID
    round: int
    status: ReviewStatus
    form_id: str
    form_version: int
    profile_id: str
    profile_version: int | None
    decision_reason: str
    conditions: list[str]
    decided_by_id: UUID | None
    decided_at: datetime | None
    submitted_at: datetime | None
    created_at: datetime


class TimelineEntry(BaseModel):
    seq: int
    at: datetime
    actor_type: str
    actor_id: str
    actor_label: str
    action: str
    object_type: str
    object_id: str
    data: dict[str, Any]


class ApprovalStepOut(BaseModel):
    position: int = Field(description="1-based order in the chain")
    role: str
    title: dict[str, str]
    status: Literal["pending", "approved", "rejected"]
    decision: str | None
    reason: str
    conditions: list[str]
    decided_by_id: UUID | None
    decided_at: datetime | None


class ApprovalsOut(BaseModel):
    chain_id: str
    steps: list[ApprovalStepOut]
