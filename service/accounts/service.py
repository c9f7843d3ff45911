"""Organizations, users and API tokens: the only writer of these tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.exceptions import IntegrityError

from service.accounts.models import ApiToken, Organization, User
from service.accounts.principal import Principal
from service.accounts.roles import Role
from service.accounts.schemas import (
    OrganizationCreate,
    OrganizationUpdate,
    TokenCreate,
    UserCreate,
)
from service.audit.service import SYSTEM, Actor, record
from service.catalog.loader import current_catalog
from service.config import get_settings
from service.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed
from service.jobs import transaction
from service.tokens import hash_secret, new_secret

TOKEN_PREFIX = "vt_"  # noqa: S105 (a prefix, not a secret)


async def authenticate(authorization: str | None) -> Principal:
    """The principal behind an `Authorization: Bearer …` header, or 401."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Unauthorized("an 'Authorization: Bearer <token>' header is required")
    secret = authorization[7:].strip()
    token = await ApiToken.get_or_none(token_hash=hash_secret(secret)).select_related(
        "user", "organization"
    )
    now = datetime.now(UTC)
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        raise Unauthorized("the API token is unknown, expired or revoked")
    user, organization = token.user, token.organization
    if not user.active:
        raise Unauthorized("the API token's user is deactivated")
    roles = frozenset(Role(r) for r in user.roles)
    return Principal(
        user_id=str(user.id),
        organization_id=str(user.organization_id),
        name=user.name,
        roles=roles,
        is_operator_admin=organization.is_operator and Role.admin in roles,
    )


def _check_profile(profile_id: str) -> None:
    if current_catalog().latest_profile(profile_id) is None:
        raise ValidationFailed(
            f"no policy profile '{profile_id}' in policies/",
            fields={"policy_profile": "unknown policy profile"},
        )


async def get_organization(principal: Principal, organization_id: str) -> Organization:
    """Own organization, or any organization for an operator admin; else 404."""
    if principal.organization_id != organization_id and not principal.is_operator_admin:
        raise NotFound("no such organization")
    organization = await Organization.get_or_none(id=organization_id)
    if organization is None:
        raise NotFound("no such organization")
    return organization


async def list_organizations(principal: Principal) -> list[Organization]:
    if principal.is_operator_admin:
        return await Organization.all().order_by("created_at")
    return await Organization.filter(id=principal.organization_id)


async def create_organization(*, principal: Principal, data: OrganizationCreate) -> Organization:
    if not principal.is_operator_admin:
        raise Forbidden("only an admin of the operator organization creates organizations")
    _check_profile(data.policy_profile)
    async with transaction() as conn:
        organization = await Organization.create(
            **data.model_dump(exclude={"contract_settings"}),
            contract_settings=data.contract_settings.stored(),
            using_db=conn,
        )
        await record(
            conn,
            organization_id=str(organization.id),
            actor=principal.actor,
            action="organization.created",
            object_type="organization",
            object_id=str(organization.id),
            data=data.model_dump(mode="json", exclude_none=True),
        )
    return organization


async def update_organization(
    *, principal: Principal, organization_id: str, data: OrganizationUpdate
) -> Organization:
    organization = await get_organization(principal, organization_id)
    changes = data.model_dump(exclude_none=True, exclude={"contract_settings"})
    if data.contract_settings is not None:
        changes["contract_settings"] = data.contract_settings.merged_into(
            organization.contract_settings
        )
    if "policy_profile" in changes:
        _check_profile(changes["policy_profile"])
    async with transaction() as conn:
        await Organization.filter(id=organization.id).using_db(conn).update(**changes)
        await record(
            conn,
            organization_id=str(organization.id),
            actor=principal.actor,
            action="organization.updated",
            object_type="organization",
            object_id=str(organization.id),
            data=changes,
        )
    await organization.refresh_from_db()
    return organization


