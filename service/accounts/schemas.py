"""What the accounts API accepts and returns."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, EmailStr, Field

from service.accounts.roles import Role
from service.contracts.settings import ContractSettings
from service.request_model import RequestModel


class OrganizationCreate(RequestModel):
    name: str = Field(min_length=1, max_length=200)
    policy_profile: str = Field(
        default="base",
        min_length=1,
        max_length=100,
        description="id of a loaded policy profile (422 otherwise)",
    )
    review_interval_months: int = Field(default=12, ge=1, le=60)
    jurisdiction_court: str = Field(min_length=1, max_length=100)
    contract_settings: ContractSettings = Field(default_factory=ContractSettings)


class OrganizationUpdate(RequestModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    policy_profile: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="id of a loaded policy profile (422 otherwise)",
    )
    review_interval_months: int | None = Field(default=None, ge=1, le=60)
    jurisdiction_court: str | None = Field(default=None, min_length=1, max_length=100)
    contract_settings: ContractSettings | None = Field(
        default=None, description="only the settings named change; null clears one"
    )


class OrganizationOut(BaseModel):
    id: UUID
    name: str
    policy_profile: str
    review_interval_months: int
    jurisdiction_court: str
    contract_settings: ContractSettings
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
    active: bool
    created_at: datetime


class TokenCreate(RequestModel):
    name: str = Field(min_length=1, max_length=100)
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


class TokenOut(BaseModel):
    id: UUID
    user_id: UUID
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
