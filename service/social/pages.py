"""Server-rendered pages at /sns: the owner's confirmation form and the public list.

They carry the vendor portal's security headers (no script, no framing, no Referer, no-store).
The confirmation form needs no cookie: the link's secret is the credential, and the form also
carries the attestation's own CSRF token, checked in constant time, so that a page elsewhere
cannot post an answer even with a leaked link in an old browser tab.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp

from service import throttling
from service.config import get_settings
from service.errors import AppError
from service.portal.rendering import SecurityHeaders, portal_url, redact_access_log
from service.social import attestation, public
from service.social.schemas import AttestationIn
from service.throttling import SecretKind

HERE = Path(__file__).resolve().parent
PREFIX = "/sns"
JST = ZoneInfo("Asia/Tokyo")
environment = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
)
MESSAGES: dict[str, tuple[str, str, str, str]] = {
    "not_found": (
        "ページが見つかりません",
        "このリンクは無効です。メールのリンクが途中で切れていないか確かめてください。",
        "Page not found",
        "This link is not valid. Check that the link from the email was not cut short.",
    ),
    "gone": (
        "このリンクは使えません",
        "この確認リンクは使用済みか、有効期限が過ぎています。情報セキュリティ担当に新しい確認を依頼してください。",
        "This link can no longer be used",
        "This confirmation link was already used or has expired. Ask the security office for a "
        "new confirmation.",
    ),
    "csrf_failed": (
        "送信を受け付けられませんでした",
        "フォームが正しく送信されませんでした。メールのリンクからページを開き直してください。",
        "The form could not be accepted",
        "The form was not sent correctly. Open the page again from the link in the email.",
    ),
    "too_many_requests": (
        "しばらくお待ちください",
        "このアドレスからの無効な試行が多すぎるため、一時的に受け付けを止めています。"
        "しばらく時間をおいてから、メールのリンクをもう一度開いてください。",
        "Please wait a while",
        "Too many attempts that failed came from this address, so requests are paused for a "
        "while. Wait a little, then open the link from the email again.",
    ),
    "done_passed": (
        "確認を受け付けました",
        "ご確認ありがとうございました。問題は見つかりませんでした。",
        "Confirmation received",
        "Thank you. No problems were found.",
    ),
    "done_failed": (
        "確認を受け付けました（要対応）",
        "ご確認ありがとうございました。対応が必要な点があるため、情報セキュリティ担当に通知しました。",
        "Confirmation received: follow-up needed",
        "Thank you. Some points need follow-up; the security office has been told.",
    ),
}


# Where an owner's attestation secret appears in a path: the HTML page and the JSON form.
ATTESTATION_PATHS = "sns/attest|api/social/attestations"


def page_path(path: str) -> str:
    """Where a page is, as the browser sees it (the public address may have a path prefix)."""
    return urlsplit(get_settings().public_base_url).path.rstrip("/") + PREFIX + path


def public_page_url(organization_id: str) -> str:
    return f"{get_settings().public_base_url.rstrip('/')}{PREFIX}/public/{organization_id}"


def _render(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = environment.get_template(template).render(
        {"css": portal_url("/static/portal.css"), "private": True, **context}
    )
    return HTMLResponse(html, status_code=status)


def _message(code: str, status: int) -> HTMLResponse:
    title_ja, message_ja, title_en, message_en = MESSAGES[code]
    return _render(
        "message.html",
        status,
        title_ja=title_ja,
        title_en=title_en,
        message_ja=message_ja,
        message_en=message_en,
    )


async def _form(request: Request, token: str, *, error: str = "", status: int = 200) -> Response:
    opened = await attestation.open_attestation(token)
    expires: datetime = opened.attestation.expires_at
    return _render(
        "attest.html",
        status,
        title_ja="公式SNSアカウントの責任者確認",
        title_en="Official account: owner's confirmation",
        view={
            "organization_name": opened.organization_name,
            "platform": opened.account.platform,
            "handle": opened.account.handle,
            "url": opened.account.url,
            "owner_name": opened.owner.name,
        },
        expires=expires.astimezone(JST).strftime("%Y-%m-%d %H:%M (JST)"),
        questions=attestation.QUESTIONS,
        csrf=opened.attestation.csrf_token,
        action=page_path(f"/attest/{token}"),
        error=error,
    )


async def attest_get(request: Request) -> Response:
    async with throttling.guard(request, SecretKind.attestation):
        return await _form(request, request.path_params["token"])


async def attest_post(request: Request) -> Response:
    async with throttling.guard(request, SecretKind.attestation):
        return await _attest_post(request)


async def _attest_post(request: Request) -> Response:
    token = request.path_params["token"]
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > 64 * 1024:
        return _message("csrf_failed", 413)
    opened = await attestation.open_attestation(token)
    form = await request.form()
    csrf = form.get("csrf_token")
    if not isinstance(csrf, str) or not attestation.csrf_matches(opened.attestation, csrf):
        return _message("csrf_failed", 403)
    answers: dict[str, Any] = {}
    for name in attestation.QUESTIONS:
        value = form.get(name)
        if value not in ("yes", "no"):
            return await _form(
                request,
                token,
                error="すべての項目に「はい」か「いいえ」で答えてください。 / Answer every item.",
                status=422,
            )
        answers[name] = value == "yes"
    note = form.get("note")
    answers["note"] = note[:2000] if isinstance(note, str) else ""
    _, status, _ = await attestation.submit_attestation(token, AttestationIn(**answers))
    return _message("done_passed" if status == "passed" else "done_failed", 200)


async def public_get(request: Request) -> Response:
    try:
        organization_id = UUID(request.path_params["organization_id"])
    except ValueError:
        return _message("not_found", 404)
    listing = await public.public_list(organization_id)
    return _render(
        "public.html",
        private=False,
        title_ja=f"{listing.organization_name} 公式アカウント一覧",
        title_en="Official accounts",
        listing=listing,
    )


async def _app_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    code = exc.code if exc.code in MESSAGES else "not_found"
    response = _message(code, exc.status_code)
    response.headers.update(exc.headers)  # Retry-After on 429
    return response


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return _message("not_found", exc.status_code)


def social_pages() -> ASGIApp:
    redact_access_log(ATTESTATION_PATHS, "sa_")
    app = Starlette(
        routes=[
            Route("/attest/{token}", attest_get, methods=["GET"]),
            Route("/attest/{token}", attest_post, methods=["POST"]),
            Route("/public/{organization_id}", public_get, methods=["GET"]),
        ],
        exception_handlers={AppError: _app_error, HTTPException: _http_error},
    )
    return SecurityHeaders(app)


def social_mount() -> Mount:
    return Mount(PREFIX, app=social_pages())
