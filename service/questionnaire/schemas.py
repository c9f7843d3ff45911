"""What the invitation and vendor APIs accept and return."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from service.catalog.forms import Form
from service.reviews.states import ReviewStatus


class InvitationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    email: EmailStr | None = Field(default=None, description="the vendor contact (for the record)")
    expires_in_days: int | None = Field(default=None, ge=1, le=365)


class InvitationOut(BaseModel):
    id: UUID
    review_id: UUID
    email: str
    expires_at: datetime
    revoked_at: datetime | None
    created_at: datetime


class InvitationCreated(InvitationOut):
    url: str = Field(description="The vendor's link; shown only in this response. 一度だけ表示。")


class AnswersUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    answers: dict[str, Any] = Field(
        description="question id → value; null clears an answer. Merged into the saved draft."
    )


class Questionnaire(BaseModel):
    """What the vendor sees: who asks, the form, and the answers saved so far."""

    organization_name: str
    service_name: str
    status: ReviewStatus
    editable: bool
    expires_at: datetime
    form: Form
    answers: dict[str, Any]
    submitted_at: datetime | None


class SubmissionReceipt(BaseModel):
    receipt_number: str = Field(description="受付番号")
    submitted_at: datetime
    status: ReviewStatus
