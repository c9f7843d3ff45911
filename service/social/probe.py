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
import ipaddress
import re
import socket
import time
import unicodedata
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
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
CHARSET_ALIASES = {
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "csshiftjis": "cp932",
    "windows-31j": "cp932",
    "x-euc-jp": "euc_jp",
}
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
        return {
            "check": self.check,
            "outcome": self.outcome.value,
            "reason_code": self.reason_code,
            "reason": dict(self.reason),
            "url": self.url,
            "final_url": self.final_url,
            "status_code": self.status_code,
            "matched_text": self.matched_text,
            "redirects": list(self.redirects),
            "bytes_read": self.bytes_read,
            "elapsed_ms": self.elapsed_ms,
            "checked_at": self.checked_at.isoformat(),
        }


class CannotCheck(Exception):
    """The check could not be carried out; the verdict is `error` with this reason."""

    def __init__(self, code: str, ja: str, en: str) -> None:
        super().__init__(en)
        self.code = code
        self.reason = {"ja": ja, "en": en}


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
    """One hop: the URL as given, and the checked addresses to connect to."""

    url: httpx.URL
    addresses: tuple[IPAddress, ...]


async def _vet_target(url: str, limits: ProbeLimits, resolver: Resolver) -> _Target:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, UnicodeError) as exc:
        raise CannotCheck(
            "invalid_url", f"URLとして解釈できません（{exc}）。", f"Not a usable URL ({exc})."
        ) from None
    if parsed.scheme not in ("http", "https"):
        raise CannotCheck(
            "unsupported_scheme",
            f"http・https以外のURL（{parsed.scheme or 'スキームなし'}）は確認しません。",
            f"Only http and https URLs are checked, not {parsed.scheme or 'a URL without scheme'}.",
        )
    host = parsed.raw_host.decode("ascii")
    if not host:
        raise CannotCheck("invalid_url", "URLにホスト名がありません。", "The URL has no host.")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        addresses: Sequence[IPAddress] = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            addresses = await resolver(host, port)
        except (OSError, UnicodeError) as exc:
            raise CannotCheck(
                "dns_failure",
                f"ホスト名 {host} を解決できませんでした（{exc}）。",
                f"The host name {host} could not be resolved ({exc}).",
            ) from None
    if not addresses:
        raise CannotCheck(
            "dns_failure",
            f"ホスト名 {host} にアドレスがありません。",
            f"The host name {host} has no addresses.",
        )
    if not limits.allow_private:
        for address in addresses:
            if not is_public_address(address):
                raise CannotCheck(
                    "refused_address",
                    f"{host} は内部向けのアドレス（{address}）を指すため、接続しません。",
                    f"{host} points to the internal address {address}; not connecting.",
                )
    return _Target(parsed, tuple(addresses))


# --- fetching -------------------------------------------------------------------------------


@dataclass
class _Trail:
    """What one fetch learned so far; kept when the check is cut short, as evidence."""

    final_url: str | None = None
    status_code: int | None = None
    content_type: str = ""
    redirects: list[str] = field(default_factory=list)
    body: bytes = b""
    bytes_read: int = 0


async def _send_to_checked_address(client: httpx.AsyncClient, target: _Target) -> httpx.Response:
    """Connect to an address we vetted, trying each in turn; the URL keeps its name for Host and
    SNI (certificates are still verified against the name)."""
    headers = {"Host": target.url.netloc.decode("ascii")}
    extensions = {"sni_hostname": target.url.raw_host.decode("ascii")}
    last_error: httpx.ConnectError | None = None
    for address in target.addresses:
        request = client.build_request(
            "GET", target.url.copy_with(host=str(address)), headers=headers, extensions=extensions
        )
        try:
            return await client.send(request, stream=True)
        except httpx.ConnectError as exc:
            last_error = exc
    assert last_error is not None  # _vet_target never returns an empty address list
    raise last_error


async def _read_capped(response: httpx.Response, limits: ProbeLimits, trail: _Trail) -> None:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes:
        raise _too_large(limits)
    chunks: list[bytes] = []
    async for chunk in response.aiter_bytes():
        trail.bytes_read += len(chunk)
        if trail.bytes_read > limits.max_bytes:
            raise _too_large(limits)
        chunks.append(chunk)
    trail.body = b"".join(chunks)


def _too_large(limits: ProbeLimits) -> CannotCheck:
    return CannotCheck(
        "too_large",
        f"ページが大きすぎるため、{limits.max_bytes:,}バイトで読み込みを止めました。",
        f"The page is larger than {limits.max_bytes:,} bytes; stopped reading.",
    )


