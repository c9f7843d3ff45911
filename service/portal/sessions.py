"""Portal sessions: a link is exchanged for a cookie, and the cookie is only as good as the link.

The link's token appears in the address bar once: the first open swaps it for a random session
secret kept in an HttpOnly cookie (its SHA-256 in portal_session), and the browser is sent to an
address without the token. Every request re-checks the invitation behind the session, so a
revoked, replaced or expired link ends its sessions at once. The only writer of portal_session.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from service.audit.service import record
from service.config import get_settings
from service.errors import AppError
from service.jobs import transaction
from service.portal.i18n import LANGUAGES, Language
from service.portal.models import PortalSession
from service.questionnaire.models import Invitation
from service.questionnaire.service import VendorSession, open_link, vendor_session
from service.tokens import hash_secret, new_secret

SESSION_PREFIX = "vs_"
SECURE_COOKIE = "__Host-vendor_session"  # __Host-: Secure, Path=/, no Domain, by the browser's rule
PLAIN_COOKIE = "vendor_session"  # for a service reached over plain http (development)
_HOUSEKEEPING_AGE = timedelta(days=7)


class SessionEnded(AppError):
    status_code = 401
    code = "session_ended"


def https() -> bool:
    return urlsplit(get_settings().public_base_url).scheme == "https"


def cookie_name() -> str:
    return SECURE_COOKIE if https() else PLAIN_COOKIE


@dataclass
class Portal:
    """Everything one portal request acts with."""

    session: PortalSession
    vendor: VendorSession

    @property
    def language(self) -> Language:
        return "en" if self.session.language == "en" else "ja"


async def start_session(
    link_secret: str, *, language: Language = "ja", replacing: str | None = None
) -> tuple[str, PortalSession]:
    """Exchange a link for a new session; returns the cookie secret and the session row."""
    vendor = await open_link(link_secret)  # 404 / 410 for a bad, revoked or expired link
    secret = new_secret(SESSION_PREFIX)
    now = datetime.now(UTC)
    lifetime = timedelta(hours=get_settings().portal_session_hours)
    async with transaction() as conn:
        if replacing:  # a browser that opens a link again leaves its old session behind
            await (
                PortalSession.filter(token_hash=hash_secret(replacing), ended_at__isnull=True)
                .using_db(conn)
                .update(ended_at=now)
            )
        await PortalSession.filter(expires_at__lt=now - _HOUSEKEEPING_AGE).using_db(conn).delete()
        session = await PortalSession.create(
            organization_id=vendor.review.organization_id,
            invitation=vendor.invitation,
            token_hash=hash_secret(secret),
            csrf_token=secrets.token_urlsafe(32),
            language=language,
            expires_at=min(now + lifetime, vendor.invitation.expires_at),
            using_db=conn,
        )
        await record(
            conn,
            organization_id=str(vendor.review.organization_id),
            actor=vendor.actor,
            action="portal.session_started",
            object_type="invitation",
            object_id=str(vendor.invitation.id),
            review_id=str(vendor.review.id),
            data={"expires_at": session.expires_at.isoformat()},
        )
    return secret, session


async def resume_session(cookie_secret: str | None) -> Portal:
    """The portal behind a session cookie, while both the session and its link hold."""
    if not cookie_secret or not cookie_secret.startswith(SESSION_PREFIX):
        raise SessionEnded("no portal session")
    session = await PortalSession.get_or_none(token_hash=hash_secret(cookie_secret))
    now = datetime.now(UTC)
    if session is None or session.ended_at is not None or session.expires_at <= now:
        raise SessionEnded("the portal session has ended")
    invitation = await Invitation.get(id=session.invitation_id)
    vendor = await vendor_session(invitation)  # 410 once the link is revoked or expired
    return Portal(session=session, vendor=vendor)


def csrf_matches(session: PortalSession, token: str) -> bool:
    return bool(token) and hmac.compare_digest(session.csrf_token.encode(), token.encode())


async def set_language(session: PortalSession, language: str) -> None:
    if language in LANGUAGES and language != session.language:
        await PortalSession.filter(id=session.id).update(language=language)
        session.language = language


async def end_session(portal: Portal) -> None:
    async with transaction() as conn:
        updated = (
            await PortalSession.filter(id=portal.session.id, ended_at__isnull=True)
            .using_db(conn)
            .update(ended_at=datetime.now(UTC))
        )
        if updated:
            await record(
                conn,
                organization_id=str(portal.session.organization_id),
                actor=portal.vendor.actor,
                action="portal.session_ended",
                object_type="invitation",
                object_id=str(portal.session.invitation_id),
                review_id=str(portal.vendor.review.id),
            )
