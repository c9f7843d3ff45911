"""The portal as an ASGI app of its own, mounted at /v: HTML errors and its security headers."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from service.errors import AppError
from service.html_pages import PREFIX, SecurityHeaders, redact_access_log
from service.portal import pages
from service.portal.rendering import HERE, VENDOR_LINK_PATHS, app_error_page, message_page


async def http_error_page(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = "not_found" if exc.status_code == 404 else "http_error"
    response = message_page(code, exc.status_code)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def build_portal() -> ASGIApp:
    redact_access_log(VENDOR_LINK_PATHS, "vl_")
    routes = [
        Route("/", pages.home, methods=["GET"]),
        Route("/s/{section_id}", pages.section_get, methods=["GET"]),
        Route("/s/{section_id}", pages.section_post, methods=["POST"]),
        Route("/confirm", pages.confirm_get, methods=["GET"]),
        Route("/submit", pages.submit_post, methods=["POST"]),
        Route("/receipt", pages.receipt_get, methods=["GET"]),
        Route("/language", pages.language_post, methods=["POST"]),
        Route("/logout", pages.logout_post, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        Route("/{token}", pages.open_link, methods=["GET"]),
    ]
    portal = Starlette(
        routes=routes,
        exception_handlers={AppError: app_error_page, HTTPException: http_error_page},
    )
    return SecurityHeaders(portal)


def portal_mount() -> Mount:
    return Mount(PREFIX, app=build_portal())
