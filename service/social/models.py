"""Official social-media accounts: the registry, its re-verification runs and what follows them.

Durable intent lives here: a verification run is a row unique by its dedupe key (account, trigger
and the date or event that caused it), claimed by one worker with a conditional UPDATE; an
attestation link is stored only as the SHA-256 of its secret; a follow-up task is unique by its
dedupe key too, so two schedulers or a job sent twice never open a second one.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from uuid import uuid4

from tortoise import fields
from tortoise.models import Model

from service.accounts.models import Organization, User
from service.engagements.models import Engagement
from service.vendors.models import Vendor

DEFAULT_INTERVAL_MONTHS = 6
DEFAULT_DORMANCY_DAYS = 180
DEFAULT_ATTESTATION_TTL_DAYS = 14


class Platform(StrEnum):
    x = "x"
    facebook = "facebook"
    instagram = "instagram"
    youtube = "youtube"
    line = "line"
    tiktok = "tiktok"
    threads = "threads"
    note = "note"
    other = "other"


class AccountStatus(StrEnum):
    active = "active"
    dormant = "dormant"  # 休眠: kept, not posting
    suspended = "suspended"  # 停止
    closed = "closed"  # 削除・閉鎖
    compromised = "compromised"  # 乗っ取り: a hijack was reported and is not resolved


class LoginIdentifierType(StrEnum):
    organizational = "organizational"  # an organizational mailbox or number
    personal = "personal"  # a staff member's own address or phone (not allowed by SNS-03)


class RunTrigger(StrEnum):
    scheduled = "scheduled"
    owner_change = "owner_change"
    incident = "incident"  # after a hijack was resolved
    dormancy = "dormancy"
    manual = "manual"


class RunStatus(StrEnum):
    pending = "pending"  # waiting for a worker
    running = "running"  # claimed by a worker until claimed_until
    awaiting_attestation = "awaiting_attestation"  # checks done, the owner's link is out
    passed = "passed"
    failed = "failed"
    # Nothing left to verify: the account was closed or hijacked meanwhile, or a newer owner's
    # run replaced this one (its link no longer works).
    cancelled = "cancelled"


class TaskStatus(StrEnum):
    open = "open"
    closed = "closed"


class IncidentStatus(StrEnum):
    open = "open"
    recovered = "recovered"


# Per-organization settings (a comment, not a docstring: it would become the table comment).
class SocialSettings(Model):
    id = fields.UUIDField(primary_key=True, default=uuid4)
    organization: fields.OneToOneRelation[Organization] = fields.OneToOneField(
        "models.Organization", related_name="social_settings", on_delete=fields.RESTRICT
    )
    organization_id: str
    reverification_interval_months = fields.IntField(default=DEFAULT_INTERVAL_MONTHS)
    dormancy_days = fields.IntField(default=DEFAULT_DORMANCY_DAYS)
    attestation_ttl_days = fields.IntField(default=DEFAULT_ATTESTATION_TTL_DAYS)
    public_list_enabled = fields.BooleanField(default=False)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "social_settings"


class SocialAccount(Model):
    id = fields.UUIDField(primary_key=True, default=uuid4)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="social_accounts", on_delete=fields.RESTRICT
    )
    organization_id: str
    platform = fields.CharEnumField(Platform, max_length=20, description="Platform")
    handle = fields.CharField(max_length=200)
    url = fields.CharField(max_length=2000)
    # The platform's own id stays the same when the handle is renamed.
    platform_account_id = fields.CharField(max_length=200)
    purpose = fields.TextField(default="")
    allowed_content_categories: list[str] = fields.JSONField(default=list)
    allowed_content_text = fields.TextField(default="")
    owning_department = fields.CharField(max_length=200)
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="social_accounts_owned", on_delete=fields.RESTRICT
    )
    owner_id: str
    deputy: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="social_accounts_deputy", null=True, on_delete=fields.RESTRICT
    )
    deputy_id: str | None
    outsourced = fields.BooleanField(default=False)
    operator_vendor: fields.ForeignKeyNullableRelation[Vendor] = fields.ForeignKeyField(
        "models.Vendor", related_name="social_accounts", null=True, on_delete=fields.RESTRICT
    )
    operator_vendor_id: str | None
    operator_engagement: fields.ForeignKeyNullableRelation[Engagement] = fields.ForeignKeyField(
        "models.Engagement", related_name="social_accounts", null=True, on_delete=fields.RESTRICT
    )
    operator_engagement_id: str | None
    login_identifier_type = fields.CharEnumField(
        LoginIdentifierType,
        max_length=20,
        default=LoginIdentifierType.organizational,
        description="LoginIdentifierType",
    )
    mfa_enabled = fields.BooleanField(default=False)
    mfa_method = fields.CharField(max_length=50, default="")
    credential_custodian = fields.CharField(max_length=200, default="")
    recovery_contacts_org_owned = fields.BooleanField(default=False)
    listing_page_url = fields.CharField(max_length=2000, default="")
    profile_names_org = fields.BooleanField(default=False)
    a2_use = fields.BooleanField(default=False)
    mirror_page_url = fields.CharField(max_length=2000, default="")
    procedure_doc_ref = fields.CharField(max_length=500, default="")
    hijack_runbook_ref = fields.CharField(max_length=500, default="")
    status = fields.CharEnumField(
        AccountStatus, max_length=20, default=AccountStatus.active, description="AccountStatus"
    )
    last_post_on = fields.DateField(null=True)
    tos_reviewed_on = fields.DateField(null=True)
    # What the owner last confirmed by attestation (SNS-04), and when.
    posts_within_scope_attested = fields.BooleanField(default=False)
    last_attested_at = fields.DatetimeField(null=True)
    next_verification_due = fields.DateField()
    last_verified_at = fields.DatetimeField(null=True)
    last_run_status = fields.CharField(max_length=30, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "social_account"
        unique_together = (("organization", "platform", "platform_account_id"),)
        indexes = (("status", "next_verification_due"),)


class HandleChange(Model):
    id = fields.UUIDField(primary_key=True, default=uuid4)
    account: fields.ForeignKeyRelation[SocialAccount] = fields.ForeignKeyField(
        "models.SocialAccount", related_name="handle_changes", on_delete=fields.RESTRICT
    )
    account_id: str
    old_handle = fields.CharField(max_length=200)
    new_handle = fields.CharField(max_length=200)
    old_url = fields.CharField(max_length=2000)
    new_url = fields.CharField(max_length=2000)
    changed_by = fields.CharField(max_length=200)
    changed_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "social_handle_change"


class VerificationRun(Model):
    id = fields.UUIDField(primary_key=True, default=uuid4)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="social_runs", on_delete=fields.RESTRICT
    )
    organization_id: str
    account: fields.ForeignKeyRelation[SocialAccount] = fields.ForeignKeyField(
        "models.SocialAccount", related_name="runs", on_delete=fields.RESTRICT
    )
    account_id: str
    trigger = fields.CharEnumField(RunTrigger, max_length=20, description="RunTrigger")
    # e.g. scheduled:<account>:<due date>: the same cause never makes a second run.
    dedupe_key = fields.CharField(max_length=200, unique=True)
    status = fields.CharEnumField(
        RunStatus, max_length=30, default=RunStatus.pending, description="RunStatus"
    )
    claimed_until = fields.DatetimeField(null=True)
    # Each automatic check's result with its evidence (ProbeResult.as_evidence()).
    checks: list[dict[str, Any]] = fields.JSONField(default=list)
    attestation: dict[str, Any] = fields.JSONField(default=dict)
    findings: list[dict[str, Any]] = fields.JSONField(default=list)
    failure_reasons: list[dict[str, str]] = fields.JSONField(default=list)
    profile_id = fields.CharField(max_length=100, default="")
    profile_version = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    checked_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "social_verification_run"
        indexes = (("status", "claimed_until"),)


class Attestation(Model):
    id = fields.UUIDField(primary_key=True, default=uuid4)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="social_attestations", on_delete=fields.RESTRICT
    )
    organization_id: str
    run: fields.ForeignKeyRelation[VerificationRun] = fields.ForeignKeyField(
        "models.VerificationRun", related_name="attestations", on_delete=fields.RESTRICT
    )
    run_id: str
    owner: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="social_attestations", on_delete=fields.RESTRICT
    )
    owner_id: str
    # SHA-256 of the link secret; the secret is only in the email.
    token_hash = fields.CharField(max_length=64, unique=True)
    csrf_token = fields.CharField(max_length=64)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    answers: dict[str, Any] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "social_attestation"


class FollowUpTask(Model):
    id = fields.UUIDField(primary_key=True, default=uuid4)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="social_tasks", on_delete=fields.RESTRICT
    )
    organization_id: str
    account: fields.ForeignKeyRelation[SocialAccount] = fields.ForeignKeyField(
        "models.SocialAccount", related_name="tasks", on_delete=fields.RESTRICT
    )
    account_id: str
    kind = fields.CharField(max_length=40)  # verification_failed | compromised
    dedupe_key = fields.CharField(max_length=200, unique=True)
    title_ja = fields.CharField(max_length=300)
    title_en = fields.CharField(max_length=300)
    reasons: list[dict[str, str]] = fields.JSONField(default=list)
    run_id = fields.CharField(max_length=64, default="")
    status = fields.CharEnumField(
        TaskStatus, max_length=10, default=TaskStatus.open, description="TaskStatus"
    )
    closed_at = fields.DatetimeField(null=True)
    closed_by = fields.CharField(max_length=200, default="")
    resolution = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "social_task"
        indexes = (("organization_id", "status"),)


class Incident(Model):
    id = fields.UUIDField(primary_key=True, default=uuid4)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="social_incidents", on_delete=fields.RESTRICT
    )
    organization_id: str
    account: fields.ForeignKeyRelation[SocialAccount] = fields.ForeignKeyField(
        "models.SocialAccount", related_name="incidents", on_delete=fields.RESTRICT
    )
    account_id: str
    description = fields.TextField()
    reported_by = fields.CharField(max_length=200)
    status = fields.CharEnumField(
        IncidentStatus, max_length=12, default=IncidentStatus.open, description="IncidentStatus"
    )
    # The response steps in order: {"step", "at", "by", "note"}.
    steps: list[dict[str, Any]] = fields.JSONField(default=list)
    status_before = fields.CharField(max_length=20)
    reported_at = fields.DatetimeField(auto_now_add=True)
    recovered_at = fields.DatetimeField(null=True)

    class Meta:
        table = "social_incident"
