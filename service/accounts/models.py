"""Organizations (tenants), their users and API tokens."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from tortoise import fields
from tortoise.models import Model


class Organization(Model):
    id = fields.UUIDField(primary_key=True, default=uuid4)
    name = fields.CharField(max_length=200)
    policy_profile = fields.CharField(max_length=100, default="base")
    jurisdiction_court = fields.CharField(max_length=100, default="")
    # The operator organization created at first start; its admins may create organizations.
    is_operator = fields.BooleanField(default=False)
    # No API token of the organization lives longer (a lower value shortens existing ones too).
    max_token_lifetime_days = fields.IntField(default=365)
    # service.accounts.duties.SeparationOfDuties: only the rules set differently from the default.
    separation_of_duties: dict[str, Any] = fields.JSONField(default=dict)
    engagement_counter = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "organization"


class User(Model):
    id = fields.UUIDField(primary_key=True, default=uuid4)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="users", on_delete=fields.RESTRICT
    )
    organization_id: str
    name = fields.CharField(max_length=200)
    email = fields.CharField(max_length=254)
    roles: list[str] = fields.JSONField(default=list)
    # person | service: a service account exists only behind one service token, and is nobody.
    kind = fields.CharField(max_length=16, default="person")
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "app_user"
        unique_together = (("organization", "email"),)


class ApiToken(Model):
    id = fields.UUIDField(primary_key=True, default=uuid4)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="api_tokens", on_delete=fields.RESTRICT
    )
    organization_id: str
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="api_tokens", on_delete=fields.RESTRICT
    )
    user_id: str
    # personal: minted by its owner (or from the console); service: made by an admin, owned by a
    # service account of its own with the roles chosen then.
    kind = fields.CharField(max_length=16, default="personal")
    name = fields.CharField(max_length=100)
    # SHA-256 of the secret; the secret itself is shown once and never stored.
    token_hash = fields.CharField(max_length=64, unique=True)
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "api_token"
