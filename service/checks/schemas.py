"""What the checks API accepts and returns: re-evaluation runs and a review's evaluations."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from service.checks.models import EvaluationTrigger
from service.request_model import RequestModel


class ReevaluationCreate(RequestModel):
    include_decided: bool = Field(
        default=False,
        description="also record new findings for decided reviews (their decision stays)",
    )
    dry_run: bool = Field(default=False, description="report what would change, write nothing")


class ReviewChangesOut(BaseModel):
    review_id: str
    status: str
    profile_id: str
    from_version: int | None
    to_version: int
    applied: bool = Field(description="false: a decided review, its verdicts left as they were")
    changes: list[dict[str, Any]]


class TimingsOut(BaseModel):
    load_seconds: float
    evaluate_seconds: float
    write_seconds: float


class ReevaluationOut(BaseModel):
    run_id: str
    dry_run: bool
    include_decided: bool
    profiles: dict[str, int]
    considered: int
    reevaluated: int
    recorded: int
    changed: int
    skipped: int
    reviews: list[ReviewChangesOut] = Field(description="changed reviews (the first 500)")
    timings: TimingsOut


class EvaluationOut(BaseModel):
    """One evaluation of a review: the first on submission, then one per re-evaluation."""

    id: UUID
    trigger: EvaluationTrigger
    run_id: UUID | None = Field(description="the re-evaluation run, for trigger reevaluation")
    profile_id: str
    profile_version: int
    previous_profile_version: int | None
    review_status: str = Field(description="the review's status when evaluated (left unchanged)")
    applied: bool = Field(
        description="true: these are the review's verdicts; false: a decided review, whose "
        "decision keeps the verdicts it rests on and whose new findings are listed here"
    )
    counts: dict[str, int] = Field(description="outcome -> number of verdicts")
    changes: list[dict[str, Any]] = Field(description="against the verdicts the review had before")
    findings: list[dict[str, Any]] = Field(description="only when not applied")
    ismap_snapshot_id: str
    created_at: datetime