async def create_user(
    *, principal: Principal, organization_id: str, data: UserCreate, actor: Actor | None = None
) -> User:
    organization = await get_organization(principal, organization_id)
    try:
        async with transaction() as conn:
            user = await User.create(
                organization=organization,
                name=data.name,
                email=data.email.lower(),
                roles=sorted({role.value for role in data.roles}),
                using_db=conn,
            )
            await record(
                conn,
                organization_id=str(organization.id),
                actor=actor or principal.actor,
                action="user.created",
                object_type="user",
                object_id=str(user.id),
                data={"email": user.email, "roles": user.roles},
            )
    except IntegrityError:
        raise Conflict(
            "a user with this email already exists in the organization",
            fields={"email": "already used"},
        ) from None
    return user


async def get_user(principal: Principal, user_id: str) -> User:
    user = await User.get_or_none(id=user_id)
    if user is None or (
        str(user.organization_id) != principal.organization_id and not principal.is_operator_admin
    ):
        raise NotFound("no such user")
    return user


async def list_users(principal: Principal) -> list[User]:
    return await User.filter(organization_id=principal.organization_id).order_by("created_at")


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str


async def issue_token(
    *, user: User, name: str, expires_in_days: int | None, actor: Actor
) -> IssuedToken:
    secret = new_secret(TOKEN_PREFIX)
    days = expires_in_days or get_settings().api_token_ttl_days
    async with transaction() as conn:
        token = await ApiToken.create(
            organization_id=user.organization_id,
            user=user,
            name=name,
            token_hash=hash_secret(secret),
            expires_at=datetime.now(UTC) + timedelta(days=days),
            using_db=conn,
        )
        await record(
            conn,
            organization_id=str(user.organization_id),
            actor=actor,
            action="api_token.issued",
            object_type="api_token",
            object_id=str(token.id),
            data={"user_id": str(user.id), "name": name, "expires_in_days": days},
        )
    return IssuedToken(token=token, secret=secret)


async def create_token(*, principal: Principal, user_id: str, data: TokenCreate) -> IssuedToken:
    user = await get_user(principal, user_id)
    if str(user.id) != principal.user_id and Role.admin not in principal.roles:
        raise Forbidden("only an admin issues tokens for other users")
    return await issue_token(
        user=user, name=data.name, expires_in_days=data.expires_in_days, actor=principal.actor
    )


async def revoke_token(*, principal: Principal, token_id: str) -> None:
    token = await ApiToken.get_or_none(id=token_id, organization_id=principal.organization_id)
    if token is None:
        raise NotFound("no such API token")
    if str(token.user_id) != principal.user_id and Role.admin not in principal.roles:
        raise NotFound("no such API token")
    async with transaction() as conn:
        updated = (
            await ApiToken.filter(id=token.id, revoked_at__isnull=True)
            .using_db(conn)
            .update(revoked_at=datetime.now(UTC))
        )
        if updated:
            await record(
                conn,
                organization_id=principal.organization_id,
                actor=principal.actor,
                action="api_token.revoked",
                object_type="api_token",
                object_id=str(token.id),
            )


@dataclass(frozen=True)
class Bootstrap:
    organization: Organization
    user: User
    secret: str


async def bootstrap_operator() -> Bootstrap | None:
    """On first start: the operator organization, its admin and a token (shown once)."""
    if await Organization.filter(is_operator=True).exists():
        return None
    settings = get_settings()
    async with transaction() as conn:
        organization = await Organization.create(
            name=settings.bootstrap_organization_name,
            is_operator=True,
            jurisdiction_court="未設定",
            using_db=conn,
        )
        user = await User.create(
            organization=organization,
            name="admin",
            email="admin@localhost",
            roles=[Role.admin.value],
            using_db=conn,
        )
        await record(
            conn,
            organization_id=str(organization.id),
            actor=SYSTEM,
            action="operator.bootstrapped",
            object_type="organization",
            object_id=str(organization.id),
        )
    issued = await issue_token(user=user, name="bootstrap", expires_in_days=None, actor=SYSTEM)
    return Bootstrap(organization=organization, user=user, secret=issued.secret)
