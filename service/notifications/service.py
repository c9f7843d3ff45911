"""Webhook endpoints and calendar feeds of an organization: the only writer of these tables."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from service.accounts.models import Organization
from service.accounts.principal import Principal
from service.audit.service import record
from service.config import get_settings
from service.engagements.models import Engagement
from service.errors import Conflict, NotFound, ValidationFailed
from service.jobs import transaction
from service.notifications.calendar import CalendarEntry, build_feed
from service.notifications.email import message_id_header
from service.notifications.models import (
    CalendarFeed,
    Channel,
    DeliveryStatus,
    Notification,
    WebhookEndpoint,
)
from service.notifications.outbox import emit_event
from service.notifications.schemas import WebhookEndpointCreate
from service.notifications.webhooks import UnresolvableHost, UnsafeAddress, check_public_address
from service.reminders.models import Deadline, DeadlineStatus
from service.reviews.models import Review
from service.secretbox import SecretKeyError, encrypt, ensure_key, rewrap
from service.tokens import hash_secret, new_secret
from service.vendors.models import Vendor

WEBHOOK_SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)
CALENDAR_PREFIX = "cal_"


def _check_organization(principal: Principal, organization_id: str) -> None:
    if organization_id != principal.organization_id:
        raise NotFound("no such organization")


class WebhookLimitReached(Conflict):
    code = "webhook_limit_reached"


@dataclass(frozen=True)
class CreatedEndpoint:
    endpoint: WebhookEndpoint
    secret: str


async def _refuse_internal_address(url: str) -> None:
    """Refused at registration rather than failing at every delivery. A name that does not
    resolve yet is accepted: each delivery checks the address again (DNS can change)."""
    try:
        await check_public_address(url)
    except UnresolvableHost:
        return
    except UnsafeAddress:
        raise ValidationFailed(
            "Webhookの宛先が内部のアドレス（プライベート、ループバック等）に解決されるため"
            "登録できません。 / The webhook address resolves to a private, loopback or otherwise"
            " non-public address.",
            fields={
                "url": "内部のアドレスには送信できません / resolves to a non-public address "
                "(VETTING_WEBHOOK_ALLOW_PRIVATE_ADDRESSES is off)"
            },
        ) from None


async def create_endpoint(*, principal: Principal, data: WebhookEndpointCreate) -> CreatedEndpoint:
    url = str(data.url)
    if data.url.scheme not in ("http", "https"):
        raise ValidationFailed("a webhook address is http(s)", fields={"url": "http(s) only"})
    if not get_settings().webhook_allow_private_addresses:
        await _refuse_internal_address(url)
    secret = f"{WEBHOOK_SECRET_PREFIX}{secrets.token_urlsafe(32)}"
    limit = get_settings().webhook_max_per_organization
    async with transaction() as conn:
        # Two admins registering at once count one after the other (PostgreSQL: the row lock;
        # SQLite: one writer at a time), so the limit holds.
        await (
            Organization.select_for_update()
            .filter(id=principal.organization_id)
            .using_db(conn)
            .get()
        )
        active = (
            await WebhookEndpoint.filter(organization_id=principal.organization_id, active=True)
            .using_db(conn)
            .count()
        )
        if active >= limit:
            raise WebhookLimitReached(
                f"この組織に登録できるWebhookは{limit}件までです。不要なものを削除してから"
                f"登録してください。 / An organization may have at most {limit} webhook "
                "endpoints; remove one before adding another."
            )
        endpoint = await WebhookEndpoint.create(
            organization_id=principal.organization_id,
            url=url,
            description=data.description,
            events=sorted(set(data.events)),
            secret=encrypt(secret),
            created_by_id=principal.user_id,
            using_db=conn,
        )
        await record(
            conn,
            organization_id=principal.organization_id,
            actor=principal.actor,
            action="webhook_endpoint.created",
            object_type="webhook_endpoint",
            object_id=str(endpoint.id),
            data={"url": url, "events": endpoint.events},
        )
    return CreatedEndpoint(endpoint=endpoint, secret=secret)


@dataclass(frozen=True)
class Reencryption:
    changed: int  # rewritten with the newest key
    unreadable: list[str]  # endpoints whose key no configured key opens (left as they are)


async def reencrypt_secrets() -> Reencryption:
    """Encrypt every signing key with the newest key (plain ones from before, or older keys).

    `vetting migrate`, `vetting serve` and `vetting secrets rotate` run it. A key that no
    configured key opens is left alone and reported: the other tenants' webhooks keep working, and
    deliveries to that endpoint stay pending with the reason until an operator acts.
    """
    ensure_key()  # a malformed VETTING_SECRET_KEY is the operator's error: raised, not per endpoint
    changed = 0
    unreadable: list[str] = []
    for endpoint in await WebhookEndpoint.all().only("id", "secret"):
        try:
            wrapped = rewrap(endpoint.secret)
        except SecretKeyError:
            unreadable.append(str(endpoint.id))
            continue
        if wrapped is None:
            continue
        async with transaction() as conn:
            # Only if nobody changed it meanwhile (two of these running at once).
            changed += (
                await WebhookEndpoint.filter(id=endpoint.id, secret=endpoint.secret)
                .using_db(conn)
                .update(secret=wrapped)
            )
    return Reencryption(changed, unreadable)


async def list_endpoints(principal: Principal) -> list[WebhookEndpoint]:
    return await WebhookEndpoint.filter(organization_id=principal.organization_id).order_by(
        "created_at"
    )


async def get_endpoint(principal: Principal, endpoint_id: str) -> WebhookEndpoint:
    """A webhook the caller's organization has not removed: after DELETE it is gone for the API
    (deliveries, ping, DELETE again: 404), though the list still shows it as inactive."""
    endpoint = await WebhookEndpoint.get_or_none(
        id=endpoint_id, organization_id=principal.organization_id, active=True
    )
    if endpoint is None:
        raise NotFound("no such webhook endpoint")
    return endpoint


async def remove_endpoint(*, principal: Principal, endpoint_id: str) -> None:
    """Deactivate (the delivery log stays); pending deliveries are skipped."""
    endpoint = await get_endpoint(principal, endpoint_id)
    async with transaction() as conn:
        updated = (
            await WebhookEndpoint.filter(id=endpoint.id, active=True)
            .using_db(conn)
            .update(active=False)
        )
        if updated:
            await record(
                conn,
                organization_id=principal.organization_id,
                actor=principal.actor,
                action="webhook_endpoint.removed",
                object_type="webhook_endpoint",
                object_id=str(endpoint.id),
            )


async def list_deliveries(
    principal: Principal, endpoint_id: str, *, limit: int = 200
) -> list[Notification]:
    endpoint = await get_endpoint(principal, endpoint_id)
    return await Notification.filter(endpoint_id=endpoint.id).order_by("-created_at").limit(limit)


async def list_email_deliveries(
    principal: Principal,
    *,
    status: DeliveryStatus | None = None,
    review_id: str | None = None,
    limit: int = 100,
) -> list[Notification]:
    """The organization's emails, newest first; a review of another organization is 404."""
    rows = Notification.filter(organization_id=principal.organization_id, channel=Channel.email)
    if review_id is not None:
        if not await Review.exists(id=review_id, organization_id=principal.organization_id):
            raise NotFound("no such review / 審査が見つかりません")
        rows = rows.filter(review_id=review_id)
    if status is not None:
        rows = rows.filter(status=status)
    return await rows.order_by("-created_at").limit(limit)


