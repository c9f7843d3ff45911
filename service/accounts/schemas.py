"""What the accounts API accepts and returns."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, EmailStr, Field, JsonValue

from service.accounts.duties import SeparationOfDuties, SeparationOfDutiesUpdate
from service.accounts.roles import SERVICE_TOKEN_ROLES, Role
from service.request_model import RequestModel

SERVICE_TOKEN_ROLE_NAMES: list[JsonValue] = [r.value for r in sorted(SERVICE_TOKEN_ROLES)]
LIFETIME = (
    "the longest an API token of the organization may live, in days; lowering it shortens "
    "existing tokens too / APIトークンの最長有効日数"
)


# Settings another domain owns, each at its own endpoint (issue #13): a body that still names one
# is refused (422) with the way there.
MOVED_SETTINGS = {
    "contract_settings": "moved: set with PATCH /api/organizations/{id}/contract-settings / "
    "契約書の団体設定は PATCH /api/organizations/{id}/contract-settings で変更します",
    "review_interval_months": "moved: set standard_interval_months with PATCH "
    "/api/organizations/{id}/review-cadence / 再審査の標準間隔は PATCH "
    "/api/organizations/{id}/review-cadence の standard_interval_months で変更します",
}


class OrganizationCreate(RequestModel):
    moved_fields = MOVED_SETTINGS
    name: str = Field(min_length=1, max_length=200)
    policy_profile: str = Field(
        default="base",
        min_length=1,
        max_length=100,
        description="id of a loaded policy profile (422 otherwise)",
    )
    jurisdiction_court: str = Field(min_length=1, max_length=100)
    max_token_lifetime_days: int = Field(default=365, ge=1, le=3650, description=LIFETIME)
    separation_of_duties: SeparationOfDuties = Field(default_factory=SeparationOfDuties)


class OrganizationUpdate(RequestModel):
    moved_fields = MOVED_SETTINGS
    name: str | None = Field(default=None, min_length=1, max_length=200)
    policy_profile: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="id of a loaded policy profile (422 otherwise)",
    )
    jurisdiction_court: str | None = Field(default=None, min_length=1, max_length=100)
    max_token_lifetime_days: int | None = Field(default=None, ge=1, le=3650, description=LIFETIME)
    separation_of_duties: SeparationOfDutiesUpdate | None = Field(
        default=None, description="only the rules named change"
    )


class OrganizationOut(BaseModel):
    id: UUID
    name: str
    policy_profile: str
    jurisdiction_court: str
    max_token_lifetime_days: int
    separation_of_duties: SeparationOfDuties
    created_at: datetime


class UserCreate(RequestModel):
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    roles: list[Role] = Field(min_length=1)


class UserOut(BaseModel):
    id: UUID
    organization_id: UUID
    name: str
    email: str
    roles: list[Role]
    kind: Literal["person", "service"] = Field(
        description="service: the account behind one service token, not a person"
    )
    active: bool
    created_at: datetime


EXPIRES = (
    "lifetime in days (default VETTING_API_TOKEN_TTL_DAYS), at most the organization's "
    "max_token_lifetime_days / 有効日数"
)


class TokenCreate(RequestModel):
    name: str = Field(min_length=1, max_length=100)
    expires_in_days: int | None = Field(default=None, ge=1, le=3650, description=EXPIRES)


class ServiceTokenCreate(RequestModel):
    name: str = Field(min_length=1, max_length=100, description="the system it is for")
    roles: list[Role] = Field(
        min_length=1,
        description="procurement, legal and/or auditor; fixed for the token's life",
        # The document says what the service enforces (422 `service_token_roles` otherwise).
        json_schema_extra={"items": {"type": "string", "enum": SERVICE_TOKEN_ROLE_NAMES}},
    )
    expires_in_days: int | None = Field(default=None, ge=1, le=3650, description=EXPIRES)


class TokenOut(BaseModel):
    id: UUID
    kind: Literal["personal", "service"] = Field(
        description="personal: a person's, minted by that person; service: made by an admin for "
        "a system, acting with its own roles / 個人用・サービス用"
    )
    user_id: UUID = Field(description="the owner: the person, or the service token's account")
    user_name: str
    roles: list[Role] = Field(description="what the token may do: its owner's roles")
    name: str
    expires_at: datetime
    revoked_at: datetime | None
    created_at: datetime


class TokenCreated(TokenOut):
    token: str = Field(
        description="The secret; shown only in this response. 一度だけ表示されます。"
    )


class MeOut(BaseModel):
    user: UserOut
    organization: OrganizationOut
