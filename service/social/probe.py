"""Automatic re-verification checks for official social-media accounts, over HTTP.

Two checks, both pure (no database): `check_listing_page` asks whether the organization's own
listing page still links to the account (by URL or by handle), `check_account_url` asks whether
the account URL still answers. Each returns a `ProbeResult` whose `as_evidence()` is what a run
stores.

The probe fetches URLs that organizations type in, from inside our network, so it is defensive:
one deadline over the whole check, redirects followed by hand (each hop re-checked), the body
streamed and cut off at a byte cap, only http/https, and every hop's host resolved by us and
refused when any address is internal. The connection then goes to the address we checked (the
Host header and TLS SNI keep the name), so a DNS answer that changes between our check and
httpx's own lookup (DNS rebinding) cannot slip an internal address past the guard.
"""

from __future__ import annotations

import asyncio
import codecs
import functools
import ipaddress
import re
import socket
import ssl
import time
import unicodedata
import zlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import StrEnum
from html.parser import HTMLParser
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# (host, port) -> every address the name resolves to. Tests pass their own.
Resolver = Callable[[str, int], Awaitable[Sequence[IPAddress]]]

USER_AGENT = "vetting-service-social-probe/1"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ACCOUNT_GONE_STATUSES = frozenset({404, 410})
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


@dataclass(frozen=True)
class ProbeLimits:
    timeout_seconds: float = 10.0  # whole check, all redirects included
    max_bytes: int = 2_000_000  # stop reading a body after this
    max_redirects: int = 5
    allow_private: bool = False  # allow private/loopback/link-local targets (tests on 127.0.0.1)


class ProbeOutcome(StrEnum):
    passed = "passed"
    failed = "failed"
    error = "error"


@dataclass(frozen=True)
class ProbeResult:
    check: str  # "listing_page" | "account_url"
    outcome: ProbeOutcome
    reason: dict[str, str]  # {"ja": ..., "en": ...}
    url: str
    final_url: str | None
    status_code: int | None
    matched_text: str | None  # the link/handle text found on the listing page
    redirects: tuple[str, ...]
    bytes_read: int
    elapsed_ms: int
    checked_at: datetime  # aware UTC
    # A stable key for the reason ("listed_by_link", "timeout", ...), for code and tests that
    # must not depend on the wording.
    reason_code: str = ""

    def as_evidence(self) -> dict[str, object]:
        evidence = asdict(self)
        evidence["outcome"] = self.outcome.value
        evidence["redirects"] = list(self.redirects)
        evidence["checked_at"] = self.checked_at.isoformat()
        return evidence


# Every reason a result can give: code -> (Japanese, English), in our own words. The code is
# stable (stored with the evidence, asserted by tests); the wording may change.
# fmt: off
REASONS: dict[str, tuple[str, str]] = {
    "listed_by_link": ("公式掲載ページにアカウントへのリンクがあります。",
        "The official listing page links to the account."),
    "listed_by_handle": ("公式掲載ページにアカウント名が記載されています。",
        "The official listing page names the account's handle."),
    "not_listed": (
        "公式掲載ページ（HTTP {status}）に、アカウントへのリンクもアカウント名もありません。",
        "The official listing page (HTTP {status}) neither links to the account nor names it."),
    "listing_http_error": ("公式掲載ページがHTTP {status}を返しました。",
        "The official listing page answered HTTP {status}."),
    "unexpected_status": ("応答（HTTP {status}）からは判断できません。",
        "The answer (HTTP {status}) says nothing either way."),
    "not_html": ("公式掲載ページがHTMLでもテキストでもありません（{content_type}）。",
        "The official listing page is neither HTML nor text ({content_type})."),
    "account_reachable": ("アカウントのURLが応答しました（HTTP {status}）。",
        "The account URL answers (HTTP {status})."),
    "account_gone": ("アカウントのURLがHTTP {status}を返しました。削除か名前の変更が考えられます。",
        "The account URL answered HTTP {status}: the account may be gone or renamed."),
    "account_http_status": ("アカウントのURLがHTTP {status}を返したため、確認できませんでした。",
        "The account URL answered HTTP {status}, so the account could not be confirmed."),
    "invalid_url": ("URLとして解釈できません（{detail}）。", "Not a usable URL ({detail})."),
    "unsupported_scheme": ("http・https以外のURL（{scheme}）は確認しません。",
        "Only http and https URLs are checked, not {scheme}."),
    "dns_failure": ("ホスト名 {host} を解決できませんでした（{detail}）。",
        "The host name {host} could not be resolved ({detail})."),
    "refused_address": ("{host} は内部向けのアドレス（{address}）を指すため、接続しません。",
        "{host} points to the internal address {address}; not connecting."),
    "connect_failed": ("接続できませんでした（{detail}）。", "Could not connect ({detail})."),
    "network_error": ("通信エラーのため確認できませんでした（{detail}）。",
        "A network error stopped the check ({detail})."),
    "timeout": ("{seconds:g}秒以内に確認が終わりませんでした。",
        "The check did not finish within {seconds:g} seconds."),
    "redirect_loop": ("リダイレクトが循環しています（{url} に戻りました）。",
        "The redirects go round in a loop (back to {url})."),
    "too_many_redirects": ("リダイレクトが上限の{limit}回を超えました。",
        "More than {limit} redirects."),
    "unsupported_encoding": ("本文の圧縮形式（{encoding}）に対応していません。",
        "The body is compressed in a way we do not read ({encoding})."),
    "too_large": ("ページが大きすぎるため、{limit:,}バイトを超えたところで読み込みを止めました。",
        "The page is larger than {limit:,} bytes; stopped reading."),
}
# fmt: on


