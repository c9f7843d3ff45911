"""Email over a real SMTP server (aiosmtpd on 127.0.0.1): encoding, retries, delivery records."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header

import pytest

from service.config import Settings, get_settings
from service.jobs import transaction
from service.outbox import email
from service.outbox import service as outbox
from service.outbox.models import DeliveryStatus, Notification
from tests.factories import Org
from tests.receivers import SmtpServer, free_port, smtp_server
from workers import runtime

SUBJECT = "【再審査】電子申請クラウド：定期再審査の期限まであと30日（2027年7月12日（月））"
BODY = "人吉市 御中\n\n定期再審査の期限が近づいています。\n詳細 / Details: https://example.jp/x\n"


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    with smtp_server() as server:
        settings = get_settings()
        monkeypatch.setattr(settings, "smtp_host", server.host)
        monkeypatch.setattr(settings, "smtp_port", server.port)
        monkeypatch.setattr(settings, "mail_from", "shinsa@city.example.jp")
        monkeypatch.setattr(settings, "mail_from_name", "人吉市 委託先審査")
        yield server


async def queue(org: Org, key: str, *, to: str = "tanto@city.example.jp", link: str = "") -> str:
    async with transaction() as conn:
        await outbox.queue_email(
            conn,
            organization_id=org.id,
            dedupe_key=key,
            event_type="test",
            to_address=to,
            subject=SUBJECT,
            body=BODY + ("リンク: {secret_link}\n" if link else ""),
            secret_link=link,
        )
    await runtime.wait_idle()  # the in-process job has made its first attempt
    row = await Notification.get(dedupe_key=key)
    return str(row.id)


async def test_japanese_subject_and_body_arrive_intact_and_correctly_encoded(
    org: Org, smtp: SmtpServer
) -> None:
    notification_id = await queue(org, "enc-1")

    [received] = smtp.sink.to("tanto@city.example.jp")
    raw = received.raw.decode("ascii")  # every header and the body travel as 7-bit ASCII
    assert "=?utf-8?" in raw.lower()  # RFC 2047 encoded-words in the headers
    assert max(len(line) for line in raw.splitlines()) <= 78  # RFC 5322 2.1.1
    assert str(make_header(decode_header(received.message["Subject"]))) == SUBJECT
    assert received.message.get_content_type() == "text/plain"
    assert received.message.get_content_charset() == "utf-8"
    assert received.text.replace("\r\n", "\n") == BODY  # CRLF: canonical for text on the wire
    assert received.message["From"].addresses[0].display_name == "人吉市 委託先審査"
    assert received.message["From"].addresses[0].addr_spec == "shinsa@city.example.jp"
    assert received.message_id == f"<{notification_id}@city.example.jp>"
    assert received.message["Auto-Submitted"] == "auto-generated"

    row = await Notification.get(id=notification_id)
    assert row.status == DeliveryStatus.sent and row.sent_at is not None
    assert row.attempts == 1 and len(row.attempt_log) == 1
    # Delivered once: another attempt finds nothing to do.
    assert await outbox.deliver(notification_id) is None
    assert smtp.sink.count() == 1


async def test_the_same_dedupe_key_is_queued_once(org: Org, smtp: SmtpServer) -> None:
    first = await queue(org, "dup-1")
    second = await queue(org, "dup-1")
    assert first == second
    assert await Notification.filter(dedupe_key="dup-1").count() == 1


async def test_a_vendor_link_is_sent_then_erased(org: Org, smtp: SmtpServer) -> None:
    link = "http://testserver/api/vendor/vl_secret-value"
    notification_id = await queue(org, "link-1", link=link)
    [received] = smtp.sink.to("tanto@city.example.jp")
    assert link in received.text
    row = await Notification.get(id=notification_id)
    assert row.secret_link == "" and "vl_secret-value" not in row.body


async def test_an_unreachable_server_is_retried_with_backoff_then_delivered(
    org: Org, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = get_settings()
    monkeypatch.setattr(settings, "notify_retry_base_seconds", 60)
    monkeypatch.setattr(settings, "smtp_port", free_port())  # nothing listens there
    started = datetime.now(UTC)
    notification_id = await queue(org, "retry-1")
    row = await Notification.get(id=notification_id)
    assert row.status == DeliveryStatus.pending
    assert row.attempts == 1 and row.last_error
    assert timedelta(seconds=59) <= row.next_attempt_at - started <= timedelta(seconds=70)
    # Not due yet: neither a direct call nor the sweep sends it early.
    assert await outbox.deliver(notification_id) is None
    assert notification_id not in await outbox.due_for_delivery()

    await Notification.filter(id=notification_id).update(next_attempt_at=datetime.now(UTC))
    assert notification_id in await outbox.due_for_delivery()
    assert await outbox.deliver(notification_id) == DeliveryStatus.pending
    row = await Notification.get(id=notification_id)
    assert row.attempts == 2
    assert row.next_attempt_at - datetime.now(UTC) > timedelta(seconds=230)  # 60 s × 4

    monkeypatch.setattr(settings, "smtp_port", smtp.port)  # the server is back
    await Notification.filter(id=notification_id).update(next_attempt_at=datetime.now(UTC))
    assert await outbox.deliver(notification_id) == DeliveryStatus.sent
    row = await Notification.get(id=notification_id)
    assert [entry["error"] != "" for entry in row.attempt_log] == [True, True, False]
    assert len(smtp.sink.to("tanto@city.example.jp")) == 1


async def test_after_the_last_attempt_the_delivery_is_marked_failed(
    org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = get_settings()
    monkeypatch.setattr(settings, "smtp_host", "127.0.0.1")
    monkeypatch.setattr(settings, "smtp_port", free_port())
    monkeypatch.setattr(settings, "notify_max_attempts", 2)
    monkeypatch.setattr(settings, "notify_retry_base_seconds", 0)
    notification_id = await queue(org, "fail-1")
    assert (await Notification.get(id=notification_id)).status == DeliveryStatus.pending
    assert await outbox.deliver(notification_id) == DeliveryStatus.failed
    assert notification_id not in await outbox.due_for_delivery()


async def test_without_an_smtp_server_emails_are_recorded_as_skipped(
    org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "smtp_host", None)
    notification_id = await queue(org, "skip-1")
    row = await Notification.get(id=notification_id)
    assert row.status == DeliveryStatus.skipped
    assert "VETTING_SMTP_HOST" in row.last_error


async def test_smtp_credentials_are_used(org: Org, monkeypatch: pytest.MonkeyPatch) -> None:
    with smtp_server(username="vetting", password="correct horse") as server:
        settings = get_settings()
        monkeypatch.setattr(settings, "smtp_host", server.host)
        monkeypatch.setattr(settings, "smtp_port", server.port)
        monkeypatch.setattr(settings, "smtp_username", "vetting")
        monkeypatch.setattr(settings, "smtp_password", "wrong")
        monkeypatch.setattr(settings, "notify_retry_base_seconds", 0)
        notification_id = await queue(org, "auth-1")
        row = await Notification.get(id=notification_id)
        assert row.status == DeliveryStatus.pending and "535" in row.last_error
        monkeypatch.setattr(settings, "smtp_password", "correct horse")
        assert await outbox.deliver(notification_id) == DeliveryStatus.sent
        assert server.sink.count() == 1


async def test_empty_credentials_as_compose_passes_them_mean_no_login(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """compose.yaml passes `${VETTING_SMTP_USERNAME:-}` as an empty string: no AUTH is tried, so
    a relay without AUTH (the usual one inside a government network) accepts the message."""
    with smtp_server() as server:  # no AUTH extension
        monkeypatch.setenv("VETTING_SMTP_HOST", server.host)
        monkeypatch.setenv("VETTING_SMTP_PORT", str(server.port))
        monkeypatch.setenv("VETTING_SMTP_USERNAME", "")
        monkeypatch.setenv("VETTING_SMTP_PASSWORD", "")
        monkeypatch.setenv("VETTING_ISMAP_LIST_URL", "")
        settings = Settings()
        assert (settings.smtp_username, settings.smtp_password) == (None, None)
        assert settings.ismap_list_url is None
        message = email.build_email(
            message_id="compose-1",
            to_address="a@city.example.jp",
            subject=SUBJECT,
            body=BODY,
            settings=settings,
        )
        await email.send_email(message, settings)
        await email.close_connections()
        assert len(server.sink.to("a@city.example.jp")) == 1


async def test_a_lapsed_claim_is_taken_over_and_the_old_worker_records_nothing(
    org: Org, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "smtp_port", free_port())
    notification_id = await queue(org, "lease-1")  # first attempt fails: stays pending
    monkeypatch.setattr(get_settings(), "smtp_port", smtp.port)
    # A worker claimed the row and died: the row says "sending" with a lease in the past.
    await Notification.filter(id=notification_id).update(
        status=DeliveryStatus.sending,
        claim_token="dead-worker",
        lease_until=datetime.now(UTC) - timedelta(seconds=1),
        attempts=1,
    )
    assert notification_id in await outbox.due_for_delivery()
    assert await outbox.deliver(notification_id) == DeliveryStatus.sent
    row = await Notification.get(id=notification_id)
    assert row.attempts == 2 and row.claim_token != "dead-worker"
    assert smtp.sink.count() == 1


async def test_consecutive_emails_share_one_smtp_connection(org: Org, smtp: SmtpServer) -> None:
    for n in range(3):
        await queue(org, f"reuse-{n}", to=f"kakari{n}@city.example.jp")
    assert smtp.sink.count() == 3
    assert smtp.sink.connections() == 1


async def test_an_idle_connection_is_not_kept_past_its_time(
    org: Org, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(email, "IDLE_SECONDS", 0.0)
    for n in range(2):
        await queue(org, f"idle-{n}", to=f"kakari{n}@city.example.jp")
    assert smtp.sink.connections() == 2


async def test_a_server_that_went_away_gets_a_new_connection(
    org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = get_settings()
    with smtp_server() as first:
        monkeypatch.setattr(settings, "smtp_host", first.host)
        monkeypatch.setattr(settings, "smtp_port", first.port)
        await queue(org, "gone-1")  # its connection stays open, idle
    with smtp_server(port=first.port) as second:  # restarted: the idle connection is dead
        notification_id = await queue(org, "gone-2")
        row = await Notification.get(id=notification_id)
        assert row.status == DeliveryStatus.sent and row.attempts == 1
        assert second.sink.count() == 1 and first.sink.count() == 1
