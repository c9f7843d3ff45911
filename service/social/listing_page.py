"""Reading an official listing page: decode it as the browser would, then find the account.

Pure text work, no network: `decode_page` picks the charset (header, <meta>, UTF-8, then
cp932 for Shift_JIS pages), `find_listing` looks for a link to the account URL (normalised:
scheme, host case, platform aliases such as twitter.com and x.com) or the handle in the visible
text. The probe (probe.py) fetches the page and calls these.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

SNIPPET_CHARS = 120

# Hosts that serve the same accounts under another name; both sides map to the right-hand one.
PLATFORM_HOST_ALIASES = {
    "twitter.com": "x.com",
    "mobile.twitter.com": "x.com",
    "mobile.x.com": "x.com",
    "m.facebook.com": "facebook.com",
    "fb.com": "facebook.com",
    "m.youtube.com": "youtube.com",
    "m.tiktok.com": "tiktok.com",
    "threads.net": "threads.com",
}
# On these platforms handles are case-insensitive in URLs (x.com/City_Tagajo = x.com/city_tagajo).
CASE_INSENSITIVE_PATH_HOSTS = frozenset(
    {"x.com", "facebook.com", "instagram.com", "youtube.com", "tiktok.com", "threads.com"}
)
# Query parameters that name the account, so they cannot be ignored like the rest of the query.
ACCOUNT_QUERY_PARAMETERS = {("facebook.com", "/profile.php"): ("id",)}
# WHATWG maps these labels to Windows-31J; Python's strict "shift_jis" rejects the NEC and IBM
# extensions (①, ㈱, 髙) that Japanese municipal pages use all the time.
CHARSET_ALIASES = dict.fromkeys(
    ["shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "csshiftjis", "windows-31j"], "cp932"
) | {"x-euc-jp": "euc_jp"}
# Elements whose text runs into its neighbours'; every other element separates words, so that
# <li>@city_tagajo</li><li>fake</li> does not read as "@city_tagajofake".
INLINE_ELEMENTS = frozenset(
    {
        "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font", "i", "kbd",
        "mark", "q", "rp", "rt", "ruby", "s", "samp", "small", "span", "strong", "sub", "sup",
        "time", "u", "var", "wbr",
    }
)  # fmt: skip
INVISIBLE_ELEMENTS = frozenset({"script", "style", "template", "noscript"})
HANDLE_CHARACTERS = "A-Za-z0-9_"


class _MetaCharsetFinder(HTMLParser):
    """<meta charset=…> or <meta http-equiv="Content-Type" content="…; charset=…">."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.charset: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "meta" or self.charset:
            return
        values = {name.lower(): value or "" for name, value in attrs}
        if values.get("charset"):
            self.charset = values["charset"].strip()
        elif values.get("http-equiv", "").lower() == "content-type":
            self.charset = _charset_from_content_type(values.get("content", ""))


