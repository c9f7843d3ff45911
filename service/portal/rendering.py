"""Templates and the pages shown on errors (the headers are in service/html_pages.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from service.catalog.forms import Question
from service.config import get_settings
from service.errors import AppError
from service.evidence.service import accepted_kinds_text
from service.html_pages import portal_url
from service.portal.i18n import Translator, size_text
from service.portal.view import display_value

HERE = Path(__file__).resolve().parent
# Where vendor link secrets appear in a path: the portal's first open and the vendor API.
VENDOR_LINK_PATHS = "v|api/vendor"


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
