"""Notifications API: webhook endpoints and their delivery log, the calendar feed."""

from __future__ import annotations

from uuid import UUID

from service.accounts.principal import Principal
from service.accounts.roles import Role
from service.notifications import service
from service.notifications.models import Notification, WebhookEndpoint
from service.notifications.schemas import (
    CalendarFeedCreated,
    EmailDeliveryOut,
    EmailDeliveryQuery,
    WebhookDeliveryOut,
    WebhookEndpointCreate,
    WebhookEndpointCreated,
    WebhookEndpointOut,
)
from service.routing import Download, endpoint
from service.throttling import SecretKind

TAG = "notifications"
ADMIN = {Role.admin}
# Who may read the email log: recipients and subjects are personal data of staff and vendors.
EMAIL_READERS = {Role.admin, Role.security, Role.auditor}
CALENDAR_MEDIA_TYPE = "text/calendar"
CALENDAR_FEED_PATHS = "api/calendar"  # where the feed's secret travels (the access log hides it)


def endpoint_out(hook: WebhookEndpoint) -> WebhookEndpointOut:
    return WebhookEndpointOut.model_validate(hook, from_attributes=True)


def delivery_out(row: Notification) -> WebhookDeliveryOut:
    return WebhookDeliveryOut.model_validate(row, from_attributes=True)


@endpoint(
    "POST",
    "/api/webhooks",
    summary="Register a webhook endpoint; the signing secret is shown once / Webhook登録",
    tag=TAG,
    status=201,
    roles=ADMIN,
    description=(
        "An organization may have at most VETTING_WEBHOOK_MAX_PER_ORGANIZATION (default 20) "
        "active endpoints; one more is refused with 409 and the error "
        "`webhook_limit_reached` (remove one first). / 1組織が登録できるWebhookは既定で20件まで"
        "です（超えると409 webhook_limit_reached）。"
    ),
)
async def create_webhook(
    principal: Principal, body: WebhookEndpointCreate
) -> WebhookEndpointCreated:
    created = await service.create_endpoint(principal=principal, data=body)
    return WebhookEndpointCreated(
        **endpoint_out(created.endpoint).model_dump(), secret=created.secret
    )


@endpoint(
    "GET", "/api/webhooks", summary="Webhook endpoints of the organization", tag=TAG, roles=ADMIN
)
async def list_webhooks(principal: Principal) -> list[WebhookEndpointOut]:
    return [endpoint_out(e) for e in await service.list_endpoints(principal)]


@endpoint(
    "DELETE",
    "/api/webhooks/{webhook_id}",
    summary="Remove a webhook endpoint (its log stays) / Webhook削除",
    tag=TAG,
    roles=ADMIN,
)
async def remove_webhook(principal: Principal, webhook_id: UUID) -> None:
    await service.remove_endpoint(principal=principal, endpoint_id=str(webhook_id))


@endpoint(
    "GET",
    "/api/webhooks/{webhook_id}/deliveries",
    summary="Delivery log of one endpoint, newest first / 配信履歴",
    tag=TAG,
    roles=ADMIN,
)
async def list_webhook_deliveries(
    principal: Principal, webhook_id: UUID
) -> list[WebhookDeliveryOut]:
    rows = await service.list_deliveries(principal, str(webhook_id))
    return [delivery_out(r) for r in rows]


def email_out(row: Notification) -> EmailDeliveryOut:
    return EmailDeliveryOut(
        id=row.id,
        message_id=service.message_id(row),
        event_type=row.event_type,
        review_id=row.review_id,
        to_address=row.to_address,
        subject=row.subject,
        status=row.status,
        attempts=row.attempts,
        last_error=row.last_error,
        next_attempt_at=row.next_attempt_at,
        sent_at=row.sent_at,
        created_at=row.created_at,
        attempt_log=row.attempt_log,
    )


@endpoint(
    "GET",
    "/api/email-deliveries",
    summary="Emails of the organization with their delivery state, newest first / メール配信履歴",
    tag=TAG,
    roles=EMAIL_READERS,
)
async def list_email_deliveries(
    principal: Principal, query: EmailDeliveryQuery
) -> list[EmailDeliveryOut]:
    rows = await service.list_email_deliveries(
        principal,
        status=query.status,
        review_id=str(query.review_id) if query.review_id else None,
        limit=query.limit,
    )
    return [email_out(r) for r in rows]


@endpoint(
    "POST",
    "/api/webhooks/{webhook_id}/ping",
    summary="Send a test event / テスト送信",
    tag=TAG,
    roles=ADMIN,
)
async def ping_webhook(principal: Principal, webhook_id: UUID) -> None:
    await service.ping(principal=principal, endpoint_id=str(webhook_id))


@endpoint(
    "POST",
    "/api/organizations/{organization_id}/calendar-feed",
    summary="Issue the secret iCalendar address of due dates (shown once; replaces the old one)",
    tag=TAG,
    status=201,
    roles=ADMIN,
)
async def issue_calendar_feed(principal: Principal, organization_id: UUID) -> CalendarFeedCreated:
    issued = await service.issue_calendar_feed(
        principal=principal, organization_id=str(organization_id)
    )
    return CalendarFeedCreated(url=issued.url, created_at=issued.feed.created_at)


@endpoint(
    "DELETE",
    "/api/organizations/{organization_id}/calendar-feed",
    summary="Withdraw the calendar address / カレンダー配信の停止",
    tag=TAG,
    roles=ADMIN,
)
async def revoke_calendar_feed(principal: Principal, organization_id: UUID) -> None:
    await service.revoke_calendar_feed(principal=principal, organization_id=str(organization_id))


@endpoint(
    "GET",
    "/api/calendar/{token}",
    summary="Due dates as iCalendar, for Outlook or Google Calendar / 期限カレンダー",
    tag=TAG,
    auth="none",
    secret=SecretKind.calendar,
    download_types=(CALENDAR_MEDIA_TYPE,),
)
async def calendar_feed(token: str) -> Download:
    content = await service.calendar_for_token(token)
    return Download(
        content=content,
        media_type=f"{CALENDAR_MEDIA_TYPE}; charset=utf-8",
        filename="deadlines.ics",
    )
