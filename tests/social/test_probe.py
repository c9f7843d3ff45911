"""The re-verification probe against a real HTTP server on 127.0.0.1 playing the official site.

The site is reached with allow_private=True (it lives on loopback); the tests that prove internal
addresses are refused use allow_private=False, with an injected resolver where a name must
resolve to something in particular.
"""

from __future__ import annotations

import ipaddress
import json
import shutil
import socket
import ssl
import subprocess
import time
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC

import httpx
import pytest

from service.social.listing_page import SNIPPET_CHARS, decode_page, normalise_account_url
from service.social.probe import (
    IPAddress,
    ProbeLimits,
    ProbeOutcome,
    ProbeResult,
    Resolver,
    check_account_url,
    check_listing_page,
    is_public_address,
)
from tests.social.official_site import STREAM_CHUNK_BYTES, OfficialSite, official_site

ACCOUNT_URL = "https://x.com/city_tagajo"
HANDLE = "@city_tagajo"
LOCAL = ProbeLimits(timeout_seconds=5.0, allow_private=True)
# Short, so the timeout tests are quick; the bound asserted is three times this.
SHORT = ProbeLimits(timeout_seconds=1.0, allow_private=True)
PUBLIC_ADDRESS = ipaddress.ip_address("93.184.215.14")


@pytest.fixture
def site() -> Iterator[OfficialSite]:
    with official_site() as running:
        yield running


def html(body: str, *, head: str = '<meta charset="utf-8">') -> str:
    return (
        f"<!doctype html><html><head>{head}<title>公式SNS</title></head><body>{body}</body></html>"
    )


async def probe_listing(site: OfficialSite, path: str, limits: ProbeLimits = LOCAL) -> ProbeResult:
    return await check_listing_page(
        site.url(path), account_url=ACCOUNT_URL, handle=HANDLE, limits=limits
    )


def static_resolver(table: dict[str, Sequence[str]]) -> Resolver:
    async def resolve(host: str, port: int) -> list[IPAddress]:
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [ipaddress.ip_address(address) for address in table[host]]

    return resolve


# --- listed or not --------------------------------------------------------------------------

LISTING_PAGES = [
    pytest.param(
        '<ul><li><a href="https://twitter.com/City_Tagajo/?ref=top#main">多賀城市公式X</a></li></ul>',
        ProbeOutcome.passed,
        "listed_by_link",
        "多賀城市公式X",
        id="link-on-alias-host-with-case-slash-query-fragment",
    ),
    pytest.param(
        '<a href="http://www.x.com:80/city_tagajo"><img src="x.png" alt=""></a>',
        ProbeOutcome.passed,
        "listed_by_link",
        "http://www.x.com:80/city_tagajo",
        id="link-http-www-default-port-no-text",
    ),
    pytest.param(
        '<a href="//mobile.twitter.com/city_tagajo">X（旧Twitter）</a>',
        ProbeOutcome.passed,
        "listed_by_link",
        "X（旧Twitter）",
        id="protocol-relative-link",
    ),
    pytest.param(
        '<a href="\n  https://x.com/city_tagajo  \n">公式</a>',
        ProbeOutcome.passed,
        "listed_by_link",
        "公式",
        id="href-with-spaces-and-newlines",
    ),
    pytest.param(
        '<base href="https://x.com/"><a href="city_tagajo">公式X</a>',
        ProbeOutcome.passed,
        "listed_by_link",
        "公式X",
        id="relative-link-against-base-href",
    ),
    pytest.param(
        "<p>多賀城市公式Xアカウント：＠ｃｉｔｙ＿ｔａｇａｊｏ をご覧ください。</p>",
        ProbeOutcome.passed,
        "listed_by_handle",
        "多賀城市公式Xアカウント:@city_tagajo をご覧ください。",
        id="full-width-handle-in-japanese-text",
    ),
    pytest.param(
        "<table><tr><td>X</td><td>CITY_TAGAJO</td></tr></table>",
        ProbeOutcome.passed,
        "listed_by_handle",
        "CITY_TAGAJO",
        id="handle-without-at-other-case",
    ),
    pytest.param(
        "<ul><li>@city_tagajo</li><li>fake</li></ul>",
        ProbeOutcome.passed,
        "listed_by_handle",
        "@city_tagajo",
        id="adjacent-list-items-stay-separate-words",
    ),
    pytest.param(
        "<p>お知らせは @city_tagajo.</p>",
        ProbeOutcome.passed,
        "listed_by_handle",
        "お知らせは @city_tagajo.",
        id="handle-before-full-stop",
    ),
    pytest.param(
        '<a href="https://x.com/city_sendai">@city_sendai</a><p>@shiogama_city</p>',
        ProbeOutcome.failed,
        "not_listed",
        None,
        id="other-accounts-only",
    ),
    pytest.param(
        '<a href="https://x.com/city_tagajo_fake">@city_tagajo_fake</a>'
        "<p>fake.city_tagajo と city_tagajo-bot</p>"
        '<a href="https://x.com/city_tagajo/status/123">投稿</a>',
        ProbeOutcome.failed,
        "not_listed",
        None,
        id="look-alike-handles-and-a-post-link",
    ),
    pytest.param(
        "<p>お問い合わせ：city_tagajo@city.example.jp、koho@city_tagajo</p>",
        ProbeOutcome.failed,
        "not_listed",
        None,
        id="mail-addresses-are-not-handles",
    ),
    pytest.param(
        '<script>var account = "@city_tagajo";</script><style>/* @city_tagajo */</style>',
        ProbeOutcome.failed,
        "not_listed",
        None,
        id="handle-only-in-script-and-style",
    ),
]


