"""Accounts API: organizations, users, tokens."""

from __future__ import annotations

from uuid import UUID

from service.accounts import service, tokens
from service.accounts.models import ApiToken, Organization, User
from service.accounts.principal import Principal
from service.accounts.roles import Role
from service.accounts.schemas import (
    MeOut,
    OrganizationCreate,
    OrganizationOut,
    OrganizationUpdate,
    ServiceTokenCreate,
    TokenCreate,
    TokenCreated,
    TokenOut,
    UserCreate,
    UserOut,
)
from service.routing import endpoint

ADMIN = {Role.admin}
TAG = "accounts"


def organization_out(organization: Organization) -> OrganizationOut:
    return OrganizationOut.model_validate(organization, from_attributes=True)


def user_out(user: User) -> UserOut:
    return UserOut.model_validate(user, from_attributes=True)


def token_out(token: ApiToken, owner: User, organization: Organization) -> TokenOut:
    return TokenOut(
        id=token.id,
        kind=token.kind,
        user_id=owner.id,
        user_name=owner.name,
        roles=[Role(r) for r in owner.roles],
        name=token.name,
        expires_at=tokens.effective_expiry(token, organization),
        revoked_at=token.revoked_at,
        created_at=token.created_at,
    )


async def issued_out(issued: tokens.IssuedToken) -> TokenCreated:
    token = issued.token
    owner = await User.get(id=token.user_id)
    organization = await Organization.get(id=token.organization_id)
    return TokenCreated(**token_out(token, owner, organization).model_dump(), token=issued.secret)


@endpoint("GET", "/api/me", summary="The caller / 自分の情報", tag=TAG)
async def get_me(principal: Principal) -> MeOut:
    user = await service.get_user(principal, principal.user_id)
    organization = await service.get_organization(principal, principal.organization_id)
    return MeOut(user=user_out(user), organization=organization_out(organization))


@endpoint(
    "POST",
    "/api/organizations",
    summary="Create an organization / 団体を作成",
    tag=TAG,
    status=201,
    roles=ADMIN,
    operator_only=True,
)
async def create_organization(principal: Principal, body: OrganizationCreate) -> OrganizationOut:
    return organization_out(await service.create_organization(principal=principal, data=body))


@endpoint("GET", "/api/organizations", summary="Organizations visible to the caller", tag=TAG)
async def list_organizations(principal: Principal) -> list[OrganizationOut]:
    return [organization_out(o) for o in await service.list_organizations(principal)]


@endpoint("GET", "/api/organizations/{organization_id}", summary="One organization", tag=TAG)
async def get_organization(principal: Principal, organization_id: UUID) -> OrganizationOut:
    return organization_out(await service.get_organization(principal, str(organization_id)))


@endpoint(
    "PATCH",
    "/api/organizations/{organization_id}",
    summary="Change organization settings / 団体設定の変更",
    tag=TAG,
    roles=ADMIN,
)
async def update_organization(
    principal: Principal, organization_id: UUID, body: OrganizationUpdate
) -> OrganizationOut:
    organization = await service.update_organization(
        principal=principal, organization_id=str(organization_id), data=body
    )
    return organization_out(organization)


@endpoint(
    "POST",
    "/api/organizations/{organization_id}/users",
    summary="Create a user with roles / 利用者を作成",
    tag=TAG,
    status=201,
    roles=ADMIN,
)
async def create_user(principal: Principal, organization_id: UUID, body: UserCreate) -> UserOut:
    user = await service.create_user(
        principal=principal, organization_id=str(organization_id), data=body
    )
    return user_out(user)


@endpoint("GET", "/api/users", summary="Users of the caller's organization", tag=TAG)
async def list_users(principal: Principal) -> list[UserOut]:
    return [user_out(u) for u in await service.list_users(principal)]


@endpoint(
    "POST",
    "/api/users/{user_id}/tokens",
    summary="Mint one's own API token (shown once); 403 for another user / 本人のAPIトークン発行",
    tag=TAG,
    status=201,
    roles=frozenset(),  # no role mints a token for another user
    also="the user themselves / 本人",
)
async def create_token(principal: Principal, user_id: UUID, body: TokenCreate) -> TokenCreated:
    issued = await tokens.create_personal_token(
        principal=principal, user_id=str(user_id), data=body
    )
    return await issued_out(issued)


@endpoint(
    "POST",
    "/api/service-tokens",
    summary="Create a service token for a system (shown once) / サービス用トークンの作成",
    tag=TAG,
    status=201,
    roles=ADMIN,
)
async def create_service_token(principal: Principal, body: ServiceTokenCreate) -> TokenCreated:
    return await issued_out(await tokens.create_service_token(principal=principal, data=body))


@endpoint(
    "GET",
    "/api/tokens",
    summary="API tokens: every one of the organization for its admin, else one's own / "
    "トークン一覧",
    tag=TAG,
)
async def list_tokens(principal: Principal) -> list[TokenOut]:
    return [
        token_out(token, token.user, organization)
        for token, organization in await tokens.list_tokens(principal)
    ]


@endpoint(
    "DELETE",
    "/api/tokens/{token_id}",
    summary="Revoke an API token: an admin any of the organization's, anyone else their own "
    "(another user's token is 404 to them) / トークン失効",
    tag=TAG,
)
async def revoke_token(principal: Principal, token_id: UUID) -> None:
    await tokens.revoke_token(principal=principal, token_id=str(token_id))