def _charset_from_content_type(content_type: str) -> str | None:
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    name = CHARSET_ALIASES.get(label.strip().lower(), label.strip().lower())
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_page(body: bytes, content_type: str) -> str:
    """Content-Type charset, else <meta charset>, else UTF-8, else Windows-31J (Shift_JIS)."""
    if body.startswith(b"\xef\xbb\xbf"):
        return body[3:].decode("utf-8", errors="replace")
    codec = _codec(_charset_from_content_type(content_type))
    if codec is None:
        finder = _MetaCharsetFinder()
        # The declaration must sit near the top (the HTML spec looks at 1024 bytes; be lenient).
        finder.feed(body[:4096].decode("latin-1"))
        codec = _codec(finder.charset)
        if codec is not None and codec.startswith(("utf-16", "utf-32")):
            codec = "utf-8"  # a page that could say so in ASCII is not UTF-16 (HTML spec rule)
    if codec is not None:
        return body.decode(codec, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("cp932", errors="replace")


@dataclass(frozen=True)
class _Link:
    href: str
    text: str


class _PageReader(HTMLParser):
    """Visible text (words kept apart at element boundaries) and every link with its text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text_parts: list[str] = []
        self.links: list[_Link] = []
        self.base_href: str | None = None  # <base href>, which relative links are read against
        self._hidden_depth = 0
        self._open_links: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in INVISIBLE_ELEMENTS:
            self._hidden_depth += 1
        if tag not in INLINE_ELEMENTS:
            self.text_parts.append("\n")
        href = dict(attrs).get("href")
        if href is None:
            return
        href = href.strip()  # browsers ignore the spaces and newlines that editors leave there
        if tag == "a":
            self._open_links.append((href, []))
        elif tag == "area":
            self.links.append(_Link(href, dict(attrs).get("alt") or ""))
        elif tag == "base" and self.base_href is None:
            self.base_href = href

    def handle_endtag(self, tag: str) -> None:
        if tag in INVISIBLE_ELEMENTS and self._hidden_depth:
            self._hidden_depth -= 1
        if tag not in INLINE_ELEMENTS:
            self.text_parts.append("\n")
        if tag == "a" and self._open_links:
            href, words = self._open_links.pop()
            self.links.append(_Link(href, _collapse("".join(words))))

    def handle_data(self, data: str) -> None:
        if self._hidden_depth:
            return
        self.text_parts.append(data)
        for _, words in self._open_links:
            words.append(data)

    def close(self) -> None:
        super().close()
        while self._open_links:  # an <a> never closed still links
            href, words = self._open_links.pop()
            self.links.append(_Link(href, _collapse("".join(words))))


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    text = _collapse(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _snippet_around(text: str, start: int, end: int, limit: int = SNIPPET_CHARS) -> str:
    """The line holding text[start:end], cut to about `limit` characters around it."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end) % (len(text) + 1)  # -1 (no newline) becomes the end
    margin = max(0, (limit - (end - start)) // 2)
    left, right = max(line_start, start - margin), min(line_end, end + margin)
    prefix = "…" if left > line_start else ""
    suffix = "…" if right < line_end else ""
    return prefix + _collapse(text[left:right]) + suffix


def normalise_account_url(url: str) -> str | None:
    """A comparison key: host and path, ignoring scheme, host case, default port, `www.`,
    platform aliases (twitter.com = x.com), a trailing slash, query and fragment."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.rstrip(".").removeprefix("www.")
    host = PLATFORM_HOST_ALIASES.get(host, host)
    path = unquote(parts.path).rstrip("/") or "/"
    if host in CASE_INSENSITIVE_PATH_HOSTS:
        path = path.lower()
    key = host if port in (None, 80, 443) else f"{host}:{port}"
    kept = ACCOUNT_QUERY_PARAMETERS.get((host, path), ())
    query = "&".join(f"{k}={v}" for k, v in sorted(parse_qsl(parts.query)) if k in kept)
    return f"{key}{path}" + (f"?{query}" if query else "")


def _handle_pattern(handle: str) -> re.Pattern[str] | None:
    name = unicodedata.normalize("NFKC", handle).strip().lstrip("@")
    if not name:
        return None
    # Not glued to more handle: "@city_tagajo" must not match "@city_tagajo_fake",
    # "fake.city_tagajo" or the mail address "city_tagajo@city.example"; a full stop ending the
    # sentence ("… @city_tagajo.") is fine.
    return re.compile(
        rf"(?<![{HANDLE_CHARACTERS}.\-@])@?{re.escape(name)}"
        rf"(?![{HANDLE_CHARACTERS}@]|[.\-][{HANDLE_CHARACTERS}])",
        re.IGNORECASE,
    )


@dataclass(frozen=True)
class _Listing:
    how: str  # "link" | "handle"
    matched_text: str


def find_listing(
    page: str, *, is_html: bool, base_url: str, account_url: str, handle: str
) -> _Listing | None:
    """Where the page names the account: a link to its URL first, else its handle in the text."""
    reader = _PageReader()
    if is_html:
        reader.feed(page)
        reader.close()
        text = "".join(reader.text_parts)
    else:
        text = page
    wanted = normalise_account_url(account_url)
    base_url = urljoin(base_url, reader.base_href or "")
    if wanted is not None and not wanted.endswith("/"):  # a bare host would match any link to it
        for link in reader.links:
            if normalise_account_url(urljoin(base_url, link.href)) == wanted:
                return _Listing("link", _snippet(link.text or link.href))
    pattern = _handle_pattern(handle)
    if pattern is not None:
        # NFKC so that full-width "＠ｃｉｔｙ＿ｔａｇａｊｏ" on a Japanese page reads as the handle.
        normalised = unicodedata.normalize("NFKC", text)
        match = pattern.search(normalised)
        if match is not None:
            return _Listing("handle", _snippet_around(normalised, match.start(), match.end()))
    return None
