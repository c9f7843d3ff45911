"""API tokens: the only writer of their table.

A personal token is minted by its owner, signed in with one of their own tokens; nobody else
(an admin, the operator) can mint one and act as that person. The server console mints a
person's first token (the recovery path: whoever runs it has the database anyway). A service
token is made by an admin for a system: it owns a service account of its own, with roles chosen
then (never those that sign decisions or administer). Every issue and revocation is audited
with the token's kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from tortoise.backends.base.client import BaseDBAsyncClient

from service.accounts.duties import check_exclusive_roles, duties_of
from service.accounts.models import ApiToken, Organization, User
from service.accounts.principal import Principal
from service.accounts.roles import SERVICE_TOKEN_ROLES, Role
from service.accounts.schemas import ServiceTokenCreate, TokenCreate
from service.audit.service import Actor, record
from service.config import get_settings
from service.errors import Forbidden, NotFound, Unauthorized, ValidationFailed
from service.jobs import transaction
from service.tokens import hash_secret, new_secret

TOKEN_PREFIX = "vt_"  # noqa: S105 (a prefix, not a secret)
PERSONAL, SERVICE = "personal", "service"
OWNER_RULE = "tokens_minted_by_owner"


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str


def effective_expiry(token: ApiToken, organization: Organization) -> datetime:
    """The token's own expiry, or sooner when the organization has lowered its maximum since."""
    capped = token.created_at + timedelta(days=organization.max_token_lifetime_days)
    return min(token.expires_at, capped)


async def authenticate(authorization: str | None) -> Principal:
    """The principal behind an `Authorization: Bearer …` header, or 401."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Unauthorized("an 'Authorization: Bearer <token>' header is required")
    secret = authorization[7:].strip()
    token = await ApiToken.get_or_none(token_hash=hash_secret(secret)).select_related(
        "user", "organization"
    )
    now = datetime.now(UTC)
    if (
        token is None
        or token.revoked_at is not None
        or effective_expiry(token, token.organization) <= now
    ):
        raise Unauthorized("the API token is unknown, expired or revoked")
    user, organization = token.user, token.organization
    if not user.active:
        raise Unauthorized("the API token's user is deactivated")
    roles = frozenset(Role(r) for r in user.roles)
    is_service = token.kind == SERVICE
    return Principal(
        user_id=str(user.id),
        organization_id=str(user.organization_id),
        name=user.name,
        roles=roles,
        is_operator_admin=organization.is_operator and Role.admin in roles and not is_service,
        is_service=is_service,
    )


def _lifetime_days(organization: Organization, requested: int | None) -> int:
    maximum = organization.max_token_lifetime_days
    if requested is None:
        return min(get_settings().api_token_ttl_days, maximum)
    if requested > maximum:
        raise ValidationFailed(
            f"この団体のAPIトークンの有効期間は最長{maximum}日です。 / "
            f"API tokens of this organization live at most {maximum} days "
            "(max_token_lifetime_days).",
            fields={"expires_in_days": f"at most {maximum} / 最長{maximum}日"},
            rule="max_token_lifetime",
        )
    return requested


async def _insert(
    conn: BaseDBAsyncClient,
    *,
    user: User,
    organization: Organization,
    kind: str,
    name: str,
    expires_in_days: int | None,
    actor: Actor,
    via: str,
) -> IssuedToken:
    days = _lifetime_days(organization, expires_in_days)
    secret = new_secret(TOKEN_PREFIX)
    token = await ApiToken.create(
        organization_id=user.organization_id,
        user=user,
        kind=kind,
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
        data={
            "kind": kind,
            "user_id": str(user.id),
            "roles": list(user.roles),
            "name": name,
            "expires_in_days": days,
            "via": via,  # api | console | bootstrap
        },
    )
    return IssuedToken(token=token, secret=secret)


async def issue_personal_token(
    *, user: User, name: str, expires_in_days: int | None, actor: Actor, via: str
) -> IssuedToken:
    """A person's token, once the caller has established who may have it minted."""
    if user.kind != "person":
        raise Forbidden(
            "サービス用アカウントのトークンは管理者がサービス用トークンとして作成します。 / "
            "A service account's token is made by an admin as a service token.",
            rule=OWNER_RULE,
        )
    organization = await Organization.get(id=user.organization_id)
    async with transaction() as conn:
        return await _insert(
            conn,
            user=user,
            organization=organization,
            kind=PERSONAL,
            name=name,
            expires_in_days=expires_in_days,
            actor=actor,
            via=via,
        )


