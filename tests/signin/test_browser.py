"""A city employee in a real browser (Debian's Chromium): the e-mailed link, a password, TOTP
enrolment, sign-out, and sign-in again with password + TOTP; axe-core finds no serious or
critical problem on any of these pages, at desktop width and at 390 px."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.portal.server import Server, running_server
from tests.receivers import SmtpServer, smtp_server
from tests.signin.helpers import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
AXE = (
    Path(__file__).resolve().parents[2]
    / "var"
    / "node"
    / "node_modules"
    / "axe-core"
    / "axe.min.js"
)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def mail() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, mail: SmtpServer) -> Iterator[Server]:
    with running_server(
        tmp_path_factory.mktemp("console-server"), smtp_host=mail.host, smtp_port=str(mail.port)
    ) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), "Debian's chromium is missing: run `make system-deps`"
    assert AXE.exists(), "axe-core is missing: run `make system-deps`"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=ARGS
        )
        yield browser
        browser.close()


def axe_problems(page: Page) -> list[str]:
    """Serious and critical axe-core violations of the page as it is now."""
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate("async () => await axe.run(document)")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} @ {[n['target'] for n in v['nodes']]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def check_page(page: Page, name: str) -> None:
    assert axe_problems(page) == [], name
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size
    assert viewport and width <= viewport["width"], f"{name}: scrolls sideways ({width} px)"


def setup_link(server: Server, mail: SmtpServer) -> tuple[str, str]:
    """The operator creates the city's admin; the admin creates a security user and mails them
    a set-up link (as in production: no one mints a token for another)."""
    operator = server.admin_token
    org = server.api(
        "POST",
        "/api/organizations",
        operator,
        {"name": "人吉市", "jurisdiction_court": "熊本地方裁判所"},
    )
    city_admin = server.api(
        "POST",
        f"/api/organizations/{org['id']}/users",
        operator,
        {
            "name": "情報政策課 管理者",
            "email": f"admin-{uuid.uuid4().hex[:6]}@city.example.jp",
            "roles": ["admin"],
        },
    )
    admin = server.console_token(city_admin["id"])
    email = f"security-{uuid.uuid4().hex[:6]}@city.example.jp"
    user = server.api(
        "POST",
        f"/api/organizations/{org['id']}/users",
        admin,
        {"name": "情報政策課 佐藤", "email": email, "roles": ["security"]},
    )
    server.api("POST", f"/api/users/{user['id']}/password-setup", admin)
    deadline = time.monotonic() + 30
    while not mail.sink.to(email):
        assert time.monotonic() < deadline, "the set-up mail did not arrive"
        time.sleep(0.2)
    match = re.search(r"http://\S+/console/setup/ps_[A-Za-z0-9_-]+", mail.sink.to(email)[0].text)
    assert match
    return email, match.group(0)


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 900}, PHONE], ids=["desktop", "390px"]
)
def test_sign_in_with_password_and_totp_then_sign_out(
    server: Server, mail: SmtpServer, browser: Browser, viewport: dict[str, int]
) -> None:
    email, link = setup_link(server, mail)
    # bypass_csp only lets the test inject axe-core; the pages themselves carry no script.
    context = browser.new_context(locale="ja-JP", viewport=viewport, bypass_csp=True)  # type: ignore[arg-type]
    context.set_default_timeout(15_000)
    page = context.new_page()

    page.goto(link)
    expect(page.locator("h1")).to_have_text("パスワードの設定")
    check_page(page, "setup")
    page.get_by_label("新しいパスワード", exact=True).fill(PASSWORD)
    page.get_by_label("新しいパスワード（確認）").fill(PASSWORD)
    page.get_by_role("button", name="パスワードを設定する").click()
    expect(page.get_by_role("status")).to_contain_text("パスワードを設定しました")

    check_page(page, "sign-in")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="サインイン").click()

    expect(page.locator("h1")).to_have_text("二要素認証の設定")
    check_page(page, "enrolment")
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("確認コード（6桁）").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="設定する").click()
    expect(page.locator("h1")).to_have_text("回復コード")
    check_page(page, "recovery codes")
    page.get_by_role("link", name="ホームへ進む").click()
    expect(page.locator("h1")).to_have_text("ホーム")
    page.get_by_role("button", name="サインアウト").click()
    expect(page.get_by_role("status")).to_contain_text("サインアウトしました")

    # Again, from the server's root: password, then a fresh TOTP code, then home.
    page.goto(server.base + "/")
    expect(page.locator("h1")).to_have_text("サインイン")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="サインイン").click()
    expect(page.locator("h1")).to_have_text("確認コードの入力")
    check_page(page, "code")
    page.get_by_label("確認コードまたは回復コード").fill(pyotp.TOTP(secret).at(time.time() + 30))
    page.get_by_role("button", name="確認する").click()
    expect(page.locator("h1")).to_have_text("ホーム")
    expect(page.get_by_role("heading", name=re.compile("判断・決裁待ちの審査"))).to_be_visible()
    check_page(page, "home")
    page.get_by_role("button", name="サインアウト").click()
    expect(page.locator("h1")).to_have_text("サインイン")
    page.goto(server.base + "/console/")
    expect(page.locator("h1")).to_have_text("サインイン")  # signed out for real
    context.close()
