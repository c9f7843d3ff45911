"""What the invitation and vendor APIs accept and return."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, EmailStr, Field

from service.catalog.forms import Form
from service.request_model import RequestModel
from service.reviews.states import ReviewStatus


class InvitationCreate(RequestModel):
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
    url: str = Field(
        description="The vendor's link to the portal (a browser page); shown only in this "
        "response. 事業者向けリンク（一度だけ表示）。"
    )
    api_url: str = Field(description="The same link for the JSON API (/api/vendor/{token}).")


class InvitationResend(RequestModel):
    expires_in_days: int | None = Field(default=None, ge=1, le=365)


class ClarificationCreate(RequestModel):
    """question_ids are questions of the review's form, on a submitted, undecided review (422 /
    409 otherwise)."""

    question_ids: list[str] = Field(min_length=1, max_length=500)
    message: str = Field(min_length=1, max_length=4000, description="shown to the vendor")


class ClarificationOut(BaseModel):
    id: UUID
    review_id: UUID
    question_ids: list[str]
    message: str
    requested_by_id: UUID
    requested_at: datetime
    answered_at: datetime | None


class VendorClarification(BaseModel):
    """An open request, as the vendor sees it."""

    question_ids: list[str]
    message: str
    requested_at: datetime


class SubmissionOut(BaseModel):
    receipt_number: str = Field(description="受付番号")
    number: int
    form_id: str
    form_version: int
    answers: dict[str, Any]
    clarification_id: UUID | None
    submitted_at: datetime


class AnswersUpdate(RequestModel):
    """Each answer is checked against its question of the form (type, choices, limits): an
    unknown question or a value that does not fit is a 422 naming it (answers.<id>)."""

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
    clarification: VendorClarification | None = Field(
        description="an open clarification request: answer these questions and submit again"
    )
    prefilled_from_round: int | None = Field(
        description="the draft started from this earlier round's answers"
    )


class SubmissionReceipt(BaseModel):
    receipt_number: str = Field(description="受付番号")
    submitted_at: datetime
    status: ReviewStatus
