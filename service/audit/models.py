"""Append-only, hash-chained audit events (per organization)."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from tortoise import fields
from tortoise.models import Model

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
    # HMAC-SHA256 under the audit key named by key_id; events from before the chain was keyed
    # have key_id "" and a plain SHA-256 (service.audit.chain).
    hash = fields.CharField(max_length=64)
    key_id = fields.CharField(max_length=16, default="")

    class Meta:
        table = "audit_event"
        unique_together = (("organization", "seq"),)
        ordering = ("seq",)


# The head of an organization's chain: its row lock orders the writers of one organization, and
# it is taken only as the last step of a transaction (service.audit.service.append_events), so no
# writer holding it ever waits for another lock. Made on the first append; the events, not this
# row, are what verification trusts. (Comments, not docstrings: Tortoise would turn a docstring
# into a table comment.)
class AuditChainHead(Model):
    id = fields.UUIDField(primary_key=True, default=uuid4)
    organization: fields.OneToOneRelation[Organization] = fields.OneToOneField(
        "models.Organization", related_name="audit_chain_head", on_delete=fields.RESTRICT
    )
    organization_id: str
    seq = fields.IntField(default=0)
    hash = fields.CharField(max_length=64)

    class Meta:
        table = "audit_chain_head"


# Where an organization wants its chain's checkpoints sent, besides its webhooks that take the
# `audit.checkpoint` event.
class AuditSettings(Model):
    id = fields.UUIDField(primary_key=True, default=uuid4)
    organization: fields.OneToOneRelation[Organization] = fields.OneToOneField(
        "models.Organization", related_name="audit_settings", on_delete=fields.RESTRICT
    )
    organization_id: str
    checkpoint_email = fields.CharField(max_length=254, default="")
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "audit_settings"