@pytest.mark.parametrize(("body", "outcome", "code", "matched"), LISTING_PAGES)
async def test_listing_page_verdicts(
    site: OfficialSite,
    body: str,
    outcome: ProbeOutcome,
    code: str,
    matched: str | None,
) -> None:
    site.page("/sns/", html(body))

    result = await probe_listing(site, "/sns/")

    assert (result.outcome, result.reason_code, result.matched_text) == (outcome, code, matched)
    assert result.status_code == 200
    assert result.final_url == site.url("/sns/")
    assert result.bytes_read == len(html(body).encode())


async def test_handle_snippet_is_cut_around_the_handle(site: OfficialSite) -> None:
    before, after = "お知らせ" * 100, "イベント" * 100
    site.page("/sns/", html(f"<p>{before} @city_tagajo {after}</p>"))

    result = await probe_listing(site, "/sns/")

    snippet = result.matched_text or ""
    assert result.reason_code == "listed_by_handle"
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "知らせ @city_tagajo イベ" in snippet
    assert len(snippet) <= SNIPPET_CHARS + 2  # and the two ellipses


@pytest.mark.parametrize("status", [404, 500, 403])
async def test_listing_page_error_status_fails_with_the_status(
    site: OfficialSite, status: int
) -> None:
    site.page("/sns/", html("<p>@city_tagajo</p>"), status=status)

    result = await probe_listing(site, "/sns/")

    assert (result.outcome, result.reason_code, result.status_code) == (
        ProbeOutcome.failed,
        "listing_http_error",
        status,
    )
    assert str(status) in result.reason["ja"] and str(status) in result.reason["en"]
    assert result.matched_text is None


async def test_listing_page_that_does_not_exist_fails_with_404(site: OfficialSite) -> None:
    result = await probe_listing(site, "/moved-without-redirect/")

    assert (result.outcome, result.status_code) == (ProbeOutcome.failed, 404)


async def test_not_listed_reason_says_so_in_both_languages(site: OfficialSite) -> None:
    site.page("/sns/", html("<p>公式アカウントはありません</p>"))

    result = await probe_listing(site, "/sns/")

    assert result.outcome is ProbeOutcome.failed
    assert list(result.reason) == ["ja", "en"]
    assert "アカウント" in result.reason["ja"] and "account" in result.reason["en"]


