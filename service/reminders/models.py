"""Deadlines of engagements and the reminder rows that lead up to them (durable intent).

A reminder row is unique by (deadline, offset) and a deadline by (engagement, kind, due date), so
planning twice, two schedulers or a re-sent job can never make a second reminder.
"""

from __future__ import annotations

from enum import StrEnum
from uuid import uuid4

from tortoise import fields
from tortoise.models import Model

from service.accounts.models import Organization
from service.engagements.models import Engagement


class DeadlineKind(StrEnum):
    review_due = "review_due"  # 再審査期限
    isms_expiry = "isms_expiry"  # ISMS認証の有効期限
    ismap_expiry = "ismap_expiry"  # ISMAP登録の失効


class DeadlineStatus(StrEnum):
    active = "active"
    met = "met"  # a later review was decided, or a newer certificate date replaced it
    superseded = "superseded"


class ReminderStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    cancelled = "cancelled"  # the deadline was met or replaced before the day came


def default_reminder_offsets() -> list[int]:
    return [60, 30, 7, 0]  # days before the due date; 0 = on the day


# Per-organization re-review settings; the standard interval is in the organization table.
# (Comments, not docstrings: Tortoise would turn a docstring into a table comment.)
class ReviewCadence(Model):
    id = fields.UUIDField(primary_key=True, default=uuid4)
    organization: fields.OneToOneRelation[Organization] = fields.OneToOneField(
        "models.Organization", related_name="review_cadence", on_delete=fields.RESTRICT
    )
    organization_id: str
    standard_interval_months = fields.IntField(default=12, db_default=12)
    sensitive_interval_months = fields.IntField(default=6)
    alignment = fields.CharField(max_length=20, default="none")
    reminder_offsets: list[int] = fields.JSONField(default=default_reminder_offsets)
    escalation_days = fields.IntField(default=7)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "review_cadence"


class Deadline(Model):
    id = fields.UUIDField(primary_key=True, default=uuid4)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="deadlines", on_delete=fields.RESTRICT
    )
    organization_id: str
    engagement: fields.ForeignKeyRelation[Engagement] = fields.ForeignKeyField(
        "models.Engagement", related_name="deadlines", on_delete=fields.RESTRICT
    )
    engagement_id: str
    kind = fields.CharEnumField(DeadlineKind, max_length=20)
    due_date = fields.DateField()
    status = fields.CharEnumField(DeadlineStatus, max_length=12, default=DeadlineStatus.active)
    # Where the date came from: the review that set it, or an answer, or the ISMAP list.
    review_id = fields.CharField(max_length=64, default="")
    source = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "deadline"
        unique_together = (("engagement", "kind", "due_date"),)
        indexes = (("organization_id", "status", "due_date"),)


class Reminder(Model):
    id = fields.UUIDField(primary_key=True, default=uuid4)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="reminders", on_delete=fields.RESTRICT
    )
    organization_id: str
    deadline: fields.ForeignKeyRelation[Deadline] = fields.ForeignKeyField(
        "models.Deadline", related_name="reminders", on_delete=fields.RESTRICT
    )
    deadline_id: str
    # Days before the deadline; 0 = on the day; negative = an escalation that many days late.
    offset_days = fields.IntField()
    send_on = fields.DateField()
    status = fields.CharEnumField(ReminderStatus, max_length=12, default=ReminderStatus.pending)
    sent_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "reminder"
        unique_together = (("deadline", "offset_days"),)
        # The due sweep reads only pending rows up to today: cost grows with what is due.
        indexes = (("status", "send_on"),)
