"""Passwords, set-up links, failures and lockout, the MFA policy: the writer of these tables.

A password is chosen by its owner through an e-mailed set-up link (single use, expiring, only its
hash stored) or set by an operator from the command line. Every failed password or code counts
against the account (it locks at `signin_max_failures` until an admin unlocks it); failures per
client address are throttled by service.throttling (SecretKind.sign_in) in the pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F

from service.accounts.models import Organization, User
from service.accounts.principal import Principal
from service.accounts.roles import Role
from service.audit.service import Actor, record
from service.config import get_settings
from service.db import upsert_settings
from service.errors import AppError, Gone, NotFound, ValidationFailed
from service.jobs import transaction
from service.outbox.service import queue_email
from service.signin.models import Credential, PasswordSetupLink, SignInPolicy
from service.signin.passwords import hash_password, password_problem, verify_password
from service.tokens import hash_secret, new_secret

SETUP_PREFIX = "ps_"
DEFAULT_MFA_ROLES = (Role.admin, Role.security, Role.approver)
GENERIC_FAILURE = (
    "メールアドレスまたはパスワードが正しくありません。 / The e-mail address or password is wrong."
)


class AccountLocked(AppError):
    status_code = 403
    code = "account_locked"


class SignInFailed(AppError):
    status_code = 401
    code = "signin_failed"


def user_actor(user: User) -> Actor:
    return Actor(type="user", id=str(user.id), label=user.name)


def principal_of(user: User, organization: Organization) -> Principal:
    roles = frozenset(Role(r) for r in user.roles)
    return Principal(
        user_id=str(user.id),
        organization_id=str(user.organization_id),
        name=user.name,
        roles=roles,
        is_operator_admin=organization.is_operator and Role.admin in roles,
    )


async def credential_of(user: User, conn: BaseDBAsyncClient | None = None) -> Credential:
    """The user's credential row, made empty (no password) on first need."""
    credential, _ = await Credential.get_or_create(
        user_id=user.id, defaults={"organization_id": user.organization_id}, using_db=conn
    )
    return credential


# --- set-up links ---------------------------------------------------------------------------


def setup_url(secret: str) -> str:
    return f"{get_settings().public_base_url.rstrip('/')}/console/setup/{secret}"


@dataclass(frozen=True)
class IssuedSetup:
    link: PasswordSetupLink
    sent_to: str


def _setup_email(user: User, organization_name: str, expires_at: datetime) -> tuple[str, str]:
    from service.portal.i18n import Translator

    until_ja = Translator("ja").when(expires_at)
    until_en = Translator("en").when(expires_at)
    subject = "委託先審査サービス：パスワードの設定 / Set your password"
    body = (
        f"{user.name} 様\n\n"
        f"{organization_name} の委託先審査サービスのパスワードを設定してください。\n"
        "次のリンクを開き、12文字以上のパスワードを決めてください。リンクは一度だけ使えます。\n"
        "Open the link below to choose your password (12 characters or more). "
        "It works once.\n\n"
        "  {secret_link}\n\n"
        f"有効期限 / Valid until: {until_ja} ({until_en})\n\n"
        "心当たりがない場合は、このメールを破棄し、管理者に連絡してください。\n"
        "If you did not expect this message, delete it and tell your administrator.\n"
    )
    return subject, body


