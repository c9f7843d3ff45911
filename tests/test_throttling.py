"""Throttling of failed secrets (service/throttling.py).

Each test builds its own application from VETTING_* variables, as production does (settings,
create_app, the middleware, the routes), with small budgets, and talks to it from client
addresses of its own. The session's database and its shared app serve the data.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import pytest_asyncio
from pydantic import ValidationError

from service.app import create_app
from service.config import Settings
from service.openapi import build_openapi
from tests.factories import Org, auth, good_answers, invited_review
from tests.openapi_check import OpenApiChecker

REDIS_URL = os.environ.get("VETTING_TEST_REDIS_URL")
KINDS = ("VENDOR_LINK", "API_TOKEN", "CALENDAR", "ATTESTATION", "SIGN_IN")


def wrong(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def an_address() -> str:
    """A client address no other test (nor an earlier run sharing Redis) has used."""
    return "10." + ".".join(str(b) for b in secrets.token_bytes(3))


@pytest_asyncio.fixture
async def throttled_app(
    app: object, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Callable[..., Any]]:
    """throttled_app(name=value, …): a new application read from VETTING_<NAME>=value."""
    built: list[Any] = []

    def make(**variables: str) -> Any:
        for name, value in variables.items():
            monkeypatch.setenv(f"VETTING_{name.upper()}", value)
        built.append(create_app(Settings()))
        return built[-1]

    yield make
    for application in built:
        await application.state.throttle.close()


def client_of(
    application: Any, address: str, *, checked: bool = True, **kwargs: Any
) -> httpx.AsyncClient:
    """A client at `address`; API answers are checked against the OpenAPI document."""
    hooks = {"response": [OpenApiChecker(build_openapi()).check_response]} if checked else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=application, client=(address, 50000)),
        base_url="http://testserver",
        event_hooks=hooks,
        **kwargs,
    )


def assert_throttled(response: httpx.Response) -> int:
    assert response.status_code == 429, response.text
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= 60
    return retry_after


def assert_json_throttled(response: httpx.Response) -> None:
    assert_throttled(response)
    body = response.json()
    assert body["error"] == "too_many_requests"
    ja, en = body["detail"].split(" / ")
    assert "試行が多すぎます" in ja and "Too many failed attempts" in en
    assert body["fields"] == {}


async def test_wrong_bearer_tokens_beyond_the_budget_get_429_right_ones_too(
    throttled_app: Any, org: Org
) -> None:
    address = an_address()
    application = throttled_app(rate_limit_api_token="3/minute")
    async with client_of(application, address) as client:
        for _ in range(3):
            refused = await client.get("/api/vendors", headers=auth(wrong("vt_")))
            assert refused.status_code == 401
        assert_json_throttled(await client.get("/api/vendors", headers=auth(wrong("vt_"))))
        # Out of budget, a right token gets the same answer: 429 says nothing of secrets.
        assert_json_throttled(await client.get("/api/vendors", headers=org.h("procurement")))
    async with client_of(application, an_address()) as elsewhere:
        assert (await elsewhere.get("/api/vendors", headers=org.h("procurement"))).is_success


async def test_wrong_vendor_links_get_429_on_the_api_and_an_html_page_in_the_portal(
    throttled_app: Any, client: httpx.AsyncClient, org: Org
) -> None:
    from service.portal.sessions import cookie_name

    _, token = await invited_review(client, org)
    address = an_address()
    application = throttled_app(rate_limit_vendor_link="3/minute")
    async with client_of(application, address) as api:
        for _ in range(2):
            assert (await api.get(f"/api/vendor/{wrong('vl_')}")).status_code == 404
    async with client_of(application, address, checked=False) as browser:
        # The portal's first open and the API share the budget of vendor links.
        assert (await browser.get(f"/v/{wrong('vl_')}")).status_code == 404
        page = await browser.get(f"/v/{token}")  # the right link, after the budget ran out
        assert_throttled(page)
        assert page.headers["content-type"].startswith("text/html")
        assert "しばらくお待ちください" in page.text and "Please wait a while" in page.text
        assert "<script" not in page.text
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["cache-control"] == "no-store"
        # A guessed session cookie counts against the same budget.
        browser.cookies.set(cookie_name(), wrong("vs_"))
        assert_throttled(await browser.get("/v/"))
    async with client_of(application, address) as api:
        assert_json_throttled(await api.get(f"/api/vendor/{token}"))
        assert_json_throttled(await api.patch(f"/api/vendor/{token}/answers", json={"answers": {}}))
        assert_json_throttled(await api.post(f"/api/vendor/{token}/submit"))


async def test_guessed_portal_session_cookies_are_failures(
    throttled_app: Any, client: httpx.AsyncClient, org: Org
) -> None:
    from service.portal.sessions import cookie_name

    _, token = await invited_review(client, org)
    application = throttled_app(rate_limit_vendor_link="2/minute")
    async with client_of(application, an_address(), checked=False) as browser:
        assert (await browser.get("/v/")).status_code == 401  # no cookie: not a guess
        assert (await browser.get("/v/")).status_code == 401
        assert (await browser.get("/v/")).status_code == 401
        for _ in range(2):
            browser.cookies.set(cookie_name(), wrong("vs_"))
            assert (await browser.get("/v/")).status_code == 401
        assert_throttled(await browser.get(f"/v/{token}"))


async def test_wrong_calendar_addresses_get_429(throttled_app: Any, org: Org) -> None:
    application = throttled_app(rate_limit_calendar="2/minute")
    async with client_of(application, an_address()) as client:
        for _ in range(2):
            assert (await client.get(f"/api/calendar/{wrong('cal_')}")).status_code == 404
        assert_json_throttled(await client.get(f"/api/calendar/{wrong('cal_')}"))


async def test_wrong_attestation_links_get_429_as_json_and_as_a_page(throttled_app: Any) -> None:
    address = an_address()
    application = throttled_app(rate_limit_attestation="3/minute")
    async with client_of(application, address) as api:
        assert (await api.get(f"/api/social/attestations/{wrong('sa_')}")).status_code == 404
        answers = {
            "still_responsible": True,
            "mfa_still_on": True,
            "credentials_held_by_organization": True,
            "posts_within_allowed_content": True,
            "note": "",
        }
        posted = await api.post(f"/api/social/attestations/{wrong('sa_')}", json=answers)
        assert posted.status_code == 404
    async with client_of(application, address, checked=False) as browser:
        assert (await browser.get(f"/sns/attest/{wrong('sa_')}")).status_code == 404
        page = await browser.post(f"/sns/attest/{wrong('sa_')}", data={"csrf_token": "x"})
        assert_throttled(page)
        assert "しばらくお待ちください" in page.text
        assert page.headers["referrer-policy"] == "no-referrer"
    async with client_of(application, address) as api:
        assert_json_throttled(await api.get(f"/api/social/attestations/{wrong('sa_')}"))


async def test_normal_use_is_never_throttled(
    throttled_app: Any, client: httpx.AsyncClient, org: Org
) -> None:
    """Only failures count: a vendor saving all day, a token used all day, a subscribed calendar;
    and one kind's failures leave the other kinds' budgets alone."""
    _, token = await invited_review(client, org)
    issued = await client.post(f"/api/organizations/{org.id}/calendar-feed", headers=org.h("admin"))
    calendar = issued.json()["url"].removeprefix("http://testserver")
    budgets = {f"rate_limit_{kind.lower()}": "2/minute" for kind in KINDS}
    application = throttled_app(**budgets)
    async with client_of(application, an_address()) as own:
        answers = good_answers()
        for question_id, value in list(answers.items())[:12]:
            saved = await own.patch(
                f"/api/vendor/{token}/answers", json={"answers": {question_id: value}}
            )
            assert saved.status_code == 200, saved.text
        for _ in range(6):
            assert (await own.get("/api/vendors", headers=org.h("procurement"))).is_success
            assert (await own.get(calendar)).status_code == 200
        # Wrong tokens use up the token budget only.
        for _ in range(2):
            assert (await own.get("/api/vendors", headers=auth(wrong("vt_")))).status_code == 401
        assert_json_throttled(await own.get("/api/vendors", headers=org.h("procurement")))
        assert (await own.get(f"/api/vendor/{token}")).status_code == 200
        assert (await own.get(calendar)).status_code == 200


async def test_the_budget_comes_back_after_the_window(throttled_app: Any) -> None:
    application = throttled_app(rate_limit_calendar="2/second")
    async with client_of(application, an_address()) as client:
        for _ in range(2):
            assert (await client.get(f"/api/calendar/{wrong('cal_')}")).status_code == 404
        retry_after = assert_throttled(await client.get(f"/api/calendar/{wrong('cal_')}"))
        assert retry_after == 1
        await asyncio.sleep(retry_after)  # what a well-behaved client does
        assert (await client.get(f"/api/calendar/{wrong('cal_')}")).status_code == 404


async def test_turned_off_nothing_is_throttled(throttled_app: Any) -> None:
    application = throttled_app(rate_limit_enabled="false", rate_limit_api_token="1/minute")
    async with client_of(application, an_address()) as client:
        for _ in range(5):
            refused = await client.get("/api/vendors", headers=auth(wrong("vt_")))
            assert refused.status_code == 401


async def test_in_memory_each_process_keeps_its_own_budget(throttled_app: Any) -> None:
    address = an_address()
    first = throttled_app(rate_limit_api_token="2/minute")
    second = throttled_app(rate_limit_api_token="2/minute")
    async with client_of(first, address) as a, client_of(second, address) as b:
        for _ in range(2):
            assert (await a.get("/api/vendors", headers=auth(wrong("vt_")))).status_code == 401
        assert_json_throttled(await a.get("/api/vendors", headers=auth(wrong("vt_"))))
        assert (await b.get("/api/vendors", headers=auth(wrong("vt_")))).status_code == 401


@pytest.mark.skipif(REDIS_URL is None, reason="VETTING_TEST_REDIS_URL is not set")
async def test_with_redis_two_api_processes_share_one_budget(throttled_app: Any) -> None:
    assert REDIS_URL is not None
    address = an_address()
    settings = {"rate_limit_storage_url": REDIS_URL, "rate_limit_api_token": "3/minute"}
    first, second = throttled_app(**settings), throttled_app(**settings)
    async with client_of(first, address) as a, client_of(second, address) as b:
        for client in (a, b, a):
            refused = await client.get("/api/vendors", headers=auth(wrong("vt_")))
            assert refused.status_code == 401
        assert_json_throttled(await b.get("/api/vendors", headers=auth(wrong("vt_"))))
        assert_json_throttled(await a.get("/api/vendors", headers=auth(wrong("vt_"))))
    async with client_of(second, an_address()) as elsewhere:
        assert (await elsewhere.get("/api/vendors", headers=auth(wrong("vt_")))).status_code == 401


@pytest.mark.skipif(REDIS_URL is None, reason="VETTING_TEST_REDIS_URL is not set")
async def test_with_redis_the_budget_comes_back_after_the_window(throttled_app: Any) -> None:
    assert REDIS_URL is not None
    settings = {"rate_limit_storage_url": REDIS_URL, "rate_limit_vendor_link": "1/second"}
    application = throttled_app(**settings)
    async with client_of(application, an_address()) as client:
        assert (await client.get(f"/api/vendor/{wrong('vl_')}")).status_code == 404
        retry_after = assert_throttled(await client.get(f"/api/vendor/{wrong('vl_')}"))
        await asyncio.sleep(retry_after)
        assert (await client.get(f"/api/vendor/{wrong('vl_')}")).status_code == 404


async def test_a_storage_that_fails_lets_requests_through(
    throttled_app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # Nothing listens on port 1: every call to the storage fails at once.
    settings = {
        "rate_limit_storage_url": "redis://127.0.0.1:1/0",
        "rate_limit_api_token": "1/minute",
    }
    application = throttled_app(**settings)
    async with client_of(application, an_address()) as client:
        with caplog.at_level(logging.WARNING, logger="service.throttling"):
            for _ in range(3):
                refused = await client.get("/api/vendors", headers=auth(wrong("vt_")))
                assert refused.status_code == 401
    assert any("throttling storage failed" in r.getMessage() for r in caplog.records)


async def test_behind_a_trusted_proxy_the_forwarded_client_is_counted(throttled_app: Any) -> None:
    proxy = an_address()
    settings = {"trusted_proxies": f"{proxy}/32,192.0.2.0/24", "rate_limit_api_token": "2/minute"}
    application = throttled_app(**settings)
    async with client_of(application, proxy) as via_proxy:
        one = {"x-forwarded-for": "203.0.113.7", **auth(wrong("vt_"))}
        for _ in range(2):
            assert (await via_proxy.get("/api/vendors", headers=one)).status_code == 401
        assert_json_throttled(await via_proxy.get("/api/vendors", headers=one))
        # Another client behind the same proxy keeps its own budget.
        other = {"x-forwarded-for": "203.0.113.8, 192.0.2.10", **auth(wrong("vt_"))}
        assert (await via_proxy.get("/api/vendors", headers=other)).status_code == 401


async def test_without_trusted_proxies_x_forwarded_for_changes_nothing(
    throttled_app: Any,
) -> None:
    application = throttled_app(rate_limit_api_token="2/minute")
    async with client_of(application, an_address()) as client:
        for n in range(2):
            spoofed = {"x-forwarded-for": f"203.0.113.{n}", **auth(wrong("vt_"))}
            assert (await client.get("/api/vendors", headers=spoofed)).status_code == 401
        spoofed = {"x-forwarded-for": "203.0.113.99", **auth(wrong("vt_"))}
        assert_json_throttled(await client.get("/api/vendors", headers=spoofed))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("rate_limit_api_token", "lots"),
        ("rate_limit_storage_url", "memcached://127.0.0.1:11211"),
        ("trusted_proxies", "10.0.0.0/8, proxy.internal"),
    ],
)
def test_settings_refuse_what_they_cannot_use(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(f"VETTING_{name.upper()}", value)
    with pytest.raises(ValidationError, match=name):
        Settings()


def test_429_is_documented_where_a_secret_is_checked_and_only_there() -> None:
    paths = build_openapi()["paths"]
    throttled = {
        (method.upper(), path)
        for path, operations in paths.items()
        for method, operation in operations.items()
        if "429" in operation["responses"]
    }
    assert ("GET", "/api/vendor/{token}") in throttled
    assert ("GET", "/api/calendar/{token}") in throttled
    assert ("POST", "/api/social/attestations/{token}") in throttled
    assert ("GET", "/api/vendors") in throttled  # bearer token
    assert ("GET", "/api/public/social/{organization_id}") not in throttled
    response = paths["/api/vendor/{token}"]["get"]["responses"]["429"]
    assert response["headers"]["Retry-After"]["required"] is True
