"""A vendor completes the cloud questionnaire in a real browser (Debian's Chromium), in Japanese.

The answers come from the form definition and docs/examples/cloud-service-answers.json, so the
test follows the form as it grows. The server is a real `vetting serve` process.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from service.catalog.forms import Form, Question, QuestionType
from service.catalog.loader import load_catalog
from tests.browser_checks import DESKTOP, PHONE, check_page, focus_contrast
from tests.evidence.samples import pdf_bytes
from tests.portal.server import Server, invite

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "cloud-service-answers.json"
OUTPUT = Path(__file__).resolve().parents[1] / "output" / "portal"  # git-ignored


@pytest.fixture(scope="module")
def server(portal_server: Server) -> Server:
    return portal_server


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), "Debian's chromium is missing: run `make system-deps`"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=ARGS
        )
        yield browser
        browser.close()


def new_context(browser: Browser, **options: Any) -> BrowserContext:
    context = browser.new_context(
        locale="ja-JP", viewport={"width": 1280, "height": 900}, **options
    )
    context.set_default_timeout(15_000)
    return context


def cloud_form() -> Form:
    return load_catalog().form("cloud-service", 2)


def example_answers() -> dict[str, Any]:
    return dict(json.loads(EXAMPLE.read_text(encoding="utf-8"))["answers"])


def shown(page: Page) -> list[str]:
    return page.locator("[data-question-id][data-type]").evaluate_all(
        "blocks => blocks.map(b => b.dataset.questionId)"
    )


def fill_question(page: Page, question: Question, value: Any, files: dict[str, Path]) -> bool:
    """Answer one question the way a person does, finding inputs by their labels.

    Returns True when the page was submitted on the way (a table's "add row").
    """
    block = page.locator(f"#q-{question.id}")
    match question.type:
        case QuestionType.yes_no:
            block.get_by_label("はい" if value else "いいえ", exact=True).check()
        case QuestionType.single_choice:
            label = next(c.label.ja for c in question.choices if c.value == value)
            if block.locator("select").count():
                block.locator("select").select_option(label=label)
            else:
                block.get_by_label(label, exact=True).check()
        case QuestionType.multi_choice:
            for choice in question.choices:
                block.get_by_label(choice.label.ja, exact=True).set_checked(choice.value in value)
        case QuestionType.number | QuestionType.date | QuestionType.text:
            text = str(value) if question.type != QuestionType.number else f"{value:g}"
            block.get_by_label(question.label.ja).fill(text)
        case QuestionType.file:
            block.get_by_label("ファイルを追加").set_input_files([str(p) for p in files.values()])
        case QuestionType.rows:
            for number, row in enumerate(value, start=1):
                block = page.locator(f"#q-{question.id}")
                for column in question.columns:
                    cell = block.get_by_label(f"{number}行目 {column.label.ja}", exact=True)
                    cell_value = row.get(column.id)
                    if column.type == QuestionType.single_choice:
                        label = next(c.label.ja for c in column.choices if c.value == cell_value)
                        cell.select_option(label=label)
                    else:
                        cell.fill("" if cell_value is None else str(cell_value))
                if number < len(value):
                    block.get_by_role("button", name="行を追加").click()
                    page.wait_for_url(re.compile(r"/v/s/\w+\?saved=1&add="))
            return len(value) > 1
    return False


def answer_section(
    page: Page, form: Form, section_id: str, answers: dict[str, Any], files: dict[str, Path]
) -> None:
    section = next(s for s in form.sections if s.id == section_id)
    page.get_by_role("navigation", name="セクション").get_by_role(
        "link", name=f"{section.id}. {section.title.ja}"
    ).click()
    expect(page.locator("h1")).to_have_text(f"{section.id}. {section.title.ja}")
    done: set[str] = set()
    while True:
        visible = shown(page)
        todo = [
            q
            for q in section.questions
            if q.id in visible and q.id not in done and (q.id in answers or q.id in files)
        ]
        if not todo:
            return
        for question in todo:
            done.add(question.id)
            fill_question(page, question, answers.get(question.id), files)
        page.get_by_role("button", name="一時保存", exact=True).click()
        expect(page.get_by_role("status")).to_contain_text("保存しました")


def wait_for_status(server: Server, token: str, review_id: str, status: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.api("GET", f"/api/reviews/{review_id}", token)["status"] == status:
            return
        time.sleep(0.3)
    raise AssertionError(f"review did not reach {status}")


def test_a_vendor_completes_the_cloud_questionnaire_in_japanese(
    server: Server, browser: Browser, tmp_path: Path
) -> None:
    setup = invite(server)
    form = cloud_form()
    answers = example_answers()
    certificate = tmp_path / "ISMS登録証.pdf"
    certificate.write_bytes(pdf_bytes("ISMS certificate IS 000000"))
    files = {"isms_certificate": certificate}

    # 1. The vendor opens the link from the email: the token is swapped for a cookie.
    context = new_context(browser)
    page = context.new_page()
    response = page.goto(setup.link)
    assert response is not None and response.ok
    assert page.url == f"{server.base}/v/"
    assert "vl_" not in page.url
    first_hop = response.request.redirected_from
    assert first_hop is not None and first_hop.url == setup.link
    first_response = first_hop.response()
    assert first_response is not None and first_response.status == 303
    assert first_response.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    [cookie] = context.cookies()
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and not cookie["secure"]
    assert cookie["value"].startswith("vs_")
    total = page.locator("#progress-text").inner_text()
    assert "問中 0 問回答済み" in total

    # 2. The first half, with the certificate upload, saved as drafts.
    half = len(form.sections) // 2
    for section in form.sections[:half]:
        answer_section(page, form, section.id, answers, files)
    progress_before = page.locator("#progress-text").inner_text()
    storage = context.storage_state()
    context.close()  # the browser is closed…

    # 3. …and opened again later: the cookie session brings the vendor back to the answers.
    context = new_context(browser, storage_state=storage)
    page = context.new_page()
    page.goto(f"{server.base}/v/")
    expect(page.locator("#progress-text")).to_have_text(progress_before)
    probe_section, probe = next(
        (s, q)
        for s in form.sections[:half]
        for q in s.questions
        if q.type == QuestionType.text and q.id in answers
    )
    page.get_by_role("link", name=f"{probe_section.id}. {probe_section.title.ja}").first.click()
    expect(page.locator(f"#q-{probe.id}").get_by_label(probe.label.ja)).to_have_value(
        answers[probe.id]
    )
    page.goto(f"{server.base}/v/s/B")
    expect(page.locator("#q-isms_certificate")).to_contain_text("ISMS登録証.pdf")

    # The English switch keeps the place.
    page.goto(f"{server.base}/v/s/C")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert "/v/s/C" in page.url
    expect(page.locator("h1")).to_have_text(f"C. {form.sections[2].title.en}")
    page.get_by_role("button", name="日本語").click()
    expect(page.locator("html")).to_have_attribute("lang", "ja")

    # 4. The second half, then the review page and the submission.
    for section in form.sections[half:]:
        answer_section(page, form, section.id, answers, files)
    page.get_by_role("link", name="回答内容の確認と提出").click()
    expect(page.locator(".error-summary")).to_have_count(0)
    page.get_by_role("button", name="この内容で提出する").click()
    expect(page.locator("h1")).to_have_text("回答を受け付けました")
    first_receipt = page.locator("#receipt-number").inner_text()
    assert first_receipt.startswith("R-")

    # 5. The reviewer sends two questions back with a request.
    security = setup.tokens["security"]
    wait_for_status(server, security, setup.review_id, "evaluated")
    message = "第一報の時間を夜間・休日も含めて見直し、ISMS登録証の最新版を添付してください。"
    server.api(
        "POST",
        f"/api/reviews/{setup.review_id}/clarifications",
        security,
        {"question_ids": ["incident_first_report_hours", "isms_certificate"], "message": message},
    )

    # 6. The vendor comes back (same browser), sees the request, answers it and submits again.
    page.goto(f"{server.base}/v/")
    banner = page.get_by_role("region", name="確認依頼があります")
    expect(banner).to_contain_text(message)
    hours = next(q for q in form.questions if q.id == "incident_first_report_hours")
    banner.get_by_role("link", name=hours.label.ja).click()
    highlighted = page.locator("#q-incident_first_report_hours")
    expect(highlighted).to_have_class("question clarify")
    expect(highlighted).to_contain_text(message)
    highlighted.get_by_label(hours.label.ja).fill("2")
    page.get_by_role("button", name="一時保存", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("保存しました")
    newer = tmp_path / "ISMS登録証_2027.pdf"
    newer.write_bytes(pdf_bytes("ISMS certificate IS 000000 renewed"))
    page.goto(f"{server.base}/v/s/B")
    page.locator("#q-isms_certificate").get_by_label("ファイルを追加").set_input_files(str(newer))
    page.get_by_role("button", name="一時保存", exact=True).click()
    expect(page.locator("#q-isms_certificate")).to_contain_text("ISMS登録証_2027.pdf")
    page.get_by_role("link", name="回答内容の確認と提出").click()
    page.get_by_role("button", name="この内容で提出する").click()
    expect(page.locator("#receipt-number")).to_have_text(f"{first_receipt}-2")

    OUTPUT.mkdir(parents=True, exist_ok=True)
    for target in (OUTPUT / "receipt.png", tmp_path / "receipt.png"):
        page.screenshot(path=str(target), full_page=True)
        assert target.read_bytes().startswith(b"\x89PNG")
    page.emulate_media(media="print")
    page.screenshot(path=str(OUTPUT / "receipt-print.png"), full_page=True)
    context.close()

    # 7. The staff side: the exchange is on the timeline, the evidence downloads intact.
    auditor = setup.tokens["auditor"]
    events = server.api("GET", f"/api/reviews/{setup.review_id}/timeline", auditor)
    actions = [e["action"] for e in events]
    assert actions.count("review.submit") == 2
    assert "review.request_clarification" in actions
    last_submit = [e for e in events if e["action"] == "review.submit"][-1]
    assert set(last_submit["data"]["changed"]) == {
        "incident_first_report_hours",
        "isms_certificate",
    }
    evidence = server.api("GET", f"/api/reviews/{setup.review_id}/evidence", security)
    assert {e["original_name"] for e in evidence} == {"ISMS登録証.pdf", "ISMS登録証_2027.pdf"}
    for item in evidence:
        content = httpx.get(
            f"{server.base}/api/evidence/{item['id']}/content",
            headers={"Authorization": f"Bearer {security}"},
        ).content
        assert hashlib.sha256(content).hexdigest() == item["sha256"]
    stored = [p for p in server.evidence_dir.rglob("*") if p.is_file()]
    on_disk = {hashlib.sha256(p.read_bytes()).hexdigest() for p in stored}
    assert {e["sha256"] for e in evidence} <= on_disk
    assert not any("ISMS" in str(p) for p in stored)  # generated names only


def tab_to(page: Page, selector: str, limit: int = 120) -> None:
    """Press Tab until `selector` has the focus (and fail if it never comes)."""
    target = page.locator(selector)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def test_a_section_can_be_completed_with_the_keyboard_alone(
    server: Server, browser: Browser
) -> None:
    setup = invite(server, name="球磨村")
    context = new_context(browser)
    page = context.new_page()
    page.goto(setup.link)
    page.goto(f"{server.base}/v/s/C")

    # The first Tab stop skips the navigation.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="本文へ移動")).to_be_focused()
    page.keyboard.press("Enter")

    tab_to(page, "#f-security_contact")
    page.keyboard.type("情報セキュリティ統括部長 佐藤 花子")
    # Enter in a text box saves (it does not switch the language, the header's first button).
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("保存しました")
    expect(page.locator("html")).to_have_attribute("lang", "ja")

    tab_to(page, "#f-training_frequency-1")  # the radio group takes the focus on its first
    page.keyboard.press("ArrowDown")  # …and the arrows choose: 毎月 → 四半期ごと
    expect(page.get_by_label("四半期ごと", exact=True)).to_be_checked()
    tab_to(page, "button.primary")
    expect(page.locator("button.primary")).to_have_text("保存して次へ")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("D. 再委託")

    # Section D: a yes/no chosen with the Space key, the table revealed and filled by keyboard.
    tab_to(page, "#f-subcontracting_planned-1")
    page.keyboard.press("Space")
    tab_to(page, "button.primary")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="質問が追加されました")).to_be_visible()
    tab_to(page, "#f-subcontractor_flowdown-1")
    page.keyboard.press("Space")
    tab_to(page, "#f-subcontractors-1-name")
    page.keyboard.type("株式会社みなとデータセンター")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # the country list: 日本
    page.keyboard.press("Tab")
    page.keyboard.type("データセンターの運用")
    tab_to(page, "button.primary")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("E. データの所在及び準拠法")

    answers = server.api("GET", f"/api/reviews/{setup.review_id}", setup.tokens["auditor"])
    assert answers["status"] == "answering"
    token = setup.link.rsplit("/", 1)[1]
    saved = httpx.get(f"{server.base}/api/vendor/{token}").json()["answers"]
    assert saved["security_contact"] == "情報セキュリティ統括部長 佐藤 花子"
    assert saved["training_frequency"] == "quarterly"
    assert saved["subcontracting_planned"] is True and saved["subcontractor_flowdown"] is True
    assert saved["subcontractors"] == [
        {"name": "株式会社みなとデータセンター", "country": "jp", "role": "データセンターの運用"}
    ]
    context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1280px"])
def test_every_portal_page_is_accessible_fits_the_window_and_ends_full(
    server: Server, browser: Browser, tmp_path: Path, viewport: dict[str, int]
) -> None:
    setup = invite(server, name=f"五木村{viewport['width']}")
    form = cloud_form()
    certificate = tmp_path / "ISMS登録証.pdf"
    certificate.write_bytes(pdf_bytes("ISMS certificate IS 000000"))
    files = {"isms_certificate": certificate}
    # bypass_csp only lets the test inject axe-core; the pages themselves carry no script.
    context = new_context(browser, bypass_csp=True)
    page = context.new_page()
    page.set_viewport_size(viewport)
    page.goto(setup.link)
    check_page(page, "overview", also=("region",))

    # On a phone the questions come first and the section list after them, one link away.
    page.goto(f"{server.base}/v/s/A")
    heading = page.locator("main h1").bounding_box()
    sections = page.locator("nav.sections").bounding_box()
    assert heading is not None and sections is not None
    if viewport == PHONE:
        assert heading["y"] < viewport["height"] / 2 < sections["y"]
        expect(page.get_by_role("link", name="セクション", exact=True)).to_be_visible()
    else:
        assert sections["x"] < heading["x"] and sections["y"] < viewport["height"]

    # The focus ring can be seen: on the white page and on the dark header alike (≥ 3:1).
    for _ in range(40):  # Tab to the first answer field
        page.keyboard.press("Tab")
        if page.evaluate(
            "document.activeElement.matches('main input, main select, main textarea')"
        ):
            break
    else:
        raise AssertionError("no answer field reached with the Tab key")
    assert focus_contrast(page) >= 3, "focus ring on the page"
    page.locator(".site-header button").first.focus()
    assert focus_contrast(page) >= 3, "focus ring on the header"

    for section in form.sections:
        answer_section(page, form, section.id, example_answers(), files)
        check_page(page, f"section {section.id}", also=("region",))
    page.get_by_role("link", name="回答内容の確認と提出").click()
    check_page(page, "confirm", also=("region",))
    page.get_by_role("button", name="この内容で提出する").click()
    expect(page.locator("h1")).to_have_text("回答を受け付けました")
    check_page(page, "receipt", also=("region",))

    # A complete submission reads as complete, whatever optional questions were left blank.
    progress = page.locator("progress")
    assert progress.get_attribute("value") == progress.get_attribute("max")
    context.close()
