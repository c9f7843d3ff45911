"""What the checks API accepts and returns: re-evaluation runs, a review's evaluations and
reloading the catalog."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from service.checks.models import EvaluationTrigger, Outcome
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


class CatalogReloadCreate(RequestModel):
    reevaluate: bool = Field(
        default=False,
        description="then re-evaluate every organization's open reviews under newer profiles",
    )


class CatalogReloadOut(BaseModel):
    added: dict[str, list[str]] = Field(description="id@version now loaded, per kind")
    removed: dict[str, list[str]]
    newer_profiles: dict[str, int] = Field(description="profile id -> its new latest version")
    counts: dict[str, int]
    reevaluation: ReevaluationOut | None = None


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
