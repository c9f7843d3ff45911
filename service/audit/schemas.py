"""What the audit API returns and accepts."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, EmailStr, Field

from service.request_model import RequestModel


class CheckpointOut(BaseModel):
    organization_id: UUID
    seq: int = Field(description="the last event the checkpoint covers")
    head_hash: str = Field(description="that event's hash")
    at: datetime
    key_id: str = Field(description="id of the audit key whose MAC it carries")
    mac: str


class ChainReportOut(BaseModel):
    ok: bool
    events: int
    first_broken_seq: int | None
    problem: str = Field(description="what does not hold, in Japanese then English; empty if ok")
    unkeyed_events: int = Field(
        description="events from before the chain was keyed (checked by plain SHA-256)"
    )
    head_seq: int = Field(description="the last event that verifies")
    head_hash: str
    truncated: bool = Field(description="events the latest checkpoint recorded are missing")
    latest_checkpoint: CheckpointOut | None = Field(
        description="the latest checkpoint outside the database whose MAC verifies"
    )


class AuditSettingsOut(BaseModel):
    checkpoint_email: EmailStr | None = Field(
        description="where each checkpoint of the chain is e-mailed; null = nowhere"
    )


class AuditSettingsUpdate(RequestModel):
    checkpoint_email: EmailStr | None = Field(
        description="an address outside this service to keep the checkpoints; null = none"
    )
