"""Templates, the headers every portal response carries, and the pages shown on errors."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.catalog.forms import Question
from service.config import get_settings
from service.errors import AppError
from service.evidence.service import accepted_kinds_text
from service.portal.i18n import Translator, size_text
from service.portal.view import display_value

HERE = Path(__file__).resolve().parent
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


# Where vendor link secrets appear in a path: the portal's first open and the vendor API.
VENDOR_LINK_PATHS = "v|api/vendor"


def base_path() -> str:
    return urlsplit(get_settings().public_base_url).path.rstrip("/") + PREFIX


def portal_url(path: str = "/") -> str:
    return base_path() + path


def _number(value: float) -> str:
    return f"{value:g}"


environment = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters["num"] = _number


def render(
    template: str, *, language: str = "ja", status: int = 200, **context: Any
) -> HTMLResponse:
    translate = Translator("en" if language == "en" else "ja")

    def show(question: Question, value: Any) -> str:
        return display_value(question, value, translate.language)

    def accepted_kinds(question: Question) -> str:
        return translate.text(accepted_kinds_text(question))

    defaults: dict[str, Any] = {
        "lang": translate.language,
        "other_lang": "en" if translate.language == "ja" else "ja",
        "t": translate,
        "tx": translate.text,
        "when": translate.when,
        "size": size_text,
        "show": show,
        "accepted_kinds": accepted_kinds,
        "url": portal_url,
        "upload_limit": get_settings().upload_max_bytes,
        "portal": None,
        "page_title": "",
    }
    html = environment.get_template(template).render({**defaults, **context})
    return HTMLResponse(html, status_code=status)


MESSAGES: dict[str, tuple[str, str, str, str]] = {
    # code: (heading ja, message ja, heading en, message en)
    "not_found": (
        "ページが見つかりません",
        "このリンクは無効です。メールで届いたリンクを、途中で切れていないか確かめてもう一度開いてください。",
        "Page not found",
        "This link is not valid. Check that the link from the email was not cut short and open it "
        "again.",
    ),
    "gone": (
        "このリンクは使えません",
        "リンクの有効期限が過ぎたか、新しいリンクに差し替えられたか、受付が終了しています。"
        "依頼元の担当者に新しいリンクの送付を依頼してください。",
        "This link can no longer be used",
        "The link has expired, was replaced by a new one, or the questionnaire is closed. Ask the "
        "person who sent it for a new link.",
    ),
    "session_ended": (
        "回答ページの有効時間が過ぎました",
        "回答ページの有効時間が過ぎたか、終了しました。保存済みの回答は残っています。"
        "メールで届いたリンクをもう一度開いてください。",
        "Your session has ended",
        "Your session has expired or was ended. Saved answers are kept: open the link from the "
        "email again to continue.",
    ),
    "csrf_failed": (
        "送信を受け付けられませんでした",
        "フォームの有効期限が切れたか、正しくない送信です。入力内容は保存されていません。"
        "ページを読み込み直してからもう一度操作してください。",
        "The form could not be accepted",
        "The form has expired or the request was not valid. Nothing was saved. Reload the page "
        "and try again.",
    ),
    "conflict": (
        "この操作はできません",
        "回答は既に提出されているか、受付の状態が変わりました。概要ページから現在の状態を確認してください。",
        "This cannot be done now",
        "The answers were already submitted or the state of the request changed. See the "
        "overview page for the current state.",
    ),
    "payload_too_large": (
        "送信内容が大きすぎます",
        "送信されたデータが上限を超えています。入力内容は保存されていません。",
        "The request is too large",
        "What was sent is over the size limit. Nothing was saved.",
    ),
    "too_many_requests": (
        "しばらくお待ちください",
        "このアドレスからの無効な試行が多すぎるため、一時的に受け付けを止めています。"
        "しばらく時間をおいてから、メールで届いたリンクをもう一度開いてください。",
        "Please wait a while",
        "Too many attempts that failed came from this address, so requests are paused for a "
        "while. Wait a little, then open the link from the email again.",
    ),
    "signed_out": (
        "終了しました",
        "回答ページを終了しました。保存済みの回答は残っています。続きはメールのリンクからいつでも再開できます。",
        "Signed out",
        "You have signed out. Saved answers are kept: open the link from the email to continue "
        "at any time.",
    ),
}


def message_page(code: str, status: int) -> HTMLResponse:
    heading_ja, message_ja, heading_en, message_en = MESSAGES.get(
        code,
        (
            "ページを表示できません",
            "もう一度お試しください。",
            "This page cannot be shown",
            "Please try again.",
        ),
    )
    return render(
        "message.html",
        status=status,
        heading_ja=heading_ja,
        message_ja=message_ja,
        heading_en=heading_en,
        message_en=message_en,
    )


async def app_error_page(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    response = message_page(exc.code, exc.status_code)
    response.headers.update(exc.headers)  # Retry-After on 429
    return response
