"""What the social-media registry API accepts and returns."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from uuid import UUID

from pydantic import BaseModel, Field, field_validator
from pydantic.json_schema import SkipJsonSchema

from service.request_model import RequestModel
from service.social.models import (
    AccountStatus,
    IncidentStatus,
    LoginIdentifierType,
    Platform,
    RunStatus,
    RunTrigger,
    TaskStatus,
)

URL_FIELDS = ("url", "listing_page_url", "mirror_page_url")


def _web_address(value: str | None) -> str | None:
    if value is None or value == "":
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// address")
    return value


class AccountFields(RequestModel):
    """Fields both create and update accept (update: every one optional)."""

    # Absent: the stored value stays (update) or the default below applies (create). Only the
    # fields the database lets be empty take null.
    purpose: str = Field(default="", max_length=2000)
    allowed_content_categories: list[str] = Field(default_factory=list, max_length=30)
    allowed_content_text: str = Field(default="", max_length=4000)
    deputy_id: UUID | None = None
    outsourced: bool = False
    operator_vendor_id: UUID | None = None
    operator_engagement_id: UUID | None = None
    login_identifier_type: LoginIdentifierType = LoginIdentifierType.organizational
    mfa_enabled: bool = False
    mfa_method: str = Field(default="", max_length=50)
    credential_custodian: str = Field(default="", max_length=200)
    recovery_contacts_org_owned: bool = False
    listing_page_url: str = Field(default="", max_length=2000)
    profile_names_org: bool = False
    a2_use: bool = False
    mirror_page_url: str = Field(default="", max_length=2000)
    procedure_doc_ref: str = Field(default="", max_length=500)
    hijack_runbook_ref: str = Field(default="", max_length=500)
    last_post_on: date | None = None
    tos_reviewed_on: date | None = None

    @field_validator("listing_page_url", "mirror_page_url")
    @classmethod
    def _urls(cls, value: str) -> str:
        checked = _web_address(value)
        assert checked is not None
        return checked

    @field_validator("allowed_content_categories")
    @classmethod
    def _categories(cls, value: list[str]) -> list[str]:
        if any(not 1 <= len(item.strip()) <= 50 for item in value):
            raise ValueError("each category is 1 to 50 characters")
        return value


class AccountCreate(AccountFields):
    """owner_id and deputy_id are different active users of the organization; the operating
    vendor and engagement are the organization's (422 otherwise); a platform account is
    registered once (409)."""

    platform: Platform
    handle: str = Field(min_length=1, max_length=200)
    url: str = Field(min_length=1, max_length=2000)
    platform_account_id: str = Field(min_length=1, max_length=200)
    owning_department: str = Field(min_length=1, max_length=200)
    owner_id: UUID
    status: Literal["active", "dormant", "suspended"] = "active"

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        checked = _web_address(value)
        assert checked is not None
        return checked


class AccountUpdate(AccountFields):
    """A handle or URL change keeps the old one in the handle history. Leave a field out to keep
    it; null is refused for every field but deputy_id, operator_vendor_id,
    operator_engagement_id, last_post_on and tos_reviewed_on (null clears those)."""

    # The limits sit on the text itself: on the union they would meet a null and fail (500).
    handle: Annotated[str, Field(min_length=1, max_length=200)] | SkipJsonSchema[None] = None
    url: Annotated[str, Field(min_length=1, max_length=2000)] | SkipJsonSchema[None] = None
    owning_department: (
        Annotated[str, Field(min_length=1, max_length=200)] | SkipJsonSchema[None]
    ) = None
    owner_id: UUID | SkipJsonSchema[None] = None
    # compromised is set by a hijack report only, and left by its recovery.
    status: Literal["active", "dormant", "suspended", "closed"] | SkipJsonSchema[None] = None

    @field_validator("handle", "url", "owning_department", "owner_id", "status")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        # Defaults are not validated, so this sees only a null the caller sent.
        if value is None:
            raise ValueError(
                "cannot be null: leave the field out to keep it / null は指定できません"
            )
        return value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        checked = _web_address(value)
        assert checked is not None
        return checked


class HandleChangeOut(BaseModel):
    old_handle: str
    new_handle: str
    old_url: str
    new_url: str
    changed_by: str
    changed_at: datetime


class AccountOut(BaseModel):
    id: UUID
    platform: Platform
    handle: str
    url: str
    platform_account_id: str
    purpose: str
    allowed_content_categories: list[str]
    allowed_content_text: str
    owning_department: str
    owner_id: UUID
    deputy_id: UUID | None
    outsourced: bool
    operator_vendor_id: UUID | None
    operator_engagement_id: UUID | None
    login_identifier_type: LoginIdentifierType
    mfa_enabled: bool
    mfa_method: str
    credential_custodian: str
    recovery_contacts_org_owned: bool
    listing_page_url: str
    profile_names_org: bool
    a2_use: bool
    mirror_page_url: str
    procedure_doc_ref: str
    hijack_runbook_ref: str
    status: AccountStatus
    last_post_on: date | None
    tos_reviewed_on: date | None
    posts_within_scope_attested: bool
    last_attested_at: datetime | None
    next_verification_due: date
    last_verified_at: datetime | None
    last_run_status: str
    created_at: datetime
    updated_at: datetime
    handle_history: list[HandleChangeOut] = Field(default_factory=list)


class FindingOut(BaseModel):
    requirement_id: str
    title: dict[str, str]
    outcome: str = Field(description="pass / fail / not_applicable / needs_review")
    severity: str
    reason: dict[str, str]
    remediation: dict[str, str] | None = Field(description="only for a failed rule")
    sources: list[dict[str, str]]


class AccountFindingsOut(BaseModel):
    account_id: UUID
    handle: str
    platform: Platform
    profile_id: str
    profile_version: int
    failed: list[str] = Field(description="ids of the rules this account breaks")
    findings: list[FindingOut]


class SettingsOut(BaseModel):
    reverification_interval_months: int
    dormancy_days: int
    attestation_ttl_days: int
    public_list_enabled: bool
    public_page_url: str | None = Field(description="set while the public list is on")


class SettingsUpdate(RequestModel):
    reverification_interval_months: int | None = Field(default=None, ge=1, le=24)
    dormancy_days: int | None = Field(default=None, ge=7, le=3650)
    attestation_ttl_days: int | None = Field(default=None, ge=1, le=90)
    public_list_enabled: bool | None = None


class RunOut(BaseModel):
    id: UUID
    account_id: UUID
    trigger: RunTrigger
    status: RunStatus
    checks: list[dict[str, Any]]
    attestation: dict[str, Any]
    findings: list[dict[str, Any]]
    failure_reasons: list[dict[str, str]]
    profile_id: str
    profile_version: int
    created_at: datetime
    checked_at: datetime | None
    finished_at: datetime | None


class TaskOut(BaseModel):
    id: UUID
    account_id: UUID
    kind: str
    title_ja: str
    title_en: str
    reasons: list[dict[str, str]]
    run_id: str
    status: TaskStatus
    created_at: datetime
    closed_at: datetime | None
    closed_by: str
    resolution: str


class TaskClose(RequestModel):
    resolution: str = Field(min_length=1, max_length=2000)


class TaskQuery(RequestModel):
    status: TaskStatus | None = None


class IncidentCreate(RequestModel):
    description: str = Field(min_length=1, max_length=4000)


IncidentStep = Literal[
    "password_reset",
    "sessions_revoked",
    "platform_contacted",
    "residents_warned",
    "posts_removed",
    "recovered",
    "other",
]


class IncidentStepIn(RequestModel):
    step: IncidentStep
    note: str = Field(default="", max_length=2000)
    at: datetime | None = Field(default=None, description="when it was done; default now")

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("give a time zone (e.g. +09:00)")
        return value


class IncidentOut(BaseModel):
    id: UUID
    account_id: UUID
    description: str
    reported_by: str
    status: IncidentStatus
    steps: list[dict[str, Any]]
    reported_at: datetime
    recovered_at: datetime | None


class OwnerMapping(RequestModel):
    from_user_id: UUID
    to_user_id: UUID


class OwnerReassignment(RequestModel):
    """Both users of each mapping are active users of the organization (422 otherwise)."""

    mappings: list[OwnerMapping] = Field(min_length=1, max_length=500)
    reason: str = Field(default="人事異動", min_length=1, max_length=500)


class ReassignmentOut(BaseModel):
    moved: list[UUID] = Field(description="accounts whose owner changed")
    deputies_moved: list[UUID] = Field(description="accounts whose deputy changed")
    runs_opened: int


class AttestationIn(RequestModel):
    still_responsible: bool
    mfa_still_on: bool
    credentials_held_by_organization: bool
    posts_within_allowed_content: bool
    note: str = Field(default="", max_length=2000)


class AttestationView(BaseModel):
    organization_name: str
    platform: Platform
    handle: str
    url: str
    owner_name: str
    expires_at: datetime
    questions: dict[str, dict[str, str]]


class AttestationResult(BaseModel):
    run_id: UUID
    status: RunStatus
    failure_reasons: list[dict[str, str]]


class PublicAccountOut(BaseModel):
    platform: Platform
    handle: str
    url: str
    owning_department: str
    purpose: str


class PublicListOut(BaseModel):
    organization_name: str
    accounts: list[PublicAccountOut]
