"""Vendor invitations (link tokens) and the answers given through them."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from tortoise import fields
from tortoise.models import Model

from service.accounts.models import Organization, User
from service.reviews.models import Review


class Invitation(Model):
    id = fields.UUIDField(primary_key=True, default=uuid4)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="invitations", on_delete=fields.RESTRICT
    )
    organization_id: str
    review: fields.ForeignKeyRelation[Review] = fields.ForeignKeyField(
        "models.Review", related_name="invitations", on_delete=fields.RESTRICT
    )
    review_id: str
    email = fields.CharField(max_length=254, default="")
    # SHA-256 of the link secret; the secret is returned once, in the link.
    token_hash = fields.CharField(max_length=64, unique=True)
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)
    created_by: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="invitations_created", on_delete=fields.RESTRICT
    )
    created_by_id: str
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "invitation"


class AnswerSet(Model):
    id = fields.UUIDField(primary_key=True, default=uuid4)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="answer_sets", on_delete=fields.RESTRICT
    )
    organization_id: str
    review: fields.OneToOneRelation[Review] = fields.OneToOneField(
        "models.Review", related_name="answer_set", on_delete=fields.RESTRICT
    )
    review_id: str
    form_id = fields.CharField(max_length=100)
    form_version = fields.IntField()
    answers: dict[str, Any] = fields.JSONField(default=dict)
    submitted_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "answer_set"
