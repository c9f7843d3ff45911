"""Sign-in API for admins: mail a password set-up link, unlock an account, the MFA rule."""

from __future__ import annotations

from uuid import UUID

from service.accounts.principal import Principal
from service.accounts.roles import Role
from service.routing import endpoint
from service.signin import service
from service.signin.schemas import (
    PasswordSetupIssued,
    SignInPolicyIn,
    SignInPolicyOut,
    UnlockOut,
)

ADMIN = {Role.admin}
TAG = "accounts"


@endpoint(
    "POST",
    "/api/users/{user_id}/password-setup",
    summary="Mail a password set-up link / パスワード設定リンクを送信",
    tag=TAG,
    status=201,
    roles=ADMIN,
)
async def issue_password_setup(principal: Principal, user_id: UUID) -> PasswordSetupIssued:
    issued = await service.issue_password_setup(
        principal=principal, user_id=str(user_id), actor=principal.actor
    )
    return PasswordSetupIssued(
        user_id=user_id, sent_to=issued.sent_to, expires_at=issued.link.expires_at
    )


@endpoint(
    "POST",
    "/api/users/{user_id}/unlock",
    summary="Unlock sign-in after repeated failures / ロック解除",
    tag=TAG,
    roles=ADMIN,
)
async def unlock_user(principal: Principal, user_id: UUID) -> UnlockOut:
    was_locked = await service.unlock_user(principal=principal, user_id=str(user_id))
    return UnlockOut(user_id=user_id, was_locked=was_locked)


@endpoint(
    "GET",
    "/api/organizations/{organization_id}/sign-in-policy",
    summary="Sign-in rules: who must use a second factor / サインインの設定",
    tag=TAG,
)
async def get_sign_in_policy(principal: Principal, organization_id: UUID) -> SignInPolicyOut:
    from service.accounts.service import get_organization

    organization = await get_organization(principal, str(organization_id))
    roles = await service.mfa_required_roles(str(organization.id))
    return SignInPolicyOut(organization_id=organization_id, mfa_required_roles=sorted(roles))


@endpoint(
    "PATCH",
    "/api/organizations/{organization_id}/sign-in-policy",
    summary="Change who must use a second factor / 二要素認証を必須とする役割",
    tag=TAG,
    roles=ADMIN,
)
async def update_sign_in_policy(
    principal: Principal, organization_id: UUID, body: SignInPolicyIn
) -> SignInPolicyOut:
    roles = await service.set_mfa_required_roles(
        principal=principal, organization_id=str(organization_id), roles=body.mfa_required_roles
    )
    return SignInPolicyOut(organization_id=organization_id, mfa_required_roles=sorted(roles))
