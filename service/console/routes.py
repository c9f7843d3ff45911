"""The staff console as an ASGI app of its own, mounted at /console, with the portal's headers."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from service.console import pages, review_pages
from service.console.rendering import HERE, PREFIX, console_url, render
from service.html_pages import SecurityHeaders, redact_access_log


async def http_error_page(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    missing = exc.status_code == 404
    return render(
        "message.html",
        status=exc.status_code,
        heading="ページが見つかりません / Page not found" if missing else "エラー / Error",
        message=str(exc.detail),
        link=console_url("/"),
        link_text="ホーム / Home",
    )


def build_console() -> ASGIApp:
    redact_access_log("console/setup", "ps_")  # the set-up link's secret travels in its path
    routes = [
        Route("/", pages.home, methods=["GET"]),
        Route("/signin", pages.signin_get, methods=["GET"]),
        Route("/signin", pages.signin_post, methods=["POST"]),
        Route("/signin/code", pages.code_get, methods=["GET"]),
        Route("/signin/code", pages.code_post, methods=["POST"]),
        Route("/mfa", pages.mfa_get, methods=["GET"]),
        Route("/mfa", pages.mfa_post, methods=["POST"]),
        Route("/signout", pages.signout_post, methods=["POST"]),
        Route("/signout-everywhere", pages.signout_everywhere_post, methods=["POST"]),
        Route("/language", pages.language_post, methods=["POST"]),
        Route("/setup", pages.setup_post, methods=["POST"]),
        Route("/setup/{token}", pages.setup_get, methods=["GET"]),
        Route("/reviews/{review_id:uuid}", review_pages.review_get, methods=["GET"]),
        Route(
            "/reviews/{review_id:uuid}/clarification",
            review_pages.clarification_post,
            methods=["POST"],
        ),
        Route("/reviews/{review_id:uuid}/override", review_pages.override_post, methods=["POST"]),
        Route("/reviews/{review_id:uuid}/decision", review_pages.decision_post, methods=["POST"]),
        Route("/evidence/{file_id:uuid}", review_pages.evidence_get, methods=["GET"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    console = Starlette(routes=routes, exception_handlers={HTTPException: http_error_page})
    return SecurityHeaders(console)


def console_mount() -> Mount:
    return Mount(PREFIX, app=build_console())


async def _to_console(request: Request) -> Response:
    return RedirectResponse(console_url("/"), status_code=303)


def console_root() -> Route:
    """A browser opening the server's root lands on the console (its sign-in first)."""
    return Route("/", _to_console, methods=["GET"], include_in_schema=False)