@pytest.mark.parametrize(
    ("content_type", "body", "outcome"),
    [
        ("application/json", '{"x": "@city_tagajo"}', ProbeOutcome.error),
        ("application/pdf", "%PDF-1.7 @city_tagajo", ProbeOutcome.error),
        ("text/plain; charset=utf-8", "X: @city_tagajo\n", ProbeOutcome.passed),
        ("application/xhtml+xml", html("<p>@city_tagajo</p>"), ProbeOutcome.passed),
    ],
)
async def test_only_html_and_text_are_read(
    site: OfficialSite, content_type: str, body: str, outcome: ProbeOutcome
) -> None:
    site.page("/sns/", body, content_type=content_type)

    result = await probe_listing(site, "/sns/")

    assert result.outcome is outcome
    if outcome is ProbeOutcome.error:
        assert result.reason_code == "not_html"
        assert content_type in result.reason["en"]


# --- Japanese encodings ---------------------------------------------------------------------

SJIS_LINK = '<p>①多賀城市（髙橋課）の公式SNS：<a href="https://x.com/city_tagajo">多賀城市公式エックス</a></p>'
SJIS_TEXT = "<p>㈱広報 多賀城市公式アカウント＠city_tagajo（髙橋課）</p>"


@pytest.mark.parametrize(
    ("content_type", "head", "body", "matched"),
    [
        pytest.param(
            "text/html; charset=Shift_JIS", "", SJIS_LINK, "多賀城市公式エックス", id="header"
        ),
        pytest.param(
            "text/html",
            '<meta charset="shift_jis">',
            SJIS_LINK,
            "多賀城市公式エックス",
            id="meta-charset",
        ),
        pytest.param(
            "text/html",
            '<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">',
            SJIS_TEXT,
            "(株)広報 多賀城市公式アカウント@city_tagajo(髙橋課)",
            id="meta-http-equiv",
        ),
        pytest.param(
            "text/html",
            "",
            SJIS_TEXT,
            "(株)広報 多賀城市公式アカウント@city_tagajo(髙橋課)",
            id="undeclared",
        ),
    ],
)
async def test_shift_jis_page_is_matched_in_japanese(
    site: OfficialSite, content_type: str, head: str, body: str, matched: str
) -> None:
    page = html(body, head=head).encode("cp932")
    with pytest.raises(UnicodeDecodeError):
        page.decode("utf-8")  # the test means something only if UTF-8 would misread it
    site.page("/sns/", page, content_type=content_type)

    result = await probe_listing(site, "/sns/")

    assert result.outcome is ProbeOutcome.passed
    assert result.matched_text == matched


def test_declared_charset_wins_over_the_fallbacks() -> None:
    text = "多賀城市"
    assert decode_page(text.encode("euc_jp"), "text/html; charset=EUC-JP") == text
    assert decode_page(text.encode("utf-8"), "text/html") == text
    assert decode_page(text.encode("cp932"), "text/html") == text
    assert decode_page(b"\xef\xbb\xbf" + text.encode("utf-8"), "text/html; charset=cp932") == text
    assert decode_page(html(text, head='<meta charset="utf-16">').encode(), "") == html(
        text, head='<meta charset="utf-16">'
    )
    # An unknown label is ignored rather than trusted.
    assert decode_page(text.encode("utf-8"), "text/html; charset=klingon") == text


# --- redirects ------------------------------------------------------------------------------


async def test_redirect_that_ends_on_the_listing_passes_and_records_each_hop(
    site: OfficialSite,
) -> None:
    site.redirect("/old/sns.html", "/new/sns/", status=301)
    site.redirect("/new/sns/", site.url("/koho/sns/"), status=302)
    site.page("/koho/sns/", html('<a href="https://x.com/city_tagajo">公式X</a>'))

    result = await probe_listing(site, "/old/sns.html")

    assert result.outcome is ProbeOutcome.passed
    assert result.redirects == (site.url("/new/sns/"), site.url("/koho/sns/"))
    assert result.final_url == site.url("/koho/sns/")
    assert result.url == site.url("/old/sns.html")


async def test_relative_links_are_read_against_the_final_url(site: OfficialSite) -> None:
    account_url = site.url("/accounts/official/")
    site.redirect("/sns", "/koho/sns/")
    site.page("/koho/sns/", html('<a href="../../accounts/official">公式</a>'))

    result = await check_listing_page(
        site.url("/sns"), account_url=account_url, handle="", limits=LOCAL
    )

    assert (result.outcome, result.matched_text) == (ProbeOutcome.passed, "公式")


