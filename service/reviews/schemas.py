"""What the reviews API accepts and returns."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from service.checks.models import Outcome
from service.request_model import RequestModel
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


class SourceOut(BaseModel):
    document: str
    section: str


class VerdictOut(BaseModel):
    requirement_id: str
    title: dict[str, str]
    outcome: Outcome = Field(description="the automatic verdict")
    effective_outcome: Outcome = Field(description="the override when there is one, else outcome")
    severity: str
    on_fail: str
    reason: dict[str, str]
    remediation: dict[str, str]
    sources: list[SourceOut] = Field(description="the policy clauses the requirement comes from")
    inputs: dict[str, Any]
    profile_id: str
    profile_version: int = Field(
        description="the profile version the review's verdicts stand under"
    )
    evaluated_profile_version: int = Field(
        description="the version this verdict was made under: older when a newer version was "
        "loaded and the verdict says the same under it"
    )
    evaluated_at: datetime
    override_reason: str
    overridden_by_id: UUID | None
    overridden_at: datetime | None


class OverrideCreate(RequestModel):
    outcome: Outcome
    reason: str = Field(min_length=1, max_length=4000, description="mandatory, audited")


class DecisionCreate(RequestModel):
    """approve_with_conditions takes at least one condition; approve and reject take none (422
    otherwise). A review with a failing, not overridden reject-worthy verdict cannot be approved
    (409)."""

    decision: Literal["approve", "approve_with_conditions", "reject"]
    reason: str = Field(min_length=1, max_length=4000)
    conditions: list[str] = Field(default_factory=list, max_length=50)


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
