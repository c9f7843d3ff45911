"""What the notifications API accepts and returns."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field, HttpUrl

from service.notifications.models import DeliveryStatus
from service.request_model import RequestModel

EventType = Literal[
    "review.opened",
    "review.status_changed",
    "reminder.due",
    "reminder.overdue",
    "social.verification_failed",
    "social.account_compromised",
    "audit.checkpoint",
    "ping",
]


class WebhookEndpointCreate(RequestModel):
    url: HttpUrl = Field(description="http(s) address that receives POSTed JSON events")
    description: str = Field(default="", max_length=200)
    events: list[EventType] = Field(
        default_factory=list, max_length=20, description="event types to send; empty = all"
    )


class WebhookEndpointOut(BaseModel):
    id: UUID
    url: str
    description: str
    events: list[str]
    active: bool
    created_at: datetime


class WebhookEndpointCreated(WebhookEndpointOut):
    secret: str = Field(
        description="HMAC-SHA256 signing key; shown only in this response. 一度だけ表示されます。"
    )


class WebhookDeliveryOut(BaseModel):
    id: UUID
    event_id: UUID
    event_type: str
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str
    next_attempt_at: datetime
    sent_at: datetime | None
    created_at: datetime
    attempt_log: list[dict[str, Any]]
    payload: dict[str, Any]


class EmailDeliveryQuery(RequestModel):
    status: DeliveryStatus | None = Field(
        default=None, description="only emails in this state / 配信状態で絞り込み"
    )
    review_id: UUID | None = Field(
        default=None, description="only emails about this review / 審査で絞り込み"
    )
    limit: int = Field(default=100, ge=1, le=500, description="at most this many, newest first")


class EmailDeliveryOut(BaseModel):
    id: UUID
    message_id: str = Field(description="the Message-ID header the email was sent with")
    event_type: str
    review_id: UUID | None = Field(description="the review the email is about, if any")
    to_address: str = Field(description="recipient / 宛先")
    subject: str = Field(description="件名 / subject")
    status: DeliveryStatus
    attempts: int
    last_error: str
    next_attempt_at: datetime
    sent_at: datetime | None
    created_at: datetime
    attempt_log: list[dict[str, Any]]


class CalendarFeedCreated(BaseModel):
    url: str = Field(
        description="Secret address of the iCalendar feed; shown only in this response."
    )
    created_at: datetime