@pytest.mark.parametrize("hops", [LOCAL.max_redirects, LOCAL.max_redirects + 1])
async def test_redirect_limit(site: OfficialSite, hops: int) -> None:
    for hop in range(hops):
        site.redirect(f"/hop/{hop}", f"/hop/{hop + 1}")
    site.page(f"/hop/{hops}", html("<p>@city_tagajo</p>"))

    result = await probe_listing(site, "/hop/0")

    if hops <= LOCAL.max_redirects:
        assert result.outcome is ProbeOutcome.passed
        assert len(result.redirects) == hops
    else:
        assert (result.outcome, result.reason_code) == (ProbeOutcome.error, "too_many_redirects")
        assert len(result.redirects) == LOCAL.max_redirects
        assert f"/hop/{hops}" not in site.paths_requested()


@pytest.mark.parametrize("cycle", [["/a"], ["/a", "/b"], ["/a", "/b", "/c"]])
async def test_redirect_loop_is_an_error(site: OfficialSite, cycle: list[str]) -> None:
    for here, there in zip(cycle, cycle[1:] + cycle[:1], strict=True):
        site.redirect(here, there)

    result = await probe_listing(site, cycle[0])

    assert (result.outcome, result.reason_code) == (ProbeOutcome.error, "redirect_loop")
    assert site.paths_requested() == cycle  # each page asked once, then the loop is seen


# --- limits ---------------------------------------------------------------------------------


async def test_server_that_never_answers_times_out_within_the_limit(site: OfficialSite) -> None:
    site.stall("/sns/", seconds=60)

    started = time.monotonic()
    result = await probe_listing(site, "/sns/", SHORT)
    took = time.monotonic() - started

    assert (result.outcome, result.reason_code) == (ProbeOutcome.error, "timeout")
    assert took < 3 * SHORT.timeout_seconds
    assert result.status_code is None


async def test_page_dripping_bytes_is_stopped_by_the_overall_deadline(site: OfficialSite) -> None:
    # Every read gets a byte in time, so per-read timeouts alone would never fire.
    site.drip("/sns/", every_seconds=0.05)

    started = time.monotonic()
    result = await probe_listing(site, "/sns/", SHORT)
    took = time.monotonic() - started

    assert (result.outcome, result.reason_code) == (ProbeOutcome.error, "timeout")
    assert took < 3 * SHORT.timeout_seconds
    assert result.status_code == 200  # the evidence keeps what was learnt before the cut
    assert result.bytes_read > 0


async def test_redirect_chain_shares_one_deadline(site: OfficialSite) -> None:
    site.redirect("/sns/", "/slow/")
    site.stall("/slow/", seconds=60)

    started = time.monotonic()
    result = await probe_listing(site, "/sns/", SHORT)

    assert (result.outcome, result.reason_code) == (ProbeOutcome.error, "timeout")
    assert time.monotonic() - started < 3 * SHORT.timeout_seconds
    assert result.redirects == (site.url("/slow/"),)


FIFTY_MB = 50 * 1024 * 1024


async def test_fifty_megabyte_page_is_refused_without_reading_it_all(site: OfficialSite) -> None:
    site.stream("/sns/", FIFTY_MB, declare_length=False)
    limits = ProbeLimits(allow_private=True)

    started = time.monotonic()
    result = await probe_listing(site, "/sns/", limits)
    took = time.monotonic() - started

    assert (result.outcome, result.reason_code) == (ProbeOutcome.error, "too_large")
    assert limits.max_bytes < result.bytes_read <= limits.max_bytes + STREAM_CHUNK_BYTES
    assert took < limits.timeout_seconds
    # The server stopped when the probe hung up, far short of the whole page.
    assert site.wait_for_stream_end("/sns/", timeout=10) < FIFTY_MB // 2


