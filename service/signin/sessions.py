"""Browser sessions of signed-in staff: the only writer of staff_session.

The cookie holds a random secret; the row holds its SHA-256. A session ends at sign-out, at
sign-out everywhere, after `console_session_idle_minutes` without a request, and in any case
`console_session_hours` after the password was given. Signing in rotates: the session the
browser had is ended and a new secret is issued, at the password step and again at the second
factor, so a secret planted in a browser before sign-in is worth nothing after it.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from service.accounts.models import Organization, User
from service.accounts.principal import Principal
from service.audit.service import Actor, record
from service.config import get_settings
from service.errors import AppError
from service.jobs import transaction
from service.portal.sessions import https
from service.signin.models import StaffSession
from service.signin.service import principal_of
from service.tokens import hash_secret, new_secret

SESSION_PREFIX = "ss_"
SECURE_COOKIE = "__Host-staff_session"  # Secure, Path=/, no Domain: the browser enforces it
PLAIN_COOKIE = "staff_session"  # plain http (development)
PASSWORD_STAGE = "password"  # noqa: S105 (a stage name, not a secret)
FULL_STAGE = "full"
# Between the password and the second factor: long enough to open an app and type a code.
SECOND_FACTOR_MINUTES = 10
_LAST_SEEN_GRANULARITY = timedelta(seconds=30)  # fewer writes; idle timeouts are minutes
_HOUSEKEEPING_AGE = timedelta(days=7)


class SignedOut(AppError):
    status_code = 401
    code = "signed_out"


def cookie_name() -> str:
    return SECURE_COOKIE if https() else PLAIN_COOKIE


@dataclass(frozen=True)
class Staff:
    """Everything one console request acts with."""

    session: StaffSession
    user: User
    organization: Organization

    @property
    def principal(self) -> Principal:
        return principal_of(self.user, self.organization)

    @property
    def signed_in(self) -> bool:
        return self.session.stage == FULL_STAGE

    @property
    def language(self) -> str:
        return "en" if self.session.language == "en" else "ja"


async def start_session(
    user: User, *, stage: str, client_address: str, replacing: str | None, language: str = "ja"
) -> tuple[str, StaffSession]:
    """A new session for the user (the browser's previous one, if any, ends)."""
    settings = get_settings()
    secret = new_secret(SESSION_PREFIX)
    now = datetime.now(UTC)
    if stage == FULL_STAGE:
        expires_at = now + timedelta(hours=settings.console_session_hours)
    else:
        expires_at = now + timedelta(minutes=SECOND_FACTOR_MINUTES)
    async with transaction() as conn:
        if replacing:
            previous = (
                await StaffSession.filter(token_hash=hash_secret(replacing), ended_at__isnull=True)
                .using_db(conn)
                .first()
            )
            if previous is not None:
                await StaffSession.filter(id=previous.id).using_db(conn).update(ended_at=now)
                if previous.user_id == user.id and previous.stage == PASSWORD_STAGE:
                    # The absolute lifetime counts from the password, not from the second step.
                    expires_at = min(
                        expires_at,
                        previous.created_at + timedelta(hours=settings.console_session_hours),
                    )
        await StaffSession.filter(expires_at__lt=now - _HOUSEKEEPING_AGE).using_db(conn).delete()
        session = await StaffSession.create(
            organization_id=user.organization_id,
            user=user,
            token_hash=hash_secret(secret),
            csrf_token=secrets.token_urlsafe(32),
            stage=stage,
            language=language,
            client_address=client_address[:64],
            last_seen_at=now,
            expires_at=expires_at,
            using_db=conn,
        )
        if stage == FULL_STAGE:
            await record(
                conn,
                organization_id=str(user.organization_id),
                actor=Actor(type="user", id=str(user.id), label=user.name),
                action="signin.succeeded",
                object_type="user",
                object_id=str(user.id),
                data={"client_address": client_address, "expires_at": expires_at.isoformat()},
            )
    return secret, session


async def resume_session(cookie_secret: str | None) -> Staff:
    """The session behind a cookie while it is live (ending it when idle too long)."""
    if not cookie_secret or not cookie_secret.startswith(SESSION_PREFIX):
        raise SignedOut("no session")
    session = await StaffSession.get_or_none(token_hash=hash_secret(cookie_secret))
    now = datetime.now(UTC)
    if session is None or session.ended_at is not None or session.expires_at <= now:
        raise SignedOut("the session has ended")
    idle = timedelta(minutes=get_settings().console_session_idle_minutes)
    if session.last_seen_at + idle <= now:
        await StaffSession.filter(id=session.id, ended_at__isnull=True).update(ended_at=now)
        raise SignedOut("the session was idle too long")
    user = await User.get(id=session.user_id)
    if not user.active:
        raise SignedOut("the user is deactivated")
    if now - session.last_seen_at >= _LAST_SEEN_GRANULARITY:
        await StaffSession.filter(id=session.id).update(last_seen_at=now)
        session.last_seen_at = now
    organization = await Organization.get(id=user.organization_id)
    return Staff(session=session, user=user, organization=organization)


def csrf_matches(session: StaffSession, token: str) -> bool:
    return bool(token) and hmac.compare_digest(session.csrf_token.encode(), token.encode())


async def set_language(session: StaffSession, language: str) -> None:
    if language in ("ja", "en") and language != session.language:
        await StaffSession.filter(id=session.id).update(language=language)
        session.language = language


async def end_session(staff: Staff) -> None:
    async with transaction() as conn:
        ended = (
            await StaffSession.filter(id=staff.session.id, ended_at__isnull=True)
            .using_db(conn)
            .update(ended_at=datetime.now(UTC))
        )
        if ended and staff.signed_in:
            await record(
                conn,
                organization_id=str(staff.user.organization_id),
                actor=Actor(type="user", id=str(staff.user.id), label=staff.user.name),
                action="signin.signed_out",
                object_type="user",
                object_id=str(staff.user.id),
            )


async def end_all_sessions(user: User, actor: Actor) -> int:
    """Sign the user out in every browser; returns how many sessions ended."""
    async with transaction() as conn:
        ended = (
            await StaffSession.filter(user_id=user.id, ended_at__isnull=True)
            .using_db(conn)
            .update(ended_at=datetime.now(UTC))
        )
        await record(
            conn,
            organization_id=str(user.organization_id),
            actor=actor,
            action="signin.signed_out_everywhere",
            object_type="user",
            object_id=str(user.id),
            data={"sessions": ended},
        )
    return int(ended)
