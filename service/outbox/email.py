"""Email: a Japanese plain-text message, correctly encoded, sent over SMTP with aiosmtplib.

The subject and display names become RFC 2047 encoded-words and the body base64-encoded UTF-8,
so any mail client shows the Japanese text; the Message-ID is fixed per outbox row, so a message
re-sent after a crash can be recognized as the same one.

An SMTP connection is kept open for a few seconds after a message and reused for the next one
(per event loop, one per job in flight): opening a connection costs more than sending a message
(docs/benchmarks.md, "Notification throughput").
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.header import Header
from email.message import Message
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr

import aiosmtplib

from service.config import Settings


def message_id_header(message_id: str, settings: Settings) -> str:
    """`<outbox row id@sender's domain>`: fixed per row, so a re-sent message is the same one."""
    domain = settings.mail_from.rsplit("@", 1)[-1] or "localhost"
    return f"<{message_id}@{domain}>"


def build_email(
    *, message_id: str, to_address: str, subject: str, body: str, settings: Settings
) -> Message:
    # 7-bit on the wire: any relay passes it on unchanged, whether or not it speaks 8BITMIME.
    # The compat32 classes (MIMEText, Header) write the same RFC 2047 / base64 message as
    # EmailMessage with policy.SMTP, in a tenth of the time (docs/benchmarks.md).
    message = MIMEText(body, "plain", "utf-8")  # base64 body, charset="utf-8"
    message["Subject"] = Header(subject, "utf-8", header_name="Subject")  # type: ignore[assignment]  # str or Header
    message["From"] = formataddr((settings.mail_from_name, settings.mail_from), charset="utf-8")
    message["To"] = to_address
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = message_id_header(message_id, settings)
    # RFC 3834: automatic mail; auto-responders must not answer it.
    message["Auto-Submitted"] = "auto-generated"
    message["Content-Language"] = "ja, en"
    return message


# Well under the 5 minutes a server may wait before it drops an idle client (RFC 5321 4.5.3.2).
IDLE_SECONDS = 15.0
MAX_IDLE = 16


@dataclass
class _Idle:
    key: tuple[object, ...]
    client: aiosmtplib.SMTP
    since: float


_idle: dict[int, list[_Idle]] = {}  # open connections of each event loop, not in use


def _server(settings: Settings) -> tuple[object, ...]:
    return (
        settings.smtp_host,
        settings.smtp_port,
        settings.smtp_username,
        settings.smtp_password,
        settings.smtp_tls,
        settings.smtp_starttls,
    )


def _take(key: tuple[object, ...]) -> aiosmtplib.SMTP | None:
    idle = _idle.setdefault(id(asyncio.get_running_loop()), [])
    now = time.monotonic()
    while idle:
        entry = idle.pop()  # the most recently used first
        if entry.key == key and now - entry.since < IDLE_SECONDS and entry.client.is_connected:
            return entry.client
        entry.client.close()
    return None


def _give_back(key: tuple[object, ...], client: aiosmtplib.SMTP) -> None:
    idle = _idle.setdefault(id(asyncio.get_running_loop()), [])
    if len(idle) < MAX_IDLE and client.is_connected:
        idle.append(_Idle(key, client, time.monotonic()))
    else:
        client.close()


async def _connect(settings: Settings) -> aiosmtplib.SMTP:
    client = aiosmtplib.SMTP(
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=settings.smtp_password,
        use_tls=settings.smtp_tls,
        start_tls=settings.smtp_starttls,
        timeout=settings.smtp_timeout_seconds,
    )
    await client.connect()
    return client


async def send_email(message: Message, settings: Settings) -> str:
    """Hand the message to the configured SMTP server; returns the server's reply."""
    assert settings.smtp_host, "callers check that an SMTP host is configured"
    key = _server(settings)
    client = _take(key)
    if client is not None:
        try:
            _, reply = await client.send_message(message)
        except aiosmtplib.SMTPServerDisconnected:
            client.close()  # the server dropped the idle connection: once more on a new one
        except BaseException:
            client.close()
            raise
        else:
            _give_back(key, client)
            return reply
    client = await _connect(settings)
    try:
        _, reply = await client.send_message(message)
    except BaseException:
        client.close()
        raise
    _give_back(key, client)
    return reply


async def close_connections() -> None:
    """Say QUIT on this loop's idle connections (a worker or scheduler stopping)."""
    for entry in _idle.pop(id(asyncio.get_running_loop()), []):
        try:
            await entry.client.quit()
        except aiosmtplib.SMTPException:
            entry.client.close()