async def test_declared_fifty_megabytes_is_refused_before_reading(site: OfficialSite) -> None:
    site.stream("/sns/", FIFTY_MB, declare_length=True)

    result = await probe_listing(site, "/sns/")

    assert (result.outcome, result.reason_code, result.bytes_read) == (
        ProbeOutcome.error,
        "too_large",
        0,
    )


async def test_page_just_under_the_cap_is_read(site: OfficialSite) -> None:
    body = html("<p>@city_tagajo</p>" + "<p>お知らせ</p>" * 1000)
    limits = ProbeLimits(max_bytes=len(body.encode()), allow_private=True)
    site.page("/sns/", body)

    result = await probe_listing(site, "/sns/", limits)

    assert result.outcome is ProbeOutcome.passed
    assert result.bytes_read == limits.max_bytes


def gzip_of_spaces(total_bytes: int) -> bytes:
    """A gzip body that inflates to total_bytes, built a megabyte at a time."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    megabyte = b" " * (1024 * 1024)
    parts = [compressor.compress(megabyte) for _ in range(total_bytes // len(megabyte))]
    parts.append(compressor.compress(b" " * (total_bytes % len(megabyte))))
    return b"".join([*parts, compressor.flush()])


async def test_gzip_bomb_is_stopped_at_the_cap_once_inflated(site: OfficialSite) -> None:
    # We ask for no compression; this server sends gzip of eight times the cap anyway.
    limits = ProbeLimits(allow_private=True)
    bomb = gzip_of_spaces(8 * limits.max_bytes)
    site.page("/sns/", bomb, headers={"Content-Encoding": "gzip"})

    result = await probe_listing(site, "/sns/", limits)

    assert (result.outcome, result.reason_code) == (ProbeOutcome.error, "too_large")
    assert result.bytes_read <= len(bomb) < limits.max_bytes  # small on the wire, huge inflated


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_compressed_page_within_the_cap_is_read(site: OfficialSite, encoding: str) -> None:
    page = html("<p>多賀城市公式X @city_tagajo</p>").encode()
    wbits = 16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS
    compressor = zlib.compressobj(6, zlib.DEFLATED, wbits)
    body = compressor.compress(page) + compressor.flush()
    site.page("/sns/", body, headers={"Content-Encoding": encoding})

    result = await probe_listing(site, "/sns/")

    assert (result.outcome, result.matched_text) == (
        ProbeOutcome.passed,
        "多賀城市公式X @city_tagajo",
    )
    assert result.bytes_read == len(body)


async def test_unknown_compression_is_an_error(site: OfficialSite) -> None:
    site.page("/sns/", b"\x8b\x00\x80", headers={"Content-Encoding": "br"})

    result = await probe_listing(site, "/sns/")

    assert (result.outcome, result.reason_code) == (ProbeOutcome.error, "unsupported_encoding")


# --- addresses and schemes ------------------------------------------------------------------


async def test_loopback_is_refused_unless_allowed(site: OfficialSite) -> None:
    site.page("/sns/", html("<p>@city_tagajo</p>"))

    refused = await probe_listing(site, "/sns/", ProbeLimits())
    account = await check_account_url(site.url("/sns/"), limits=ProbeLimits())

    for result in (refused, account):
        assert (result.outcome, result.reason_code) == (ProbeOutcome.error, "refused_address")
        assert "127.0.0.1" in result.reason["en"]
    assert site.requests == []  # refused before connecting, not after


async def test_names_are_resolved_and_checked_too(site: OfficialSite) -> None:
    # The system resolver, not a literal: "localhost" must be refused like 127.0.0.1.
    port = site.url("").rsplit(":", 1)[1]

    result = await check_account_url(f"http://localhost:{port}/", limits=ProbeLimits())

    assert (result.outcome, result.reason_code) == (ProbeOutcome.error, "refused_address")
    assert "localhost" in result.reason["en"]
    assert site.requests == []


async def test_connection_goes_to_the_address_that_was_checked(site: OfficialSite) -> None:
    # The name exists only in our resolver: reaching the site proves the probe connected to the
    # vetted address rather than letting httpx look the name up again.
    port = site.url("").rsplit(":", 1)[1]
    site.page("/sns/", html("<p>@city_tagajo</p>"))
    resolver = static_resolver({"www.city.example": ["127.0.0.1"]})

    result = await check_listing_page(
        f"http://www.city.example:{port}/sns/",
        account_url=ACCOUNT_URL,
        handle=HANDLE,
        limits=LOCAL,
        resolver=resolver,
    )

    assert result.outcome is ProbeOutcome.passed
    assert [(r.path, r.host) for r in site.requests] == [("/sns/", f"www.city.example:{port}")]


@dataclass(frozen=True)
class ThrowawayCertificates:
    server: ssl.SSLContext
    client: ssl.SSLContext  # trusts only the test CA


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> ThrowawayCertificates:
    """A throwaway CA and a certificate for www.city.example, made with the openssl CLI."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    folder = tmp_path_factory.mktemp("tls")
    (folder / "leaf.ext").write_text(
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth\nsubjectAltName=DNS:www.city.example\n"
    )
    ec_key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
    for command in (
        f"req -x509 {ec_key} -keyout ca.key -out ca.pem -days 1 -subj /CN=Probe-Test-CA"
        " -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign",
        f"req {ec_key} -keyout leaf.key -out leaf.csr -subj /CN=www.city.example",
        "x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out leaf.pem -days 1"
        " -extfile leaf.ext",
    ):
        subprocess.run(["openssl", *command.split()], cwd=folder, check=True, capture_output=True)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(folder / "leaf.pem", folder / "leaf.key")
    client = ssl.create_default_context(cafile=str(folder / "ca.pem"))
    return ThrowawayCertificates(server, client)


