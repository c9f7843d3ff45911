"""Vendor portal sessions: what a link is exchanged for on its first open."""

from __future__ import annotations

from uuid import uuid4

from tortoise import fields
from tortoise.models import Model

from service.accounts.models import Organization
from service.questionnaire.models import Invitation


class PortalSession(Model):
    id = fields.UUIDField(primary_key=True, default=uuid4)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="portal_sessions", on_delete=fields.RESTRICT
    )
    organization_id: str
    # The session lives only as long as its invitation: revoking or expiring the link ends it.
    invitation: fields.ForeignKeyRelation[Invitation] = fields.ForeignKeyField(
        "models.Invitation", related_name="portal_sessions", on_delete=fields.RESTRICT
    )
    invitation_id: str
    # SHA-256 of the cookie's secret; the secret itself is only in the vendor's browser.
    token_hash = fields.CharField(max_length=64, unique=True)
    # Synchroniser token for every form POST of this session.
    csrf_token = fields.CharField(max_length=64)
    language = fields.CharField(max_length=2, default="ja")
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    ended_at = fields.DatetimeField(null=True)

    class Meta:
        table = "portal_session"
