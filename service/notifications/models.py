"""Calendar feed tokens of organizations (the outbox and webhook endpoints: outbox/models.py)."""

from __future__ import annotations

from uuid import uuid4

from tortoise import fields
from tortoise.models import Model

from service.accounts.models import Organization


# The secret address of the due-date calendar of an organization (one live token at a time).
# (Comments, not docstrings: Tortoise would turn a docstring into a table comment.)
class CalendarFeed(Model):
    id = fields.UUIDField(primary_key=True, default=uuid4)
    organization: fields.OneToOneRelation[Organization] = fields.OneToOneField(
        "models.Organization", related_name="calendar_feed", on_delete=fields.RESTRICT
    )
    organization_id: str
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "calendar_feed"