@pytest.mark.parametrize(
    ("name", "outcome"),
    [("www.city.example", ProbeOutcome.passed), ("other.city.example", ProbeOutcome.error)],
)
async def test_https_to_the_checked_address_still_verifies_the_name(
    certificates: ThrowawayCertificates, name: str, outcome: ProbeOutcome
) -> None:
    # Connecting to the vetted IP must not weaken TLS: SNI and verification use the name, so
    # the certificate for www.city.example passes and the same server under another name fails.
    with official_site(tls=certificates.server) as secure_site:
        port = secure_site.url("").rsplit(":", 1)[1]
        secure_site.page("/sns/", html("<p>@city_tagajo</p>"))

        result = await check_listing_page(
            f"https://{name}:{port}/sns/",
            account_url=ACCOUNT_URL,
            handle=HANDLE,
            limits=LOCAL,
            resolver=static_resolver({name: ["127.0.0.1"]}),
            transport=httpx.AsyncHTTPTransport(verify=certificates.client),
        )

    assert result.outcome is outcome
    if outcome is ProbeOutcome.error:
        assert result.reason_code == "connect_failed"
        assert "certificate" in result.reason["en"].lower()
    else:
        assert [r.host for r in secure_site.requests] == [f"{name}:{port}"]


INTERNAL_TARGETS = [
    pytest.param("http://intranet.city.example/admin", id="name-resolving-to-10/8"),
    pytest.param("http://mixed.city.example/", id="name-with-one-private-address"),
    pytest.param("http://169.254.169.254/latest/meta-data/", id="cloud-metadata-link-local"),
    pytest.param("http://127.0.0.1:8000/", id="loopback"),
    pytest.param("http://[::1]/", id="ipv6-loopback"),
    pytest.param("http://[::ffff:127.0.0.1]/", id="ipv4-mapped-loopback"),
    pytest.param("http://[fd00::5]/", id="ipv6-unique-local"),
    pytest.param("http://0.0.0.0/", id="unspecified"),
    pytest.param("http://100.64.1.1/", id="shared-address-space"),
]