def _reason(code: str, **values: object) -> dict[str, str]:
    ja, en = REASONS[code]
    return {"ja": ja.format(**values), "en": en.format(**values)}


class CannotCheck(Exception):
    """The check could not be carried out: the verdict is `error`, for this reason."""

    def __init__(self, code: str, **values: object) -> None:
        self.code = code
        self.reason = _reason(code, **values)
        super().__init__(self.reason["en"])


# --- addresses ------------------------------------------------------------------------------

NAT64_PREFIX = ipaddress.IPv6Network("64:ff9b::/96")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, NAT64), which is where it leads."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64_PREFIX:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public_address(address: IPAddress) -> bool:
    """Globally routable unicast: not private, loopback, link-local, multicast, reserved,
    unspecified or shared (100.64/10), also when wrapped in IPv6."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            # ::ffff:8.8.8.8 counts as "reserved" as IPv6; judge it by where it really goes.
            return is_public_address(embedded) and (address.sixtofour is None or address.is_global)
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address.is_unspecified
    )


async def resolve_host(host: str, port: int) -> list[IPAddress]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if address not in addresses:
            addresses.append(address)
    return addresses


@dataclass(frozen=True)
class _Target:
    """One hop: the URL as given, and the vetted addresses to connect to."""

    url: httpx.URL
    addresses: tuple[IPAddress, ...]


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # Loading the CA bundle takes a good part of a second; do it once, not once per check.
    return httpx.create_ssl_context()


def _without_fragment(url: str) -> str:
    return urlsplit(url)._replace(fragment="").geturl()


# --- fetching -------------------------------------------------------------------------------


class _Probe:
    """One check in progress: its limits, and the evidence gathered so far (kept as evidence
    when the check is cut short)."""

    def __init__(
        self,
        check: str,
        url: str,
        limits: ProbeLimits,
        resolver: Resolver | None,
        transport: httpx.AsyncBaseTransport | None,
    ) -> None:
        self.check, self.url, self.limits = check, url, limits
        self.resolver = resolver or resolve_host
        self.transport = transport
        self.checked_at = datetime.now(UTC)
        self.started = time.monotonic()
        self.final_url: str | None = None
        self.status_code: int | None = None
        self.content_type = ""
        self.redirects: list[str] = []
        self.body = b""
        self.bytes_read = 0

    def result(
        self, outcome: ProbeOutcome, code: str, reason: dict[str, str], matched: str | None = None
    ) -> ProbeResult:
        return ProbeResult(
            check=self.check,
            outcome=outcome,
            reason=reason,
            url=self.url,
            final_url=self.final_url,
            status_code=self.status_code,
            matched_text=matched,
            redirects=tuple(self.redirects),
            bytes_read=self.bytes_read,
            elapsed_ms=int((time.monotonic() - self.started) * 1000),
            checked_at=self.checked_at,
            reason_code=code,
        )

    async def fetch(self, *, read_body: bool) -> None:
        """GET the URL under one deadline, redirects included; any failure is CannotCheck."""
        try:
            async with (
                asyncio.timeout(self.limits.timeout_seconds),
                httpx.AsyncClient(
                    follow_redirects=False,
                    trust_env=False,  # a proxy would connect by name and undo the address check
                    timeout=httpx.Timeout(self.limits.timeout_seconds),
                    # No reused connections: one opened (and TLS-verified) for one name must not
                    # carry a request for another.
                    limits=httpx.Limits(max_keepalive_connections=0),
                    headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
                    verify=_tls_context(),
                    transport=self.transport,
                ) as client,
            ):
                await self._follow_redirects(client, read_body)
        except (TimeoutError, httpx.TimeoutException):
            raise CannotCheck("timeout", seconds=self.limits.timeout_seconds) from None
        except httpx.ConnectError as exc:
            raise CannotCheck("connect_failed", detail=exc) from None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise CannotCheck("network_error", detail=f"{type(exc).__name__}: {exc}") from None

    async def _follow_redirects(self, client: httpx.AsyncClient, read_body: bool) -> None:
        current = self.url
        seen = {_without_fragment(current)}
        while True:
            response = await self._send(client, await self._vet(current))
            try:
                self.final_url = current
                self.status_code = response.status_code
                self.content_type = response.headers.get("Content-Type", "")
                location = response.headers.get("Location")
                if response.status_code not in REDIRECT_STATUSES or not location:
                    if read_body and response.is_success:
                        await self._read_capped(response)
                    return
            finally:
                await response.aclose()
            current = urljoin(current, location)
            if _without_fragment(current) in seen:
                raise CannotCheck("redirect_loop", url=current)
            if len(self.redirects) >= self.limits.max_redirects:
                raise CannotCheck("too_many_redirects", limit=self.limits.max_redirects)
            seen.add(_without_fragment(current))
            self.redirects.append(current)

    async def _vet(self, url: str) -> _Target:
        """Parse, check the scheme, resolve, and refuse internal addresses (unless allowed)."""
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, ValueError, UnicodeError) as exc:
            raise CannotCheck("invalid_url", detail=exc) from None
        if parsed.scheme not in ("http", "https"):
            raise CannotCheck("unsupported_scheme", scheme=f"{parsed.scheme or '-'}:")
        host = parsed.raw_host.decode("ascii")
        if not host:
            raise CannotCheck("invalid_url", detail="no host")
        try:
            addresses: Sequence[IPAddress] = [ipaddress.ip_address(host)]
        except ValueError:
            try:
                port = parsed.port or (443 if parsed.scheme == "https" else 80)
                addresses = await self.resolver(host, port)
            except (OSError, UnicodeError) as exc:
                raise CannotCheck("dns_failure", host=host, detail=exc) from None
        if not addresses:
            raise CannotCheck("dns_failure", host=host, detail="no addresses")
        for address in addresses:
            if not (self.limits.allow_private or is_public_address(address)):
                raise CannotCheck("refused_address", host=host, address=address)
        return _Target(parsed, tuple(addresses))

    async def _send(self, client: httpx.AsyncClient, target: _Target) -> httpx.Response:
        """Connect to a vetted address, each in turn; Host and TLS SNI keep the name, so the
        certificate is still verified against it."""
        headers = {"Host": target.url.netloc.decode("ascii")}
        extensions = {"sni_hostname": target.url.raw_host.decode("ascii")}
        failure: httpx.ConnectError | None = None
        for address in target.addresses:
            pinned = target.url.copy_with(host=str(address))
            request = client.build_request("GET", pinned, headers=headers, extensions=extensions)
            try:
                return await client.send(request, stream=True)
            except httpx.ConnectError as exc:
                failure = exc
        assert failure is not None  # _vet never returns an empty address list
        raise failure

    async def _read_capped(self, response: httpx.Response) -> None:
        """The body, stopped as soon as it passes max_bytes on the wire or once decompressed
        (we ask for no compression, but a server may send a gzip bomb anyway)."""
        limit = self.limits.max_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise CannotCheck("too_large", limit=limit)
        decompressor = _decompressor(response.headers.get("Content-Encoding", ""))
        chunks: list[bytes] = []
        size = 0
        try:
            async for raw in response.aiter_raw():
                self.bytes_read += len(raw)
                # max_length: never inflate more than one byte past the limit.
                chunk = decompressor.decompress(raw, limit + 1 - size) if decompressor else raw
                size += len(chunk)
                if self.bytes_read > limit or size > limit:
                    raise CannotCheck("too_large", limit=limit)
                chunks.append(chunk)
        except zlib.error as exc:
            raise CannotCheck("network_error", detail=f"corrupt compressed body: {exc}") from None
        self.body = b"".join(chunks)


def _decompressor(content_encoding: str) -> zlib._Decompress | None:
    encoding = content_encoding.strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj()
    raise CannotCheck("unsupported_encoding", encoding=content_encoding)


# --- reading the page -----------------------------------------------------------------------


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


def _readable_kind(content_type: str) -> str | None:
    """ "html" or "text" for a page we can read, None otherwise (no header: assume HTML)."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type in ("", "text/html", "application/xhtml+xml"):
        return "html"
    if media_type.startswith("text/"):
        return "text"
    return None