async def issue_password_setup(*, principal: Principal, user_id: str, actor: Actor) -> IssuedSetup:
    """Mail a set-up link to the user; earlier unused links of the user stop working."""
    from service.accounts.service import get_user

    user = await get_user(principal, user_id)
    if not user.active:
        raise ValidationFailed("the user is deactivated", fields={"user_id": "deactivated"})
    organization = await Organization.get(id=user.organization_id)
    secret = new_secret(SETUP_PREFIX)
    now = datetime.now(UTC)
    expires_at = now + timedelta(hours=get_settings().password_setup_hours)
    subject, body = _setup_email(user, organization.name, expires_at)
    async with transaction() as conn:
        await (
            PasswordSetupLink.filter(user_id=user.id, used_at__isnull=True)
            .using_db(conn)
            .update(used_at=now)  # replaced: one live link per user
        )
        link = await PasswordSetupLink.create(
            organization_id=user.organization_id,
            user=user,
            token_hash=hash_secret(secret),
            expires_at=expires_at,
            using_db=conn,
        )
        await queue_email(
            conn,
            organization_id=str(user.organization_id),
            dedupe_key=f"password-setup:{link.id}",
            event_type="user.password_setup",
            to_address=user.email,
            subject=subject,
            body=body,
            secret_link=setup_url(secret),
        )
        await record(
            conn,
            organization_id=str(user.organization_id),
            actor=actor,
            action="user.password_setup_issued",
            object_type="user",
            object_id=str(user.id),
            data={"expires_at": expires_at.isoformat()},
        )
    return IssuedSetup(link=link, sent_to=user.email)


async def open_setup_link(secret: str) -> tuple[PasswordSetupLink, User]:
    """The link and its user while the link is unused and unexpired: 404, or 410 once spent."""
    if not secret.startswith(SETUP_PREFIX):
        raise NotFound("no such set-up link")
    link = await PasswordSetupLink.get_or_none(token_hash=hash_secret(secret))
    if link is None:
        raise NotFound("no such set-up link")
    user = await User.get(id=link.user_id)
    if link.used_at is not None or link.expires_at <= datetime.now(UTC) or not user.active:
        raise Gone("the set-up link was used, replaced or has expired")
    return link, user


def _check_password(password: str, user: User) -> None:
    problem = password_problem(password, email=user.email)
    if problem:
        raise ValidationFailed(problem, fields={"password": problem})


async def _store_password(
    conn: BaseDBAsyncClient, user: User, password_hash: str, actor: Actor, how: str
) -> None:
    await credential_of(user, conn)
    await (
        Credential.filter(user_id=user.id)
        .using_db(conn)
        .update(
            password_hash=password_hash,
            password_set_at=datetime.now(UTC),
            failed_attempts=0,
            locked_at=None,
        )
    )
    await record(
        conn,
        organization_id=str(user.organization_id),
        actor=actor,
        action="user.password_set",
        object_type="user",
        object_id=str(user.id),
        data={"how": how},
    )


async def complete_setup(secret: str, password: str) -> User:
    """Spend the link and set the password; a link spent meanwhile by another request is 410."""
    link, user = await open_setup_link(secret)
    _check_password(password, user)
    password_hash = await hash_password(password)
    async with transaction() as conn:
        spent = (
            await PasswordSetupLink.filter(
                id=link.id, used_at__isnull=True, expires_at__gt=datetime.now(UTC)
            )
            .using_db(conn)
            .update(used_at=datetime.now(UTC))
        )
        if not spent:
            raise Gone("the set-up link was used, replaced or has expired")
        await _store_password(conn, user, password_hash, user_actor(user), "setup_link")
    return user


async def set_password(*, user: User, password: str, actor: Actor) -> None:
    """An operator sets a password directly (`vetting user set-password`); it also unlocks."""
    _check_password(password, user)
    password_hash = await hash_password(password)
    async with transaction() as conn:
        await _store_password(conn, user, password_hash, actor, "operator")


# --- password check, failures, lockout -------------------------------------------------------


async def record_failure(*, user: User, reason: str) -> None:
    """Count one failed second factor against the account."""
    async with transaction() as conn:
        await _account_failure(conn, user, reason)


def locked_error() -> AccountLocked:
    return AccountLocked(
        "失敗が続いたため、このアカウントはロックされています。管理者に解除を依頼してください。 / "
        "This account is locked after repeated failures. Ask an administrator to unlock it."
    )