async def create_personal_token(
    *, principal: Principal, user_id: str, data: TokenCreate
) -> IssuedToken:
    user = await User.get_or_none(id=user_id)
    same_organization = user is not None and str(user.organization_id) == principal.organization_id
    if user is None or not (same_organization or principal.is_operator_admin):
        raise NotFound("no such user")
    if principal.is_service:
        raise Forbidden(
            "サービス用トークンではAPIトークンを発行できません。 / "
            "A service token cannot mint API tokens.",
            rule=OWNER_RULE,
        )
    if str(user.id) != principal.user_id:
        raise Forbidden(
            "APIトークンは本人だけが発行できます（管理者・運用管理者も他の利用者のトークンは"
            "発行できません）。システム連携にはサービス用トークン（POST /api/service-tokens）を"
            "使ってください。 / An API token is minted only by its owner; no admin, nor the "
            "operator, mints one for another user. For a system, an admin creates a service "
            "token (POST /api/service-tokens).",
            rule=OWNER_RULE,
        )
    return await issue_personal_token(
        user=user,
        name=data.name,
        expires_in_days=data.expires_in_days,
        actor=principal.actor,
        via="api",
    )


async def create_service_token(*, principal: Principal, data: ServiceTokenCreate) -> IssuedToken:
    roles = {Role(r) for r in data.roles}
    refused = sorted(r.value for r in roles - SERVICE_TOKEN_ROLES)
    if refused:
        allowed = ", ".join(sorted(r.value for r in SERVICE_TOKEN_ROLES))
        raise ValidationFailed(
            f"サービス用トークンに付与できる役割は {allowed} だけです。 / "
            f"A service token may hold only {allowed}.",
            fields={"roles": f"not for a service token: {', '.join(refused)}"},
            rule="service_token_roles",
        )
    organization = await Organization.get(id=principal.organization_id)
    check_exclusive_roles(duties_of(organization.separation_of_duties), roles)
    async with transaction() as conn:
        account = await User.create(
            organization=organization,
            name=data.name,
            # Service accounts receive no mail; the address only keeps (organization, email)
            # unique.
            email=f"service-{uuid4().hex}@service.invalid",
            roles=sorted(r.value for r in roles),
            kind="service",
            using_db=conn,
        )
        await record(
            conn,
            organization_id=str(organization.id),
            actor=principal.actor,
            action="user.created",
            object_type="user",
            object_id=str(account.id),
            data={"kind": "service", "name": account.name, "roles": account.roles},
        )
        return await _insert(
            conn,
            user=account,
            organization=organization,
            kind=SERVICE,
            name=data.name,
            expires_in_days=data.expires_in_days,
            actor=principal.actor,
            via="api",
        )


async def list_tokens(principal: Principal) -> list[tuple[ApiToken, Organization]]:
    """Every token of the organization for its admin; one's own tokens for anyone else."""
    organization = await Organization.get(id=principal.organization_id)
    query = ApiToken.filter(organization_id=principal.organization_id)
    if Role.admin not in principal.roles or principal.is_service:
        query = query.filter(user_id=principal.user_id)
    tokens = await query.select_related("user").order_by("-created_at")
    return [(token, organization) for token in tokens]


async def revoke_token(*, principal: Principal, token_id: str) -> None:
    """The owner revokes their token; the organization's admin any of the organization's."""
    token = await ApiToken.get_or_none(id=token_id, organization_id=principal.organization_id)
    if token is None or (
        str(token.user_id) != principal.user_id and Role.admin not in principal.roles
    ):
        raise NotFound("no such API token")
    async with transaction() as conn:
        updated = (
            await ApiToken.filter(id=token.id, revoked_at__isnull=True)
            .using_db(conn)
            .update(revoked_at=datetime.now(UTC))
        )
        if not updated:
            return
        data: dict[str, Any] = {"kind": token.kind, "user_id": str(token.user_id)}
        if token.kind == SERVICE:  # its account exists for this token only
            await User.filter(id=token.user_id).using_db(conn).update(active=False)
        await record(
            conn,
            organization_id=principal.organization_id,
            actor=principal.actor,
            action="api_token.revoked",
            object_type="api_token",
            object_id=str(token.id),
            data=data,
        )
