"""What the re-review cadence API accepts and returns."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, Field

from service.reminders.cadence import Alignment
from service.reminders.models import DeadlineKind, DeadlineStatus, ReminderStatus
from service.request_model import RequestModel


class CadenceOut(BaseModel):
    standard_interval_months: int = Field(description="every engagement's interval, in months")
    sensitive_interval_months: int = Field(description="機密性3 or My Number engagements")
    alignment: Alignment = Field(description="none / fiscal_year (年度末) / contract_end")
    reminder_offsets: list[int] = Field(description="days before the due date; 0 = on the day")
    escalation_days: int = Field(description="days between escalations while overdue")


class CadenceUpdate(RequestModel):
    standard_interval_months: int | None = Field(default=None, ge=1, le=60)
    sensitive_interval_months: int | None = Field(default=None, ge=1, le=60)
    alignment: Alignment | None = None
    reminder_offsets: list[Annotated[int, Field(ge=0, le=365)]] | None = Field(
        default=None, min_length=1, max_length=10, description="days before the due date"
    )
    escalation_days: int | None = Field(default=None, ge=1, le=90)


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
