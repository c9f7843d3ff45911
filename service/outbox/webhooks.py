"""Webhook delivery: a JSON POST signed with HMAC-SHA256 over the timestamp and the body.

Header `Vetting-Signature: t=<unix seconds>,v1=<hex>` where v1 = HMAC-SHA256(secret,
"<t>." + body). A receiver recomputes v1 from the raw body and rejects old timestamps (replays).
`Vetting-Event-Id` stays the same across retries, so a receiver can drop a repeat.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from service.public_addresses import is_public_address

SIGNATURE_HEADER = "Vetting-Signature"
EVENT_ID_HEADER = "Vetting-Event-Id"
EVENT_TYPE_HEADER = "Vetting-Event-Type"
USER_AGENT = "vetting-service-webhooks/1"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify(secret: str, header: str, body: bytes, *, tolerance_seconds: int = 300) -> bool:
    """What a receiver does (used by our tests and shown in the README)."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance_seconds:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


class UnsafeAddress(Exception):
    """The endpoint resolves to a private, loopback or otherwise internal address."""


class UnresolvableHost(UnsafeAddress):
    """The endpoint's host name does not resolve (now); nothing can be sent to it."""


RESOLVE_TIMEOUT_SECONDS = 5.0


async def check_public_address(url: str) -> None:
    """Every address the host resolves to must be public (a name with one internal address
    among public ones could lead there)."""
    host = urlsplit(url).hostname or ""
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(loop.getaddrinfo(host, None), RESOLVE_TIMEOUT_SECONDS)
    except (OSError, TimeoutError) as exc:
        raise UnresolvableHost(f"cannot resolve {host}: {exc or 'timed out'}") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not is_public_address(address):
            raise UnsafeAddress(f"{host} resolves to the non-public address {address}")


@dataclass(frozen=True)
class WebhookResult:
    ok: bool
    status_code: int | None
    error: str


_clients: dict[int, httpx.AsyncClient] = {}


def _client() -> httpx.AsyncClient:
    """One client per event loop (the API's loop, or a worker's loop thread)."""
    loop_id = id(asyncio.get_running_loop())
    client = _clients.get(loop_id)
    if client is None or client.is_closed:
        client = httpx.AsyncClient(follow_redirects=False, headers={"User-Agent": USER_AGENT})
        _clients[loop_id] = client
    return client


async def close_clients() -> None:
    loop_id = id(asyncio.get_running_loop())
    client = _clients.pop(loop_id, None)
    if client is not None:
        await client.aclose()


async def post_event(
    *, url: str, secret: str, event_id: str, event_type: str, body: bytes, timeout_seconds: float
) -> WebhookResult:
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(secret, int(time.time()), body),
        EVENT_ID_HEADER: event_id,
        EVENT_TYPE_HEADER: event_type,
    }
    try:
        response = await _client().post(url, content=body, headers=headers, timeout=timeout_seconds)
    except httpx.HTTPError as exc:
        return WebhookResult(ok=False, status_code=None, error=f"{type(exc).__name__}: {exc}")
    if 200 <= response.status_code < 300:
        return WebhookResult(ok=True, status_code=response.status_code, error="")
    return WebhookResult(
        ok=False, status_code=response.status_code, error=f"HTTP {response.status_code}"
    )
