"""What every page the server builds shares: the vendor portal (/v) and the social pages (/sns).

The security headers, the redaction of link secrets from access logs, and the address of the
portal's stylesheet, which the social pages use too.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.config import get_settings

PREFIX = "/v"

# No script at all, styles only from our own file, no framing, forms only back to us.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"referrer-policy", b"no-referrer"),  # the link token must never leave in a Referer
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
NO_STORE = (b"cache-control", b"no-store")  # answers must not linger in shared caches


class SecurityHeaders:
    """Adds the portal's headers to every response it sends, errors included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_static = scope["path"].startswith(f"{PREFIX}/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in message.get("headers", [])}
                headers = list(message.get("headers", []))
                headers += [h for h in SECURITY_HEADERS if h[0] not in names]
                if not is_static and NO_STORE[0] not in names:
                    headers.append(NO_STORE)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RedactPathSecrets(logging.Filter):
    """Access logs must not keep link secrets that travel in a URL path (a vendor's link on its
    first open, an owner's attestation link): `/v/vl_abc…` is logged as `/v/vl_…`."""

    def __init__(self, paths: str, secret_prefix: str) -> None:
        super().__init__()
        self.key = (paths, secret_prefix)
        self._token = re.compile(rf"(/(?:{paths})/){secret_prefix}[A-Za-z0-9_-]+")
        self._shown = rf"\g<1>{secret_prefix}…"

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                self._token.sub(self._shown, arg) if isinstance(arg, str) else arg
                for arg in record.args
            )
        return True


def redact_access_log(paths: str, secret_prefix: str) -> None:
    """Install the filter on uvicorn's access log once (an app may be built more than once)."""
    access_log = logging.getLogger("uvicorn.access")
    key = (paths, secret_prefix)
    if not any(isinstance(f, RedactPathSecrets) and f.key == key for f in access_log.filters):
        access_log.addFilter(RedactPathSecrets(paths, secret_prefix))


def base_path() -> str:
    return urlsplit(get_settings().public_base_url).path.rstrip("/") + PREFIX


def portal_url(path: str = "/") -> str:
    return base_path() + path
