"""What the re-review cadence API accepts and returns."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, Field, field_validator

from service.reminders.cadence import Alignment
from service.reminders.models import DeadlineKind, DeadlineStatus, ReminderStatus
from service.request_model import RequestModel


class CadenceOut(BaseModel):
    standard_interval_months: int = Field(
        description="the organization's review_interval_months (PATCH /api/organizations/{id})"
    )
    sensitive_interval_months: int = Field(description="機密性3 or My Number engagements")
    alignment: Alignment = Field(description="none / fiscal_year (年度末) / contract_end")
    reminder_offsets: list[int] = Field(description="days before the due date; 0 = on the day")
    escalation_days: int = Field(description="days between escalations while overdue")


class CadenceUpdate(RequestModel):
    sensitive_interval_months: int | None = Field(default=None, ge=1, le=60)
    alignment: Alignment | None = None
    reminder_offsets: list[int] | None = Field(default=None, min_length=1, max_length=10)
    escalation_days: int | None = Field(default=None, ge=1, le=90)

    @field_validator("reminder_offsets")
    @classmethod
    def _offsets(cls, value: list[int] | None) -> list[int] | None:
        if value is not None and any(not 0 <= day <= 365 for day in value):
            raise ValueError("each offset is a number of days from 0 to 365")
        return value


class ReminderOut(BaseModel):
    offset_days: int
    send_on: date
    status: ReminderStatus
    sent_at: datetime | None


class DeadlineOut(BaseModel):
    id: UUID
    kind: DeadlineKind
    due_date: date
    status: DeadlineStatus
    source: str
    reminders: list[ReminderOut]
