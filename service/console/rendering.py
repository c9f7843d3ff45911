"""The console's templates (extending the portal's base page), its addresses and `next=`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse

from service.config import get_settings
from service.console.i18n import CONSOLE_UI, STATUS_WORDS
from service.html_pages import portal_url
from service.portal.i18n import Translator
from service.portal.rendering import HERE as PORTAL_HERE

HERE = Path(__file__).resolve().parent
PREFIX = "/console"

environment = Environment(
    loader=ChoiceLoader(
        [FileSystemLoader(HERE / "templates"), FileSystemLoader(PORTAL_HERE / "templates")]
    ),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def base_path() -> str:
    return urlsplit(get_settings().public_base_url).path.rstrip("/") + PREFIX


def console_url(path: str = "/") -> str:
    return base_path() + path


# A path on this site: one leading slash, then no second slash or backslash, no scheme, no
# control characters (browsers read "/\evil" and "//evil" as another host).
_SAFE_NEXT = re.compile(r"^/(?![/\\])[^\\\s\x00-\x1f\x7f]*$")


def safe_next(candidate: str | None) -> str:
    """Where to go after signing in: a path on this site, else the console home."""
    if candidate and len(candidate) <= 2000 and _SAFE_NEXT.match(candidate):
        parts = urlsplit(candidate)
        if not parts.scheme and not parts.netloc:
            return candidate
    return console_url("/")


def signin_url(next_path: str | None = None) -> str:
    if not next_path or next_path == console_url("/"):
        return console_url("/signin")
    return console_url("/signin") + "?next=" + quote(next_path, safe="/")


def render(
    template: str, *, language: str = "ja", status: int = 200, **context: Any
) -> HTMLResponse:
    translate = Translator("en" if language == "en" else "ja", CONSOLE_UI)

    def status_word(status_name: str) -> str:
        ja, en = STATUS_WORDS.get(status_name, (status_name, status_name))
        return ja if translate.language == "ja" else en

    defaults: dict[str, Any] = {
        "lang": translate.language,
        "other_lang": "en" if translate.language == "ja" else "ja",
        "t": translate,
        "when": translate.when,
        "day": translate.day,
        "status_word": status_word,
        "url": console_url,
        "portal_css": portal_url("/static/portal.css"),
        "portal": None,
        "staff": None,
        "page_title": "",
        "errors": {},
    }
    html = environment.get_template(template).render({**defaults, **context})
    return HTMLResponse(html, status_code=status)