async def check_password(
    email: str, password: str, *, client_address: str
) -> tuple[User, Credential]:
    """The user whose e-mail and password these are, or SignInFailed / AccountLocked.

    Failures per client address are the caller's: `throttling.guard(request, SecretKind.sign_in)`
    counts each SignInFailed (401) and refuses a client out of budget before it gets here.
    """
    users = await User.filter(email=email.strip().lower(), active=True).order_by("created_at")
    credentials = {
        str(c.user_id): c
        for c in await Credential.filter(user_id__in=[u.id for u in users]).exclude(
            password_hash=""
        )
    }
    # One e-mail may have an account in more than one organization: the password tells which.
    candidates = [(u, credentials[str(u.id)]) for u in users if str(u.id) in credentials]
    for user, credential in candidates:
        if await verify_password(credential.password_hash, password):
            if credential.locked_at is not None:
                raise locked_error()
            return user, credential
    if not candidates:
        await verify_password("", password)  # the same work as a wrong password
    async with transaction() as conn:
        for user, credential in candidates:
            if credential.locked_at is None:
                await _account_failure(conn, user, "password", client_address)
    raise SignInFailed(GENERIC_FAILURE)


async def _account_failure(
    conn: BaseDBAsyncClient, user: User, reason: str, client_address: str = ""
) -> None:
    settings = get_settings()
    await (
        Credential.filter(user_id=user.id)
        .using_db(conn)
        .update(failed_attempts=F("failed_attempts") + 1)
    )
    actor = user_actor(user)
    await record(
        conn,
        organization_id=str(user.organization_id),
        actor=actor,
        action="signin.failed",
        object_type="user",
        object_id=str(user.id),
        data={"reason": reason, "client_address": client_address},
    )
    locked = (
        await Credential.filter(
            user_id=user.id,
            locked_at__isnull=True,
            failed_attempts__gte=settings.signin_max_failures,
        )
        .using_db(conn)
        .update(locked_at=datetime.now(UTC))
    )
    if locked:
        await record(
            conn,
            organization_id=str(user.organization_id),
            actor=actor,
            action="signin.locked",
            object_type="user",
            object_id=str(user.id),
            data={"failed_attempts": settings.signin_max_failures},
        )


async def reset_failures(user: User) -> None:
    await Credential.filter(user_id=user.id, failed_attempts__gt=0).update(failed_attempts=0)


async def unlock(*, user: User, actor: Actor) -> bool:
    """Clear the lock and the failure count; False when the account was not locked."""
    async with transaction() as conn:
        unlocked = (
            await Credential.filter(user_id=user.id, locked_at__isnull=False)
            .using_db(conn)
            .update(locked_at=None, failed_attempts=0)
        )
        if unlocked:
            await record(
                conn,
                organization_id=str(user.organization_id),
                actor=actor,
                action="signin.unlocked",
                object_type="user",
                object_id=str(user.id),
            )
    return bool(unlocked)


async def unlock_user(*, principal: Principal, user_id: str) -> bool:
    from service.accounts.service import get_user

    return await unlock(user=await get_user(principal, user_id), actor=principal.actor)


# --- the organization's second-factor rule ----------------------------------------------------


async def mfa_required_roles(organization_id: str) -> frozenset[Role]:
    policy = await SignInPolicy.get_or_none(organization_id=organization_id)
    if policy is None:
        return frozenset(DEFAULT_MFA_ROLES)
    return frozenset(Role(r) for r in policy.mfa_required_roles)


async def mfa_required(user: User) -> bool:
    required = await mfa_required_roles(str(user.organization_id))
    return any(Role(r) in required for r in user.roles)


async def set_mfa_required_roles(
    *, principal: Principal, organization_id: str, roles: list[Role]
) -> frozenset[Role]:
    from service.accounts.service import get_organization

    organization = await get_organization(principal, organization_id)
    chosen = sorted({r.value for r in roles})
    async with transaction() as conn:
        await upsert_settings(
            SignInPolicy, str(organization.id), {"mfa_required_roles": chosen}, conn
        )
        await record(
            conn,
            organization_id=str(organization.id),
            actor=principal.actor,
            action="signin.policy_updated",
            object_type="organization",
            object_id=str(organization.id),
            data={"mfa_required_roles": chosen},
        )
    return frozenset(Role(r) for r in chosen)
