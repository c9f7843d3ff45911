"""The outbox: queue emails and webhook events in the caller's transaction; deliver them later.

`queue_email` and `emit_event` write rows in the transaction that made the news and ask for
delivery after it commits. `deliver` claims one row with a conditional UPDATE (a lease with a
claim token), sends it once, and records the outcome; a failure waits for its next attempt with
exponential backoff. `due_for_delivery` lists rows whose attempt is due or whose claim lapsed (the
worker died): the periodic outbox sweep sends them again. Delivery is at least once: a worker
killed after the server accepted a message but before the row was marked sent makes the next
attempt send it again, with the same Message-ID / Vetting-Event-Id so receivers can tell.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F, Q

from service.config import get_settings
from service.jobs import enqueue_after_commit
from service.notifications import webhooks
from service.notifications.email import build_email, send_email
from service.notifications.models import (
    Channel,
    DeliveryStatus,
    Notification,
    WebhookEndpoint,
)
from service.secretbox import SecretKeyError, decrypt

log = logging.getLogger(__name__)
DELIVER_ACTOR = "deliver_notification"
MAX_BACKOFF = timedelta(hours=6)
SECRET_LINK_PLACEHOLDER = "{secret_link}"  # noqa: S105 (where the link goes, not a secret)
ERASED_LINK = "（送信後に消去 / erased after delivery）"


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt after `attempts` failed ones: base × 4^(attempts-1)."""
    base = get_settings().notify_retry_base_seconds
    return min(timedelta(seconds=base * 4 ** max(attempts - 1, 0)), MAX_BACKOFF)


async def _insert(conn: BaseDBAsyncClient, rows: list[Notification]) -> list[str]:
    """Insert, skipping rows whose dedupe_key exists; returns the ids actually inserted."""
    if not rows:
        return []
    await Notification.bulk_create(rows, ignore_conflicts=True, using_db=conn)
    wanted = [row.id for row in rows]
    inserted = await Notification.filter(id__in=wanted).using_db(conn).values_list("id", flat=True)
    ids = [str(i) for i in inserted]
    for notification_id in ids:
        enqueue_after_commit(DELIVER_ACTOR, notification_id)
    return ids


async def queue_email(
    conn: BaseDBAsyncClient,
    *,
    organization_id: str,
    dedupe_key: str,
    event_type: str,
    to_address: str,
    subject: str,
    body: str,
    secret_link: str = "",
    event_id: UUID | None = None,
    review_id: str | None = None,
) -> bool:
    """Queue one email; False when one with this dedupe_key was queued before.

    A body holding a vendor link writes `{secret_link}` where the link goes: the link is kept only
    until the message is delivered. `review_id` names the review it is about, if any (the
    delivery list filters on it).
    """
    row = Notification(
        id=uuid4(),
        organization_id=organization_id,
        channel=Channel.email,
        dedupe_key=dedupe_key[:200],
        event_id=event_id or uuid4(),
        event_type=event_type,
        review_id=review_id or None,
        to_address=to_address,
        subject=subject,
        body=body,
        secret_link=secret_link,
        next_attempt_at=datetime.now(UTC),
    )
    return bool(await _insert(conn, [row]))


def _subscribed(endpoint: WebhookEndpoint, event_type: str) -> bool:
    return not endpoint.events or event_type in endpoint.events


async def emit_event(
    conn: BaseDBAsyncClient, *, organization_id: str, event_type: str, data: dict[str, Any]
) -> UUID:
    """One webhook delivery per active endpoint of the organization that wants `event_type`."""
    event_id = uuid4()
    now = datetime.now(UTC)
    payload = {
        "id": str(event_id),
        "type": event_type,
        "created_at": now.isoformat(),
        "organization_id": str(organization_id),
        "data": data,
    }
    endpoints = await WebhookEndpoint.filter(organization_id=organization_id, active=True).using_db(
        conn
    )
    rows = [
        Notification(
            id=uuid4(),
            organization_id=organization_id,
            channel=Channel.webhook,
            dedupe_key=f"webhook:{endpoint.id}:{event_id}",
            event_id=event_id,
            event_type=event_type,
            review_id=data.get("review_id"),
            endpoint_id=endpoint.id,
            payload=payload,
            next_attempt_at=now,
        )
        for endpoint in endpoints
        if _subscribed(endpoint, event_type)
    ]
    await _insert(conn, rows)
    return event_id


async def due_for_delivery(*, limit: int = 1000) -> list[str]:
    """Rows whose next attempt is due, or whose worker's claim has lapsed."""
    now = datetime.now(UTC)
    ids = (
        await Notification.filter(
            Q(status=DeliveryStatus.pending, next_attempt_at__lte=now)
            | Q(status=DeliveryStatus.sending, lease_until__lt=now)
        )
        .order_by("next_attempt_at")
        .limit(limit)
        .values_list("id", flat=True)
    )
    return [str(i) for i in ids]