async def _fetch(
    url: str,
    *,
    limits: ProbeLimits,
    read_body: bool,
    resolver: Resolver,
    transport: httpx.AsyncBaseTransport | None,
    trail: _Trail,
) -> None:
    """GET url, following up to max_redirects redirects ourselves; fills in `trail`."""
    current = url
    seen = {urlsplit(url)._replace(fragment="").geturl()}
    async with httpx.AsyncClient(
        follow_redirects=False,
        trust_env=False,  # a proxy would connect by name and undo the address check
        timeout=httpx.Timeout(limits.timeout_seconds),
        # No reused connections: a TLS connection opened for one name must not carry another's.
        limits=httpx.Limits(max_keepalive_connections=0),
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
        transport=transport,
    ) as client:
        while True:
            target = await _vet_target(current, limits, resolver)
            response = await _send_to_checked_address(client, target)
            try:
                trail.final_url = current
                trail.status_code = response.status_code
                trail.content_type = response.headers.get("Content-Type", "")
                location = response.headers.get("Location")
                if response.status_code in REDIRECT_STATUSES and location:
                    current = _next_hop(current, location, seen, limits, trail)
                    continue
                if read_body and response.is_success:
                    await _read_capped(response, limits, trail)
                return
            finally:
                await response.aclose()


def _next_hop(
    current: str, location: str, seen: set[str], limits: ProbeLimits, trail: _Trail
) -> str:
    following = urljoin(current, location)
    key = urlsplit(following)._replace(fragment="").geturl()
    if key in seen:
        raise CannotCheck(
            "redirect_loop",
            f"リダイレクトが循環しています（{following} に戻りました）。",
            f"The redirects go round in a loop (back to {following}).",
        )
    if len(trail.redirects) >= limits.max_redirects:
        raise CannotCheck(
            "too_many_redirects",
            f"リダイレクトが上限の{limits.max_redirects}回を超えました。",
            f"More than {limits.max_redirects} redirects.",
        )
    seen.add(key)
    trail.redirects.append(following)
    return following


