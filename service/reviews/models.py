"""Review rounds of an engagement."""

from __future__ import annotations

from uuid import uuid4

from tortoise import fields
from tortoise.models import Model

from service.accounts.models import Organization, User
from service.engagements.models import Engagement
from service.reviews.states import ReviewStatus


class Review(Model):
    id = fields.UUIDField(primary_key=True, default=uuid4)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="reviews", on_delete=fields.RESTRICT
    )
    organization_id: str
    engagement: fields.ForeignKeyRelation[Engagement] = fields.ForeignKeyField(
        "models.Engagement", related_name="reviews", on_delete=fields.RESTRICT
    )
    engagement_id: str
    round = fields.IntField()
    status = fields.CharEnumField(ReviewStatus, max_length=32, default=ReviewStatus.open)
    form_id = fields.CharField(max_length=100)
    form_version = fields.IntField()
    profile_id = fields.CharField(max_length=100)
    profile_version = fields.IntField(null=True)
    decision_reason = fields.TextField(default="")
    conditions: list[str] = fields.JSONField(default=list)
    decided_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="decisions", null=True, on_delete=fields.RESTRICT
    )
    decided_by_id: str | None
    decided_at = fields.DatetimeField(null=True)
    submitted_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "review"
        unique_together = (("engagement", "round"),)