@pytest.mark.parametrize("internal_url", INTERNAL_TARGETS)
async def test_redirect_to_an_internal_address_is_refused(internal_url: str) -> None:
    # Pinning sends the connection to the vetted public address, which a loopback server cannot
    # play; an in-memory transport answers the first hop instead and records what reaches it.
    reached: list[httpx.Request] = []

    def official_site_answer(request: httpx.Request) -> httpx.Response:
        reached.append(request)
        return httpx.Response(302, headers={"Location": internal_url})

    resolver = static_resolver(
        {
            "www.city.example": [str(PUBLIC_ADDRESS)],
            "intranet.city.example": ["10.20.30.40"],
            "mixed.city.example": [str(PUBLIC_ADDRESS), "192.168.1.10"],
        }
    )
    for check in ("listing", "account"):
        reached.clear()
        transport = httpx.MockTransport(official_site_answer)
        if check == "listing":
            result = await check_listing_page(
                "https://www.city.example/sns/",
                account_url=ACCOUNT_URL,
                handle=HANDLE,
                limits=ProbeLimits(),
                resolver=resolver,
                transport=transport,
            )
        else:
            result = await check_account_url(
                "https://www.city.example/sns/",
                limits=ProbeLimits(),
                resolver=resolver,
                transport=transport,
            )

        assert (result.outcome, result.reason_code) == (ProbeOutcome.error, "refused_address")
        assert result.redirects == (internal_url,)
        assert [(str(r.url.host), r.headers["host"]) for r in reached] == [
            (str(PUBLIC_ADDRESS), "www.city.example")
        ]


async def test_unknown_host_is_an_error() -> None:
    result = await check_account_url(
        "https://nowhere.city.example/",
        limits=ProbeLimits(),
        resolver=static_resolver({}),
    )

    assert (result.outcome, result.reason_code) == (ProbeOutcome.error, "dns_failure")
    assert "nowhere.city.example" in result.reason["ja"]


@pytest.mark.parametrize(
    "url",
    ["ftp://www.city.example/sns.html", "file:///etc/passwd", "javascript:alert(1)", "www.x.com"],
)
async def test_only_http_and_https_are_fetched(url: str) -> None:
    listing = await check_listing_page(
        url, account_url=ACCOUNT_URL, handle=HANDLE, limits=ProbeLimits()
    )
    account = await check_account_url(url, limits=ProbeLimits())

    for result in (listing, account):
        assert result.outcome is ProbeOutcome.error
        assert result.reason_code in {"unsupported_scheme", "invalid_url"}
        assert result.status_code is None


async def test_redirect_to_another_scheme_is_refused(site: OfficialSite) -> None:
    site.redirect("/sns/", "file:///etc/passwd")

    result = await probe_listing(site, "/sns/")

    assert (result.outcome, result.reason_code) == (ProbeOutcome.error, "unsupported_scheme")
    assert result.redirects == ("file:///etc/passwd",)


async def test_refused_connection_is_an_error() -> None:
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))  # a port nobody listens on
        url = f"http://127.0.0.1:{placeholder.getsockname()[1]}/"

        result = await check_account_url(url, limits=LOCAL)

    assert (result.outcome, result.reason_code) == (ProbeOutcome.error, "connect_failed")


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2001:4860:4860::8888", True),
        ("::ffff:8.8.8.8", True),
        ("10.0.0.1", False),
        ("172.16.0.1", False),
        ("192.168.0.1", False),
        ("127.0.0.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.251", False),
        ("239.255.255.250", False),
        ("240.0.0.1", False),
        ("255.255.255.255", False),
        ("192.0.2.1", False),
        ("::1", False),
        ("::", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("ff02::1", False),
        ("::ffff:10.0.0.1", False),
        ("::ffff:169.254.169.254", False),
        ("2002:7f00:1::", False),  # 6to4 wrapping 127.0.0.1
        ("64:ff9b::a00:1", False),  # NAT64 wrapping 10.0.0.1
        ("64:ff9b::808:808", True),  # NAT64 wrapping 8.8.8.8
    ],
)
def test_public_address_classification(address: str, public: bool) -> None:
    assert is_public_address(ipaddress.ip_address(address)) is public


