"""The ASGI application: routes from the endpoint registry, one error handler, lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

# Importing the endpoint modules registers their routes.
from service.accounts import endpoints as _accounts  # noqa: F401
from service.audit import endpoints as _audit  # noqa: F401
from service.checks import endpoints as _checks  # noqa: F401
from service.config import Settings, get_settings
from service.console.routes import console_mount, console_root
from service.contracts import endpoints as _contracts  # noqa: F401
from service.decisions import endpoints as _decisions  # noqa: F401
from service.engagements import endpoints as _engagements  # noqa: F401
from service.errors import AppError
from service.evidence import endpoints as _evidence  # noqa: F401
from service.evidence.storage import EvidenceStore
from service.html_pages import redact_access_log
from service.ismap import endpoints as _ismap  # noqa: F401
from service.notifications import endpoints as _notifications  # noqa: F401
from service.notifications.endpoints import CALENDAR_FEED_PATHS
from service.notifications.service import CALENDAR_PREFIX
from service.openapi import build_openapi
from service.portal.routes import portal_mount
from service.questionnaire import endpoints as _questionnaire  # noqa: F401
from service.reminders import endpoints as _reminders  # noqa: F401
from service.reviews import endpoints as _reviews  # noqa: F401
from service.routing import REGISTRY, build_routes, error_response
from service.signin import endpoints as _signin  # noqa: F401
from service.social import endpoints as _social  # noqa: F401
from service.social.pages import social_mount
from service.throttling import ProvideThrottle, Throttle
from service.vendors import endpoints as _vendors  # noqa: F401

log = logging.getLogger(__name__)

_ERROR_CODES = {404: "not_found", 405: "method_not_allowed"}


async def handle_app_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    return error_response(exc)


async def handle_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = _ERROR_CODES.get(exc.status_code, "http_error")
    body = {"error": code, "detail": str(exc.detail), "fields": {}}
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    openapi = build_openapi()
    # The calendar address is its own credential, like a vendor link: never in the access log.
    redact_access_log(CALENDAR_FEED_PATHS, CALENDAR_PREFIX)
    throttle = Throttle(settings)

    async def openapi_json(request: Request) -> Response:
        return JSONResponse(openapi)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        from workers import lifecycle, runtime

        await lifecycle.start(settings)  # a broken data file stops the start here
        EvidenceStore(settings.evidence_dir).prepare()
        if runtime.runs_periodic_jobs(settings):
            runtime.start_periodic(settings)
        swept = await runtime.sweep()
        if swept:
            log.info("re-sent %d pending job(s)", swept)
        try:
            yield
        finally:
            await lifecycle.stop(settings)
            await throttle.close()

    routes = [
        Route("/openapi.json", openapi_json, include_in_schema=False),
        Route("/healthz", healthz, include_in_schema=False),
        *build_routes(REGISTRY),
        portal_mount(),  # the vendor portal (HTML), /v/...
        social_mount(),  # owner confirmation and the public list of official accounts, /sns/...
        console_mount(),  # the staff console (HTML, signed-in people), /console/...
        console_root(),  # a browser opening / lands on the console
    ]
    middleware = [Middleware(ProvideThrottle, throttle=throttle)]
    if settings.trusted_proxy_list:
        # Behind these proxies the client is the one X-Forwarded-For names (throttling counts
        # failures per client); from anyone else the header is ignored.
        middleware.insert(
            0, Middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxy_list)
        )
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=middleware,
        exception_handlers={AppError: handle_app_error, HTTPException: handle_http_error},
    )
    app.state.throttle = throttle
    return app
