"""Throttling of failed secrets: a client that keeps presenting wrong secrets is refused with 429.

Every secret a client can present (a vendor link or its portal session, a bearer token, a calendar
address, an attestation link, later a password) has a kind, and each kind a budget of failures per
client address (settings `rate_limit_<kind>`, e.g. "20/minute;100/hour"), kept by the `limits`
library with its moving-window strategy. Only failures count, never successes, so a vendor saving
answers all day never runs out. A failure is a request refused for its secret: 401 (no, unknown,
expired or revoked token), 404 (unknown link or address) or 410 (spent or withdrawn link).

The budget is checked before the secret is looked at: once a client is out of budget, a right
secret and a wrong one get the same 429 with `Retry-After`, so throttling never tells which
secrets exist. Requests already in flight when the budget runs out still finish, so a client may
overshoot by as many requests as it has in flight at that moment.

The storage is this process's memory by default; with `rate_limit_storage_url=redis://…` every
API process shares one budget per client. If that storage fails, requests are let through (and
the failure logged): throttling must not take the API down with it.

A route guards its secret with one line:

    async with throttling.guard(request, SecretKind.sign_in):
        user = await check_password(form)  # raises Unauthorized on a wrong password

or, for an `@endpoint`, with `secret=SecretKind.…` (service.routing).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from enum import StrEnum
from typing import Any

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from redis.asyncio import ConnectionPool
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from service.config import Settings
from service.errors import AppError, TooManyRequests

log = logging.getLogger(__name__)

# A request refused with one of these was refused for its secret.
FAILED_SECRET_STATUSES = frozenset({401, 404, 410})
REDIS_KEY_PREFIX = "vetting-throttle"
REDIS_TIMEOUT_SECONDS = 2.0


class SecretKind(StrEnum):
    vendor_link = "vendor_link"  # /v/vl_…, /api/vendor/{token}/…, the portal session cookie
    api_token = "api_token"  # noqa: S105 (Authorization: Bearer … on /api)
    calendar = "calendar"  # /api/calendar/cal_…
    attestation = "attestation"  # /sns/attest/sa_…, /api/social/attestations/{token}
    sign_in = "sign_in"  # /console sign-in: passwords, TOTP codes, password set-up links


def _storage(url: str) -> tuple[Storage, ConnectionPool | None]:
    if not url or url == "memory://":
        return MemoryStorage(wrap_exceptions=True), None
    # Our own pool, so that closing the application closes its connections.
    pool = ConnectionPool.from_url(
        url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
    )
    options: dict[str, Any] = {"connection_pool": pool}
    storage = RedisStorage(
        f"async+{url}",
        implementation="redispy",  # redis-py, not coredis: dramatiq's Redis broker uses it too
        wrap_exceptions=True,
        key_prefix=REDIS_KEY_PREFIX,
        **options,
    )
    return storage, pool


class Throttle:
    """The failure budgets of one application (one per process, or shared through Redis)."""

    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.rate_limit_enabled
        self.budgets: dict[SecretKind, list[RateLimitItem]] = {
            kind: parse_many(getattr(settings, f"rate_limit_{kind.value}")) for kind in SecretKind
        }
        storage, self._pool = _storage(settings.rate_limit_storage_url)
        self._limiter = MovingWindowRateLimiter(storage)

    async def check(self, kind: SecretKind, client: str) -> None:
        """TooManyRequests when the client has no failures left of this kind."""
        if not self.enabled:
            return
        waits: list[float] = []
        try:
            for item in self.budgets[kind]:
                stats = await self._limiter.get_window_stats(item, kind.value, client)
                if stats.remaining <= 0:
                    waits.append(stats.reset_time - time.time())
        except StorageError as exc:
            log.warning("throttling storage failed, request let through: %s", exc.storage_error)
            return
        if waits:
            raise TooManyRequests(retry_after=max(1, math.ceil(max(waits))))

    async def failed(self, kind: SecretKind, client: str) -> None:
        """Count one failure of the client against every limit of the kind."""
        if not self.enabled:
            return
        try:
            for item in self.budgets[kind]:
                await self._limiter.hit(item, kind.value, client)
                stats = await self._limiter.get_window_stats(item, kind.value, client)
                if stats.remaining <= 0:
                    log.warning(
                        "client %s used up its %s budget (%s): refused for %d s",
                        client,
                        kind.value,
                        item,
                        math.ceil(stats.reset_time - time.time()),
                    )
        except StorageError as exc:
            log.warning("throttling storage failed, failure not counted: %s", exc.storage_error)

    @asynccontextmanager
    async def guard(self, kind: SecretKind, client: str) -> AsyncIterator[None]:
        """Refuse an out-of-budget client before its secret is read; count a refused secret."""
        await self.check(kind, client)
        try:
            yield
        except AppError as exc:
            if exc.status_code in FAILED_SECRET_STATUSES:
                await self.failed(kind, client)
            raise

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()


def client_address(request: Request) -> str:
    """The socket peer, or the client a trusted proxy names (ProxyHeadersMiddleware, app.py)."""
    return request.client.host if request.client else "unknown"


def guard(request: Request, kind: SecretKind) -> AbstractAsyncContextManager[None]:
    """The request's application throttle, guarding a secret of this kind (see the module doc)."""
    throttle: Throttle = request.state.throttle
    return throttle.guard(kind, client_address(request))


class ProvideThrottle:
    """Puts the application's throttle in each request's state, where mounted apps find it too."""

    def __init__(self, app: ASGIApp, throttle: Throttle) -> None:
        self.app = app
        self.throttle = throttle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope.setdefault("state", {})["throttle"] = self.throttle
        await self.app(scope, receive, send)
