"""Email: a Japanese plain-text message, correctly encoded, sent over SMTP with aiosmtplib.

The subject and display names become RFC 2047 encoded-words and the body UTF-8 (base64 or
quoted-printable), so any mail client shows the Japanese text; the Message-ID is fixed per outbox
row, so a message re-sent after a crash can be recognized as the same one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

import aiosmtplib

from service.config import Settings


def message_id_header(message_id: str, settings: Settings) -> str:
    """`<outbox row id@sender's domain>`: fixed per row, so a re-sent message is the same one."""
    domain = settings.mail_from.rsplit("@", 1)[-1] or "localhost"
    return f"<{message_id}@{domain}>"


def build_email(
    *, message_id: str, to_address: str, subject: str, body: str, settings: Settings
) -> EmailMessage:
    # 7-bit on the wire: any relay passes it on unchanged, whether or not it speaks 8BITMIME.
    message = EmailMessage(policy=policy.SMTP.clone(cte_type="7bit"))
    message["Subject"] = subject
    message["From"] = Address(display_name=settings.mail_from_name, addr_spec=settings.mail_from)
    message["To"] = to_address
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = message_id_header(message_id, settings)
    # RFC 3834: automatic mail; auto-responders must not answer it.
    message["Auto-Submitted"] = "auto-generated"
    message["Content-Language"] = "ja, en"
    message.set_content(body, charset="utf-8", cte="base64")
    return message


async def send_email(message: EmailMessage, settings: Settings) -> str:
    """Hand the message to the configured SMTP server; returns the server's reply."""
    assert settings.smtp_host, "callers check that an SMTP host is configured"
    _, reply = await aiosmtplib.send(
        message,
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=settings.smtp_password,
        use_tls=settings.smtp_tls,
        start_tls=settings.smtp_starttls,
        timeout=settings.smtp_timeout_seconds,
    )
    return reply
