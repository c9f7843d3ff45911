"""What the checks API accepts and returns: re-evaluation runs."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ReevaluationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
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
