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
    # Enum fields get a fixed description: Tortoise would otherwise derive one from the members,
    # turning every new status into a migration (a table rebuild on SQLite).
    status = fields.CharEnumField(
        ReviewStatus, max_length=32, default=ReviewStatus.open, description="ReviewStatus"
    )
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


class ApprovalRecord(Model):
    """One signed step of a review's approval chain.

    (review, position) is unique, so two people signing the same step at once give one success
    and one conflict. No semicolon in the first line: Tortoise makes it the SQL table comment.
    """

    id = fields.UUIDField(primary_key=True, default=uuid4)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="approval_records", on_delete=fields.RESTRICT
    )
    organization_id: str
    review: fields.ForeignKeyRelation[Review] = fields.ForeignKeyField(
        "models.Review", related_name="approval_records", on_delete=fields.RESTRICT
    )
    review_id: str
    position = fields.IntField()
    role = fields.CharField(max_length=20)
    title: dict[str, str] = fields.JSONField(default=dict)
    decision = fields.CharField(max_length=30)  # approve | approve_with_conditions | reject
    reason = fields.TextField(default="")
    conditions: list[str] = fields.JSONField(default=list)
    decided_by: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="approval_records", on_delete=fields.RESTRICT
    )
    decided_by_id: str
    decided_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "approval_record"
        unique_together = (("review", "position"),)