def message_id(row: Notification) -> str:
    """The Message-ID header the email was (or will be) sent with."""
    return message_id_header(str(row.id), get_settings())


async def ping(*, principal: Principal, endpoint_id: str) -> None:
    """Send a `ping` event to every endpoint that listens for it (to test a receiver)."""
    endpoint = await get_endpoint(principal, endpoint_id)
    async with transaction() as conn:
        await emit_event(
            conn,
            organization_id=principal.organization_id,
            event_type="ping",
            data={"endpoint_id": str(endpoint.id), "message": "テスト送信 / test event"},
        )


@dataclass(frozen=True)
class IssuedFeed:
    feed: CalendarFeed
    url: str


def feed_url(secret: str) -> str:
    return f"{get_settings().public_base_url.rstrip('/')}/api/calendar/{secret}"


async def issue_calendar_feed(*, principal: Principal, organization_id: str) -> IssuedFeed:
    """A new secret feed address; the previous one stops working."""
    _check_organization(principal, organization_id)
    secret = new_secret(CALENDAR_PREFIX)
    now = datetime.now(UTC)
    async with transaction() as conn:
        await CalendarFeed.filter(organization_id=organization_id).using_db(conn).delete()
        feed = await CalendarFeed.create(
            organization_id=organization_id,
            token_hash=hash_secret(secret),
            created_at=now,
            using_db=conn,
        )
        await record(
            conn,
            organization_id=organization_id,
            actor=principal.actor,
            action="calendar_feed.issued",
            object_type="organization",
            object_id=organization_id,
        )
    return IssuedFeed(feed=feed, url=feed_url(secret))


async def revoke_calendar_feed(*, principal: Principal, organization_id: str) -> None:
    _check_organization(principal, organization_id)
    async with transaction() as conn:
        removed = await CalendarFeed.filter(organization_id=organization_id).using_db(conn).delete()
        if removed:
            await record(
                conn,
                organization_id=organization_id,
                actor=principal.actor,
                action="calendar_feed.revoked",
                object_type="organization",
                object_id=organization_id,
            )


async def calendar_for_token(secret: str) -> bytes:
    """The feed behind a secret address; an unknown or revoked one is 404."""
    feed = await CalendarFeed.get_or_none(token_hash=hash_secret(secret)).select_related(
        "organization"
    )
    if feed is None:
        raise NotFound("no such calendar / このカレンダーは存在しません")
    deadlines = await Deadline.filter(
        organization_id=feed.organization_id, status=DeadlineStatus.active
    ).order_by("due_date")
    engagement_ids = {d.engagement_id for d in deadlines}
    engagements = {str(e.id): e for e in await Engagement.filter(id__in=list(engagement_ids))}
    vendor_ids = {e.vendor_id for e in engagements.values()}
    vendors = {str(v.id): v for v in await Vendor.filter(id__in=list(vendor_ids))}
    base = get_settings().public_base_url.rstrip("/")
    entries = []
    for deadline in deadlines:
        engagement = engagements[str(deadline.engagement_id)]
        entries.append(
            CalendarEntry(
                uid=f"{deadline.id}@vetting-service",
                kind=deadline.kind.value,
                day=deadline.due_date,
                engagement_number=engagement.number,
                service_name=engagement.service_name,
                vendor_name=vendors[str(engagement.vendor_id)].name,
                link=f"{base}/api/engagements/{engagement.id}",
            )
        )
    return build_feed(organization_name=feed.organization.name, entries=entries)