async def _claim(notification_id: str) -> tuple[Notification, str] | None:
    now = datetime.now(UTC)
    token = secrets.token_hex(16)
    claimed = await Notification.filter(
        Q(id=notification_id)
        & (
            Q(status=DeliveryStatus.pending, next_attempt_at__lte=now)
            | Q(status=DeliveryStatus.sending, lease_until__lt=now)
        )
    ).update(
        status=DeliveryStatus.sending,
        claim_token=token,
        lease_until=now + timedelta(seconds=get_settings().notify_lease_seconds),
        attempts=F("attempts") + 1,
    )
    if claimed != 1:
        return None
    return await Notification.get(id=notification_id), token


async def _finish(
    row: Notification,
    token: str,
    *,
    status: DeliveryStatus,
    error: str = "",
    status_code: int | None = None,
) -> None:
    now = datetime.now(UTC)
    entry = {"at": now.isoformat(), "attempt": row.attempts, "status_code": status_code}
    entry["error"] = error[:500]
    changes: dict[str, Any] = {
        "status": status,
        "lease_until": None,
        "last_error": error[:2000],
        "last_status_code": status_code,
        "attempt_log": [*row.attempt_log, entry][-50:],
    }
    if status == DeliveryStatus.sent:
        changes["sent_at"] = now
    if status in (DeliveryStatus.sent, DeliveryStatus.failed, DeliveryStatus.skipped):
        changes["secret_link"] = ""
    if status == DeliveryStatus.pending:
        changes["next_attempt_at"] = now + backoff(row.attempts)
    # Only the holder of the claim may record: a worker whose lease lapsed writes nothing.
    await Notification.filter(id=row.id, claim_token=token).update(**changes)


async def _release(row: Notification, token: str) -> None:
    """Undo a claim whose attempt was cut short (not counted, nothing logged)."""
    try:
        await Notification.filter(id=row.id, claim_token=token).update(
            status=DeliveryStatus.pending,
            lease_until=None,
            next_attempt_at=datetime.now(UTC),
            attempts=F("attempts") - 1,
        )
    except Exception:  # the database may be going away too; then the lease lapses instead
        log.warning("%s %s: claim not handed back; it lapses after the lease", row.channel, row.id)


async def _send(row: Notification) -> tuple[DeliveryStatus, str, int | None]:
    settings = get_settings()
    if row.channel == Channel.email:
        if not settings.smtp_host:
            return DeliveryStatus.skipped, "VETTING_SMTP_HOST is not set; email not sent", None
        body = row.body.replace(SECRET_LINK_PLACEHOLDER, row.secret_link or ERASED_LINK)
        message = build_email(
            message_id=str(row.id),
            to_address=row.to_address,
            subject=row.subject,
            body=body,
            settings=settings,
        )
        try:
            reply = await send_email(message, settings)
        except Exception as exc:  # SMTP, TLS, DNS or socket: all mean "try again later"
            return DeliveryStatus.pending, f"{type(exc).__name__}: {exc}", None
        log.info("email %s to %s sent: %s", row.id, row.to_address, reply)
        return DeliveryStatus.sent, "", None
    endpoint = await WebhookEndpoint.get_or_none(id=row.endpoint_id)
    if endpoint is None or not endpoint.active:
        return DeliveryStatus.skipped, "the endpoint was removed", None
    if not settings.webhook_allow_private_addresses:
        try:
            await webhooks.check_public_address(endpoint.url)
        except webhooks.UnsafeAddress as exc:
            return DeliveryStatus.failed, str(exc), None
    try:
        secret = decrypt(endpoint.secret)
    except SecretKeyError as exc:  # a configuration mistake: retried once the keys are fixed
        return DeliveryStatus.pending, str(exc), None
    body_bytes = json.dumps(row.payload, ensure_ascii=False, separators=(",", ":")).encode()
    result = await webhooks.post_event(
        url=endpoint.url,
        secret=secret,
        event_id=str(row.event_id),
        event_type=row.event_type,
        body=body_bytes,
        timeout_seconds=settings.webhook_timeout_seconds,
    )
    if result.ok:
        return DeliveryStatus.sent, "", result.status_code
    return DeliveryStatus.pending, result.error, result.status_code


async def deliver(notification_id: str) -> DeliveryStatus | None:
    """Try one delivery of one row; None when the row is not due or another worker holds it."""
    claim = await _claim(notification_id)
    if claim is None:
        return None
    row, token = claim
    try:
        status, error, status_code = await _send(row)
    except asyncio.CancelledError:
        # The process is stopping and its grace period ran out: hand the row back, due now, so
        # the next start sends it at once rather than after the lease. The receiver may have had
        # it already; the retry carries the same event id / Message-ID, as every retry does.
        await asyncio.shield(_release(row, token))
        raise
    if status == DeliveryStatus.pending and row.attempts >= get_settings().notify_max_attempts:
        status = DeliveryStatus.failed
    if status != DeliveryStatus.sent:
        log.warning(
            "%s %s attempt %d: %s (%s)", row.channel, row.id, row.attempts, error, status.value
        )
    await _finish(row, token, status=status, error=error, status_code=status_code)
    return status