async def _run_fetch(
    url: str,
    *,
    limits: ProbeLimits,
    read_body: bool,
    resolver: Resolver | None,
    transport: httpx.AsyncBaseTransport | None,
    trail: _Trail,
) -> None:
    """_fetch under the overall deadline, with every way it can fail turned into CannotCheck."""
    try:
        async with asyncio.timeout(limits.timeout_seconds):
            await _fetch(
                url,
                limits=limits,
                read_body=read_body,
                resolver=resolver or resolve_host,
                transport=transport,
                trail=trail,
            )
    except (TimeoutError, httpx.TimeoutException):
        raise CannotCheck(
            "timeout",
            f"{limits.timeout_seconds:g}秒以内に確認が終わりませんでした。",
            f"The check did not finish within {limits.timeout_seconds:g} seconds.",
        ) from None
    except httpx.ConnectError as exc:
        raise CannotCheck(
            "connect_failed",
            f"接続できませんでした（{exc}）。",
            f"Could not connect ({exc}).",
        ) from None
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        detail = f"{type(exc).__name__}: {exc}"
        raise CannotCheck(
            "network_error",
            f"通信エラーのため確認できませんでした（{detail}）。",
            f"A network error stopped the check ({detail}).",
        ) from None


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
        self._hidden_depth = 0
        self._open_links: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in INVISIBLE_ELEMENTS:
            self._hidden_depth += 1
        if tag not in INLINE_ELEMENTS:
            self.text_parts.append("\n")
        href = dict(attrs).get("href")
        if tag == "a" and href is not None:
            self._open_links.append((href, []))
        elif tag == "area" and href is not None:
            self.links.append(_Link(href, dict(attrs).get("alt") or ""))

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
    # Not glued to more handle: "@city_tagajo" must not match "@city_tagajo_fake" or
    # "fake.city_tagajo"; a full stop ending the sentence ("… @city_tagajo.") is fine.
    return re.compile(
        rf"(?<![{HANDLE_CHARACTERS}.\-])@?{re.escape(name)}"
        rf"(?![{HANDLE_CHARACTERS}]|[.\-][{HANDLE_CHARACTERS}])",
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
            line_start = normalised.rfind("\n", 0, match.start()) + 1
            line_end = normalised.find("\n", match.end())
            line = normalised[line_start : line_end if line_end != -1 else None]
            return _Listing("handle", _snippet(line))
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


class _Clock:
    def __init__(self) -> None:
        self.checked_at = datetime.now(UTC)
        self._start = time.monotonic()

    def elapsed_ms(self) -> int:
        return int((time.monotonic() - self._start) * 1000)


def _result(
    check: str,
    url: str,
    clock: _Clock,
    trail: _Trail,
    outcome: ProbeOutcome,
    code: str,
    ja: str,
    en: str,
    matched_text: str | None = None,
) -> ProbeResult:
    return ProbeResult(
        check=check,
        outcome=outcome,
        reason={"ja": ja, "en": en},
        url=url,
        final_url=trail.final_url,
        status_code=trail.status_code,
        matched_text=matched_text,
        redirects=tuple(trail.redirects),
        bytes_read=trail.bytes_read,
        elapsed_ms=clock.elapsed_ms(),
        checked_at=clock.checked_at,
        reason_code=code,
    )


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
    answers without listing it, or with 4xx/5xx; error: it could not be checked."""
    clock, trail = _Clock(), _Trail()

    def verdict(
        outcome: ProbeOutcome, code: str, ja: str, en: str, matched: str | None = None
    ) -> ProbeResult:
        return _result("listing_page", listing_url, clock, trail, outcome, code, ja, en, matched)

    try:
        await _run_fetch(
            listing_url,
            limits=limits,
            read_body=True,
            resolver=resolver,
            transport=transport,
            trail=trail,
        )
    except CannotCheck as exc:
        return verdict(ProbeOutcome.error, exc.code, exc.reason["ja"], exc.reason["en"])
    status = trail.status_code
    assert status is not None  # _fetch returns only after a response
    if status >= 400:
        return verdict(
            ProbeOutcome.failed,
            "listing_http_error",
            f"公式掲載ページがHTTP {status}を返しました。",
            f"The official listing page answered HTTP {status}.",
        )
    if not 200 <= status < 300:
        return verdict(
            ProbeOutcome.error,
            "unexpected_status",
            f"公式掲載ページの応答（HTTP {status}）からは判断できません。",
            f"The official listing page answered HTTP {status}, which says nothing either way.",
        )
    kind = _readable_kind(trail.content_type)
    if kind is None:
        return verdict(
            ProbeOutcome.error,
            "not_html",
            f"公式掲載ページがHTMLでもテキストでもありません（{trail.content_type}）。",
            f"The official listing page is neither HTML nor text ({trail.content_type}).",
        )
    page = decode_page(trail.body, trail.content_type)
    # Parsing two megabytes takes a moment; keep the event loop free meanwhile.
    listing = await asyncio.to_thread(
        find_listing,
        page,
        is_html=kind == "html",
        base_url=trail.final_url or listing_url,
        account_url=account_url,
        handle=handle,
    )
    if listing is None:
        return verdict(
            ProbeOutcome.failed,
            "not_listed",
            f"公式掲載ページ（HTTP {status}）に、アカウントへのリンクもアカウント名もありません。",
            f"The official listing page (HTTP {status}) neither links to the account nor "
            "names its handle.",
        )
    if listing.how == "link":
        return verdict(
            ProbeOutcome.passed,
            "listed_by_link",
            "公式掲載ページにアカウントへのリンクがあります。",
            "The official listing page links to the account.",
            listing.matched_text,
        )
    return verdict(
        ProbeOutcome.passed,
        "listed_by_handle",
        "公式掲載ページにアカウント名が記載されています。",
        "The official listing page names the account's handle.",
        listing.matched_text,
    )


async def check_account_url(
    account_url: str,
    *,
    limits: ProbeLimits,
    resolver: Resolver | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> ProbeResult:
    """passed: 2xx after redirects; failed: 404/410 (gone or renamed); error: anything else."""
    clock, trail = _Clock(), _Trail()

    def verdict(outcome: ProbeOutcome, code: str, ja: str, en: str) -> ProbeResult:
        return _result("account_url", account_url, clock, trail, outcome, code, ja, en)

    try:
        # The body is not needed: the status says whether the account is there.
        await _run_fetch(
            account_url,
            limits=limits,
            read_body=False,
            resolver=resolver,
            transport=transport,
            trail=trail,
        )
    except CannotCheck as exc:
        return verdict(ProbeOutcome.error, exc.code, exc.reason["ja"], exc.reason["en"])
    status = trail.status_code
    assert status is not None
    if 200 <= status < 300:
        return verdict(
            ProbeOutcome.passed,
            "account_reachable",
            f"アカウントのURLが応答しました（HTTP {status}）。",
            f"The account URL answers (HTTP {status}).",
        )
    if status in ACCOUNT_GONE_STATUSES:
        return verdict(
            ProbeOutcome.failed,
            "account_gone",
            f"アカウントのURLがHTTP {status}を返しました。削除されたか、名前が変わった可能性が"
            "あります。",
            f"The account URL answered HTTP {status}: the account may be gone or renamed.",
        )
    return verdict(
        ProbeOutcome.error,
        "account_http_status",
        f"アカウントのURLがHTTP {status}を返したため、確認できませんでした。",
        f"The account URL answered HTTP {status}, so the account could not be confirmed.",
    )
