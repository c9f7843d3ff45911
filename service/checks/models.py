"""Verdicts: one per requirement of the policy profile, per review."""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from uuid import uuid4

from tortoise import fields
from tortoise.models import Model

from service.accounts.models import Organization, User
from service.reviews.models import Review


class Outcome(StrEnum):
    passed = "pass"
    failed = "fail"
    needs_review = "needs_review"
    not_applicable = "not_applicable"


class Verdict(Model):
    id = fields.UUIDField(primary_key=True, default=uuid4)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="verdicts", on_delete=fields.RESTRICT
    )
    organization_id: str
    review: fields.ForeignKeyRelation[Review] = fields.ForeignKeyField(
        "models.Review", related_name="verdicts", on_delete=fields.RESTRICT
    )
    review_id: str
    requirement_id = fields.CharField(max_length=64)
    profile_id = fields.CharField(max_length=100)
    # The version this verdict was made under. The review's verdicts as a set stand under
    # Review.profile_version: re-evaluation carries a verdict that says the same under a newer
    # version over unchanged (see checks/reevaluation.py), so this may be older.
    profile_version = fields.IntField()
    outcome = fields.CharEnumField(Outcome, max_length=20, description="Outcome")
    severity = fields.CharField(max_length=10)
    on_fail = fields.CharField(max_length=10)
    reason: dict[str, str] = fields.JSONField(default=dict)
    sources: list[dict[str, str]] = fields.JSONField(default=list)
    inputs: dict[str, Any] = fields.JSONField(default=dict)
    override_outcome = fields.CharEnumField(
        Outcome, max_length=20, null=True, description="Outcome"
    )
    override_reason = fields.TextField(default="")
    overridden_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="overrides", null=True, on_delete=fields.RESTRICT
    )
    overridden_by_id: str | None
    overridden_at = fields.DatetimeField(null=True)
    evaluated_at = fields.DatetimeField(auto_now=True)
    # A digest of what the verdict says (outcome, reason, inputs, severity, on_fail, sources):
    # re-evaluation rewrites only the rows whose digest changed.
    fingerprint = fields.CharField(max_length=32, default="")

    class Meta:
        table = "verdict"
        unique_together = (("review", "requirement_id"),)

    @property
    def effective_outcome(self) -> Outcome:
        return self.override_outcome or self.outcome


class EvaluationTrigger(StrEnum):
    submitted = "submitted"  # the vendor submitted: the first evaluation of the answers
    reevaluation = "reevaluation"  # a newer profile version (the re-evaluation batch)


class Evaluation(Model):
    """One evaluation of a review: under which profile version, why, and what changed.

    `applied` evaluations are the review's current verdicts (the Verdict rows). A decided
    review's decision rests on the verdicts it had, so re-evaluating it on request leaves those
    alone and keeps the new findings here only (`applied` false, `findings` filled).
    """

    id = fields.UUIDField(primary_key=True, default=uuid4)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="evaluations", on_delete=fields.RESTRICT
    )
    organization_id: str
    review: fields.ForeignKeyRelation[Review] = fields.ForeignKeyField(
        "models.Review", related_name="evaluations", on_delete=fields.RESTRICT
    )
    review_id: str
    trigger = fields.CharEnumField(EvaluationTrigger, max_length=20, description="Trigger")
    run_id = fields.UUIDField(null=True, db_index=True)  # one re-evaluation batch
    profile_id = fields.CharField(max_length=100)
    profile_version = fields.IntField()
    previous_profile_version = fields.IntField(null=True)
    review_status = fields.CharField(max_length=32)  # the status when evaluated (unchanged by it)
    applied = fields.BooleanField(default=True)
    counts: dict[str, int] = fields.JSONField(default=dict)  # outcome -> number of verdicts
    # [{"requirement_id", "change": added | removed | outcome_changed, "from", "to",
    #   "override_dropped"}] against the verdicts the review had before.
    changes: list[dict[str, Any]] = fields.JSONField(default=list)
    findings: list[dict[str, Any]] = fields.JSONField(default=list)  # only when not applied
    ismap_snapshot_id = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "evaluation"
        # A review's evaluations, and "was this decided review recorded under that version?"
        indexes = (("review_id", "profile_id", "profile_version"),)
