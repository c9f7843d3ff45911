"""What the sign-in API accepts and returns."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field

from service.accounts.roles import Role
from service.request_model import RequestModel


class PasswordSetupIssued(BaseModel):
    user_id: UUID
    sent_to: str = Field(description="The address the set-up link was mailed to")
    expires_at: datetime


class UnlockOut(BaseModel):
    user_id: UUID
    was_locked: bool


class SignInPolicyIn(RequestModel):
    mfa_required_roles: list[Role] = Field(
        description="Users holding any of these roles must use a second factor (TOTP)"
    )


class SignInPolicyOut(BaseModel):
    organization_id: UUID
    mfa_required_roles: list[Role]
