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
import functools
import ipaddress
import socket
import ssl
import time
import zlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import StrEnum
from urllib.parse import urljoin, urlsplit

import httpx

from service.public_addresses import IPAddress, is_public_address
from service.social.listing_page import decode_page, find_listing

# (host, port) -> every address the name resolves to. Tests pass their own.
Resolver = Callable[[str, int], Awaitable[Sequence[IPAddress]]]

USER_AGENT = "vetting-service-social-probe/1"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ACCOUNT_GONE_STATUSES = frozenset({404, 410})


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