# --- the account URL ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "outcome", "code"),
    [
        (200, ProbeOutcome.passed, "account_reachable"),
        (204, ProbeOutcome.passed, "account_reachable"),
        (404, ProbeOutcome.failed, "account_gone"),
        (410, ProbeOutcome.failed, "account_gone"),
        (403, ProbeOutcome.error, "account_http_status"),
        (429, ProbeOutcome.error, "account_http_status"),
        (500, ProbeOutcome.error, "account_http_status"),
    ],
)
async def test_account_url_verdicts(
    site: OfficialSite, status: int, outcome: ProbeOutcome, code: str
) -> None:
    site.page("/city_tagajo", html("<p>profile</p>"), status=status)

    result = await check_account_url(site.url("/city_tagajo"), limits=LOCAL)

    assert (result.outcome, result.reason_code, result.status_code) == (outcome, code, status)
    assert str(status) in result.reason["ja"]
    assert result.matched_text is None


async def test_account_url_redirect_then_200_passes(site: OfficialSite) -> None:
    site.redirect("/City_Tagajo", "/city_tagajo", status=301)
    site.page("/city_tagajo", html("<p>profile</p>"))

    result = await check_account_url(site.url("/City_Tagajo"), limits=LOCAL)

    assert result.outcome is ProbeOutcome.passed
    assert result.redirects == (site.url("/city_tagajo"),)
    assert (result.final_url, result.status_code) == (site.url("/city_tagajo"), 200)


async def test_account_url_does_not_download_the_profile(site: OfficialSite) -> None:
    site.stream("/city_tagajo", FIFTY_MB, declare_length=False)

    result = await check_account_url(site.url("/city_tagajo"), limits=LOCAL)

    assert (result.outcome, result.bytes_read) == (ProbeOutcome.passed, 0)


# --- evidence and URL normalisation ---------------------------------------------------------


async def test_evidence_is_json_ready_and_complete(site: OfficialSite) -> None:
    site.redirect("/sns", "/sns/")
    site.page("/sns/", html('<a href="https://x.com/city_tagajo">多賀城市公式X</a>'))

    result = await probe_listing(site, "/sns")
    evidence = json.loads(json.dumps(result.as_evidence(), ensure_ascii=False))

    assert evidence == {
        "check": "listing_page",
        "outcome": "passed",
        "reason_code": "listed_by_link",
        "reason": result.reason,
        "url": site.url("/sns"),
        "final_url": site.url("/sns/"),
        "status_code": 200,
        "matched_text": "多賀城市公式X",
        "redirects": [site.url("/sns/")],
        "bytes_read": result.bytes_read,
        "elapsed_ms": result.elapsed_ms,
        "checked_at": result.checked_at.isoformat(),
    }
    assert result.checked_at.tzinfo is UTC
    assert 0 <= result.elapsed_ms < LOCAL.timeout_seconds * 1000
    assert result.bytes_read > 0


@pytest.mark.parametrize(
    ("left", "right", "same"),
    [
        ("https://x.com/city_tagajo", "http://www.twitter.com:80/City_Tagajo/", True),
        ("https://x.com/city_tagajo", "https://X.COM/city_tagajo?s=20#top", True),
        ("https://www.facebook.com/city.tagajo", "https://m.facebook.com/city.tagajo/", True),
        ("https://www.threads.net/@city_tagajo", "https://www.threads.com/@city_tagajo", True),
        ("https://www.youtube.com/@CityTagajo", "https://youtube.com/%40citytagajo", True),
        ("https://x.com/city_tagajo", "https://x.com/city_tagajo_fake", False),
        ("https://x.com/city_tagajo", "https://x.com/city_tagajo/status/1", False),
        ("https://x.com/city_tagajo", "https://instagram.com/city_tagajo", False),
        ("https://city.example/SNS/Official", "https://city.example/sns/official", False),
        ("https://city.example:8443/sns", "https://city.example/sns", False),
        (
            "https://www.facebook.com/profile.php?id=100",
            "https://facebook.com/profile.php?id=200",
            False,
        ),
        (
            "https://www.facebook.com/profile.php?id=100&ref=x",
            "https://facebook.com/profile.php?id=100",
            True,
        ),
    ],
)
def test_account_url_normalisation(left: str, right: str, same: bool) -> None:
    assert (normalise_account_url(left) == normalise_account_url(right)) is same


def test_non_http_urls_have_no_key() -> None:
    assert normalise_account_url("mailto:koho@city.example") is None
    assert normalise_account_url("javascript:void(0)") is None
