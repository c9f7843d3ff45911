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
    # Set when a re-review round started from the previous round's answers.
    prefilled_from_round = fields.IntField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "answer_set"


class Clarification(Model):
    """The reviewer asks the vendor to look again at some answers, answered by a new submission."""

    id = fields.UUIDField(primary_key=True, default=uuid4)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="clarifications", on_delete=fields.RESTRICT
    )
    organization_id: str
    review: fields.ForeignKeyRelation[Review] = fields.ForeignKeyField(
        "models.Review", related_name="clarifications", on_delete=fields.RESTRICT
    )
    review_id: str
    question_ids: list[str] = fields.JSONField(default=list)
    message = fields.TextField()
    requested_by: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="clarifications_requested", on_delete=fields.RESTRICT
    )
    requested_by_id: str
    requested_at = fields.DatetimeField(auto_now_add=True)
    answered_at = fields.DatetimeField(null=True)

    class Meta:
        table = "clarification"


class Submission(Model):
    """One submission of the answers, locked as given (the first, and one per clarification)."""

    id = fields.UUIDField(primary_key=True, default=uuid4)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="submissions", on_delete=fields.RESTRICT
    )
    organization_id: str
    review: fields.ForeignKeyRelation[Review] = fields.ForeignKeyField(
        "models.Review", related_name="submissions", on_delete=fields.RESTRICT
    )
    review_id: str
    number = fields.IntField()  # 1 for the first submission of the round
    receipt_number = fields.CharField(max_length=40, unique=True)  # 受付番号
    form_id = fields.CharField(max_length=100)
    form_version = fields.IntField()
    answers: dict[str, Any] = fields.JSONField(default=dict)
    clarification: fields.ForeignKeyNullableRelation[Clarification] = fields.ForeignKeyField(
        "models.Clarification", related_name="submissions", null=True, on_delete=fields.RESTRICT
    )
    clarification_id: str | None
    submitted_at = fields.DatetimeField()

    class Meta:
        table = "submission"
        unique_together = (("review", "number"),)