# --- the two checks -------------------------------------------------------------------------


async def check_listing_page(
    listing_url: str,
    *,
    account_url: str,
    handle: str,
    limits: ProbeLimits,
    resolver: Resolver | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> ProbeResult:
    """passed: the page answers 2xx and links to the account or names its handle; failed: it
    answers without listing it, or with 4xx/5xx; error: it could not be checked.

    resolver and transport are for tests (names that resolve where a test needs them to; an
    in-memory site); production leaves them to the system resolver and httpx."""
    probe = _Probe("listing_page", listing_url, limits, resolver, transport)
    try:
        await probe.fetch(read_body=True)
        outcome, code, matched = await _judge_listing(probe, account_url, handle)
    except CannotCheck as exc:
        return probe.result(ProbeOutcome.error, exc.code, exc.reason)
    return probe.result(outcome, code, _reason(code, status=probe.status_code), matched)


async def _judge_listing(
    probe: _Probe, account_url: str, handle: str
) -> tuple[ProbeOutcome, str, str | None]:
    status = probe.status_code or 0
    if status >= 400:
        return ProbeOutcome.failed, "listing_http_error", None
    if not 200 <= status < 300:
        raise CannotCheck("unexpected_status", status=status)
    kind = _readable_kind(probe.content_type)
    if kind is None:
        raise CannotCheck("not_html", content_type=probe.content_type)
    # Parsing two megabytes takes a moment; keep the event loop free meanwhile.
    listing = await asyncio.to_thread(
        find_listing,
        decode_page(probe.body, probe.content_type),
        is_html=kind == "html",
        base_url=probe.final_url or probe.url,
        account_url=account_url,
        handle=handle,
    )
    if listing is None:
        return ProbeOutcome.failed, "not_listed", None
    return ProbeOutcome.passed, f"listed_by_{listing.how}", listing.matched_text


async def check_account_url(
    account_url: str,
    *,
    limits: ProbeLimits,
    resolver: Resolver | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> ProbeResult:
    """passed: 2xx after redirects; failed: 404/410 (gone or renamed); error: anything else."""
    probe = _Probe("account_url", account_url, limits, resolver, transport)
    try:
        # The body is not needed (nor downloaded): the status says whether the account is there.
        await probe.fetch(read_body=False)
    except CannotCheck as exc:
        return probe.result(ProbeOutcome.error, exc.code, exc.reason)
    status = probe.status_code or 0
    if 200 <= status < 300:
        outcome, code = ProbeOutcome.passed, "account_reachable"
    elif status in ACCOUNT_GONE_STATUSES:
        outcome, code = ProbeOutcome.failed, "account_gone"
    else:
        outcome, code = ProbeOutcome.error, "account_http_status"
    return probe.result(outcome, code, _reason(code, status=status))
