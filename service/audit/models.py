"""Append-only, hash-chained audit events (per organization)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import uuid4

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:  # the audit chain sits under accounts; the relation is named by string
    from service.accounts.models import Organization


class AuditEvent(Model):
    id = fields.UUIDField(primary_key=True, default=uuid4)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="audit_events", on_delete=fields.RESTRICT
    )
    organization_id: str
    seq = fields.IntField()
    at = fields.DatetimeField()
    actor_type = fields.CharField(max_length=10)  # user | vendor | system
    actor_id = fields.CharField(max_length=64, default="")
    actor_label = fields.CharField(max_length=200, default="")
    action = fields.CharField(max_length=64)
    object_type = fields.CharField(max_length=32)
    object_id = fields.CharField(max_length=64)
    # The review an event belongs to, so a review's timeline is one indexed query.
    review_id = fields.CharField(max_length=64, default="", db_index=True)
    data: dict[str, Any] = fields.JSONField(default=dict)
    prev_hash = fields.CharField(max_length=64)
    hash = fields.CharField(max_length=64)

    class Meta:
        table = "audit_event"
        unique_together = (("organization", "seq"),)
        ordering = ("seq",)
