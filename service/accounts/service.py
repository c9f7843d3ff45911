"""Organizations, users and API tokens: the only writer of these tables."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from tortoise.exceptions import IntegrityError

from service.accounts.duties import DutyRule, check_exclusive_roles, duties_of
from service.accounts.models import Organization, User
from service.accounts.principal import Principal
from service.accounts.roles import Role, conflicting_pairs
from service.accounts.schemas import OrganizationCreate, OrganizationUpdate, UserCreate
from service.accounts.tokens import IssuedToken, issue_personal_token
from service.audit.service import SYSTEM, Actor, record
from service.catalog.loader import current_catalog
from service.config import get_settings
from service.errors import Conflict, Forbidden, NotFound, ValidationFailed
from service.jobs import transaction


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
            **data.model_dump(exclude={"separation_of_duties"}),
            separation_of_duties=data.separation_of_duties.model_dump(),
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
    changes = data.model_dump(exclude_none=True, exclude={"separation_of_duties"})
    if data.separation_of_duties is not None:
        duties = data.separation_of_duties.merged_into(organization.separation_of_duties)
        if duties_of(duties).exclusive_roles:
            await _refuse_exclusive_roles_over_existing_users(organization)
        changes["separation_of_duties"] = duties
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


async def _refuse_exclusive_roles_over_existing_users(organization: Organization) -> None:
    """Turning `exclusive_roles` on while active users hold a conflicting pair is a 409."""
    holders = [
        f"{user.email} ({' + '.join(f'{a.value}/{b.value}' for a, b in pairs)})"
        for user in await User.filter(organization_id=organization.id, active=True)
        if (pairs := conflicting_pairs({Role(r) for r in user.roles}))
    ]
    if holders:
        raise Conflict(
            "兼務できない役割を持つ利用者がいるため、兼務禁止を有効にできません: "
            f"{', '.join(holders)}（職務分離）。 / exclusive_roles cannot be turned on while "
            f"users hold conflicting roles: {', '.join(holders)} (separation of duties).",
            fields={"separation_of_duties.exclusive_roles": "users hold conflicting roles"},
            rule=DutyRule.exclusive_roles,
        )


async def create_user(
    *, principal: Principal, organization_id: str, data: UserCreate, actor: Actor | None = None
) -> User:
    organization = await get_organization(principal, organization_id)
    roles = {Role(r) for r in data.roles}
    elsewhere = str(organization.id) != principal.organization_id
    if elsewhere and not principal.via_console and roles != {Role.admin}:
        raise Forbidden(
            "運用管理者が他の団体に作成できるのは管理者（admin のみ）だけです。業務の利用者は"
            "その団体の管理者が作成します。 / The operator creates only admins (role admin "
            "alone) in another organization; its admin creates the users who do the work.",
            fields={"roles": "only ['admin'] here"},
            rule="operator_manages_organizations",
        )
    check_exclusive_roles(duties_of(organization.separation_of_duties), roles)
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
                data={"kind": "person", "email": user.email, "roles": user.roles},
            )
    except IntegrityError:
        raise Conflict(
            "a user with this email already exists in the organization",
            fields={"email": "already used"},
        ) from None
    return user


async def get_user(principal: Principal, user_id: str) -> User:
    """A user of the caller's own organization (the operator reads no other's users)."""
    user = await User.get_or_none(id=user_id, organization_id=principal.organization_id)
    if user is None:
        raise NotFound("no such user")
    return user


async def list_users(principal: Principal) -> list[User]:
    return await User.filter(organization_id=principal.organization_id).order_by("created_at")


async def console_principal() -> Principal:
    """The operator admin on whose behalf console commands act (bootstrapped if need be)."""
    await bootstrap_operator()
    operator = await Organization.get(is_operator=True)
    people = User.filter(organization=operator, active=True, kind="person")
    admin = await people.order_by("created_at").first()
    if admin is None:
        raise SystemExit("the operator organization has no active admin")
    return Principal(
        user_id=str(admin.id),
        organization_id=str(operator.id),
        name=f"console ({admin.name})",
        roles=frozenset({Role.admin}),
        is_operator_admin=True,
        via_console=True,
    )


async def console_token(
    *, principal: Principal, user_id: str, name: str, expires_in_days: int | None
) -> IssuedToken:
    """`vetting token create`: a person's token from the server console (first or lost one)."""
    try:
        user = await User.get_or_none(id=UUID(user_id))
    except ValueError:
        user = None
    if user is None:
        raise NotFound("no such user")
    return await issue_personal_token(
        user=user, name=name, expires_in_days=expires_in_days, actor=principal.actor, via="console"
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
    issued = await issue_personal_token(
        user=user, name="bootstrap", expires_in_days=None, actor=SYSTEM, via="bootstrap"
    )
    return Bootstrap(organization=organization, user=user, secret=issued.secret)
