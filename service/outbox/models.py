"""The notification outbox and the webhook endpoints it delivers to.

Every email and webhook delivery is a row here, written in the same transaction as the change it
reports; workers only move rows from pending to sent. A row is unique by its `dedupe_key`, so the
same news is never queued twice.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from uuid import uuid4

from tortoise import fields
from tortoise.models import Model

from service.accounts.models import Organization, User


class Channel(StrEnum):
    email = "email"
    webhook = "webhook"


class DeliveryStatus(StrEnum):
    pending = "pending"  # waiting for its first or next attempt (next_attempt_at)
    sending = "sending"  # claimed by a worker until lease_until
    sent = "sent"
    failed = "failed"  # gave up after the last attempt
    skipped = "skipped"  # nowhere to send it (no SMTP server configured, endpoint removed)


class WebhookEndpoint(Model):
    id = fields.UUIDField(primary_key=True, default=uuid4)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="webhook_endpoints", on_delete=fields.RESTRICT
    )
    organization_id: str
    url = fields.CharField(max_length=2000)
    description = fields.CharField(max_length=200, default="")
    # Event types to send; empty means every event.
    events: list[str] = fields.JSONField(default=list)
    # The signing key must be readable to sign with, so it is encrypted (service.secretbox), not
    # hashed; the API shows it once, at creation.
    secret = fields.CharField(max_length=500)
    active = fields.BooleanField(default=True)
    created_by: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="webhook_endpoints_created", on_delete=fields.RESTRICT
    )
    created_by_id: str
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "webhook_endpoint"


class Notification(Model):
    id = fields.UUIDField(primary_key=True, default=uuid4)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="notifications", on_delete=fields.RESTRICT
    )
    organization_id: str
    channel = fields.CharEnumField(Channel, max_length=10)
    dedupe_key = fields.CharField(max_length=200, unique=True)
    event_id = fields.UUIDField()
    event_type = fields.CharField(max_length=64)
    # The review the news is about, when there is one (filters the email delivery list).
    review_id = fields.UUIDField(null=True)
    # email
    to_address = fields.CharField(max_length=254, default="")
    subject = fields.CharField(max_length=300, default="")
    body = fields.TextField(default="")
    # A vendor link holds its secret only until the message is delivered, then it is erased.
    secret_link = fields.CharField(max_length=500, default="")
    # webhook
    endpoint: fields.ForeignKeyNullableRelation[WebhookEndpoint] = fields.ForeignKeyField(
        "models.WebhookEndpoint", related_name="deliveries", null=True, on_delete=fields.RESTRICT
    )
    endpoint_id: str | None
    payload: dict[str, Any] = fields.JSONField(default=dict)
    # delivery
    status = fields.CharEnumField(DeliveryStatus, max_length=10, default=DeliveryStatus.pending)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    lease_until = fields.DatetimeField(null=True)
    claim_token = fields.CharField(max_length=32, default="")
    last_error = fields.TextField(default="")
    last_status_code = fields.IntField(null=True)
    attempt_log: list[dict[str, Any]] = fields.JSONField(default=list)
    sent_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "notification"
        # The retry sweep reads rows waiting for an attempt, oldest first; the delivery lists
        # read one endpoint's, one organization's emails or one review's, newest first.
        indexes = (
            ("status", "next_attempt_at"),
            ("endpoint_id", "created_at"),
            ("organization_id", "channel", "created_at"),
            ("review_id", "created_at"),
        )
