"""The portal's pages: every question type, visibility, errors by the field, progress, submit."""

from __future__ import annotations

import re
from typing import Any

import httpx

from service.catalog.forms import Form, QuestionType
from service.catalog.loader import current_catalog
from service.portal.view import form_progress
from service.questionnaire.models import AnswerSet, Submission
from tests.factories import Org, good_answers
from tests.portal.conftest import Invited
from tests.portal.helpers import answer_all, fields_for, question_block, shown_questions, text_of


def cloud_form() -> Form:
    return current_catalog().form("cloud-service", 2)


async def saved(invited: Invited) -> dict[str, Any]:
    answer_set = await AnswerSet.get_or_none(review_id=invited.review["id"])
    return dict(answer_set.answers) if answer_set else {}


def controls(page: str) -> list[tuple[str, str]]:
    """(tag, id) of every visible form control inside the answers form."""
    form = page[page.find('<form id="answers"') : page.find("</form>")]
    found = []
    for tag, attrs in re.findall(r"<(input|select|textarea)\b([^>]*)>", form):
        if 'type="hidden"' in attrs:
            continue
        match = re.search(r'\bid="([^"]+)"', attrs)
        found.append((tag, match.group(1) if match else ""))
    return found


async def test_every_question_type_is_rendered_with_labels_bound_to_inputs(
    invited: Invited,
) -> None:
    vendor = invited.vendor
    # Bring up the questions that only follow a 'yes' (the date, the file, the table).
    assert (await vendor.save("B", {"a.isms_certified": "yes"})).status_code == 303
    assert (await vendor.save("D", {"a.subcontracting_planned": "yes"})).status_code == 303
    types_seen: set[str] = set()
    for section in cloud_form().sections:
        page = await vendor.page(f"/v/s/{section.id}")
        present = given_answers = await saved(invited)
        for question in section.questions:
            if not question.is_visible(present):
                assert f'id="q-{question.id}"' not in page
                continue
            block = question_block(page, question.id)
            types_seen.add(re.search(r'data-type="(\w+)"', block).group(1))  # type: ignore[union-attr]
            required = question.is_required(given_answers)
            assert ("必須" in block) is required, question.id
            assert ("任意" in block) is not required, question.id
            if question.type in (QuestionType.yes_no, QuestionType.multi_choice, QuestionType.file):
                assert "<fieldset" in block and "<legend>" in block, question.id
        for tag, control_id in controls(page):
            assert control_id, f"section {section.id}: a {tag} without an id"
            assert (
                f'<label for="{control_id}"' in page
                or f'<label class="visually-hidden" for="{control_id}"' in page
            ), f"section {section.id}: {control_id} has no bound label"
    assert types_seen == {t.value for t in QuestionType}


async def test_questions_appear_and_disappear_as_answers_are_saved(invited: Invited) -> None:
    vendor = invited.vendor
    section = next(s for s in cloud_form().sections if s.id == "B")

    def expected(answers: dict[str, Any]) -> list[str]:
        return [q.id for q in section.questions if q.is_visible(answers)]

    page = await vendor.page("/v/s/B")
    assert shown_questions(page) == expected({})
    assert "isms_expiry" not in shown_questions(page)
    response = await vendor.save("B", {"a.isms_certified": "yes"}, action="next")
    # The answer brought up more questions in this section: the page stays here for them.
    assert response.status_code == 303
    assert response.headers["location"] == "/v/s/B?saved=1&more=1#q-isms_expiry"
    page = await vendor.page("/v/s/B?saved=1&more=1")
    assert shown_questions(page) == expected({"isms_certified": True})
    assert {"isms_expiry", "isms_certificate"} <= set(shown_questions(page))
    assert "回答に応じて質問が追加されました" in page
    assert "必須" in question_block(page, "isms_expiry")
    assert (await vendor.save("B", {"a.isms_expiry": "2028-09-30"})).status_code == 303
    assert (await vendor.save("B", {"a.isms_certified": "no"})).status_code == 303
    page = await vendor.page("/v/s/B")
    assert shown_questions(page) == expected({"isms_certified": False})
    assert "isms_expiry" not in shown_questions(page)
    # With the section answered, "next" goes on to the next section.
    await answer_all(vendor, cloud_form(), {**good_answers(), "isms_certified": False})
    response = await vendor.save("B", {}, action="next")
    assert response.headers["location"] == "/v/s/C"


async def test_errors_are_shown_next_to_their_question_and_nothing_is_saved(
    invited: Invited,
) -> None:
    vendor = invited.vendor
    assert (await vendor.save("G", {"a.availability_pct": "99.9"})).status_code == 303
    response = await vendor.save("G", {"a.availability_pct": "高い"})
    assert response.status_code == 422
    block = question_block(response.text, "availability_pct")
    assert "数値で入力してください。" in block
    assert 'aria-invalid="true"' in block
    assert re.search(r'aria-describedby="[^"]*\be-availability_pct\b', block)
    assert 'id="e-availability_pct"' in block
    assert 'value="高い"' in block  # what was typed stays, to be corrected
    assert 'href="#f-availability_pct"' in response.text  # the summary links to the field
    assert "保存していません" in response.text
    assert (await saved(invited))["availability_pct"] == 99.9

    for section, fields, question, message in [
        ("G", {"a.availability_pct": "１２０"}, "availability_pct", "0 以上 100 以下"),
        ("B", {"a.isms_certified": "maybe"}, "isms_certified", "「はい」か「いいえ」"),
        ("C", {"a.security_contact": "あ" * 201}, "security_contact", "200 文字以内"),
        ("E", {"a.data_center_country": "mars"}, "data_center_country", "選択肢の中から"),
    ]:
        response = await vendor.save(section, fields)
        assert response.status_code == 422, question
        assert message in question_block(response.text, question), question
    assert await saved(invited) == {"availability_pct": 99.9}


async def test_values_are_read_the_way_people_write_them(invited: Invited) -> None:
    vendor = invited.vendor
    assert (await vendor.save("G", {"a.availability_pct": "９９．９５"})).status_code == 303
    assert (await vendor.save("H", {"a.incident_first_report_hours": " ２４ "})).status_code == 303
    assert (await vendor.save("B", {"a.isms_certified": "yes"})).status_code == 303
    assert (await vendor.save("B", {"a.isms_expiry": "2028/9/30"})).status_code == 303
    answers = await saved(invited)
    assert answers["availability_pct"] == 99.95
    assert answers["incident_first_report_hours"] == 24
    assert answers["isms_expiry"] == "2028-09-30"
    response = await vendor.save("B", {"a.isms_expiry": "2028-02-30"})
    assert "存在しない日付です" in question_block(response.text, "isms_expiry")


async def test_multiple_choice_can_be_ticked_and_cleared(invited: Invited) -> None:
    vendor = invited.vendor
    assert (await vendor.save("J", {"a.export_formats": ["json", "csv"]})).status_code == 303
    assert (await saved(invited))["export_formats"] == ["csv", "json"]  # the form's order
    assert (await vendor.save("J", {"a.export_formats": []})).status_code == 303
    assert "export_formats" not in await saved(invited)


async def test_a_repeating_table_adds_and_deletes_rows(invited: Invited) -> None:
    vendor = invited.vendor
    assert (await vendor.save("D", {"a.subcontracting_planned": "yes"})).status_code == 303
    page = await vendor.page("/v/s/D")
    assert 'name="r.subcontractors.count" value="1"' in page  # one blank row to start
    first = {
        "r.subcontractors.0.name": "株式会社みなとデータセンター",
        "r.subcontractors.0.country": "jp",
        "r.subcontractors.0.role": "データセンターの運用",
    }
    response = await vendor.save("D", first, action="add_row:subcontractors")
    assert response.status_code == 303
    location = response.headers["location"]
    assert location == "/v/s/D?saved=1&add=subcontractors:0#q-subcontractors"
    page = await vendor.page(location.split("#")[0])
    assert 'name="r.subcontractors.count" value="2"' in page  # the saved row and a new one
    assert 'value="株式会社みなとデータセンター"' in page
    # "Add row" on a blank row gives one more blank row.
    response = await vendor.save("D", {}, action="add_row:subcontractors")
    page = await vendor.page(response.headers["location"].split("#")[0])
    assert 'name="r.subcontractors.count" value="3"' in page

    half = {"r.subcontractors.count": "2", "r.subcontractors.1.name": "株式会社ひかりサポート"}
    response = await vendor.save("D", half)
    assert response.status_code == 422
    block = question_block(response.text, "subcontractors")
    assert "2行目の「所在国」: 入力してください。" in block
    assert "2行目の「担当する業務」: 入力してください。" in block

    second = {
        "r.subcontractors.count": "2",
        "r.subcontractors.1.name": "株式会社ひかりサポート",
        "r.subcontractors.1.country": "jp",
        "r.subcontractors.1.role": "利用者サポート窓口",
    }
    assert (await vendor.save("D", second)).status_code == 303
    assert [row["name"] for row in (await saved(invited))["subcontractors"]] == [
        "株式会社みなとデータセンター",
        "株式会社ひかりサポート",
    ]
    delete_first = {"r.subcontractors.0._delete": "1"}
    assert (await vendor.save("D", delete_first)).status_code == 303
    assert (await saved(invited))["subcontractors"] == [
        {"name": "株式会社ひかりサポート", "country": "jp", "role": "利用者サポート窓口"}
    ]


async def test_progress_counts_the_questions_asked_now(invited: Invited) -> None:
    vendor = invited.vendor
    await answer_all(vendor, cloud_form(), dict(list(good_answers().items())[:8]))
    answers = await saved(invited)
    expected = form_progress(cloud_form(), answers)
    assert 0 < expected.answered < expected.total
    page = await vendor.page("/v/")
    assert f"{expected.total} 問中 {expected.answered} 問回答済み" in text_of(page)
    assert f'<progress max="{expected.total}" value="{expected.answered}"' in page


async def test_the_vendor_reviews_submits_and_gets_a_receipt(
    client: httpx.AsyncClient, org: Org, invited: Invited
) -> None:
    vendor = invited.vendor
    answers = good_answers()
    await answer_all(vendor, cloud_form(), {k: answers[k] for k in list(answers)[:4]})
    confirm = await vendor.page("/v/confirm")
    assert "未回答の必須質問が" in confirm
    assert 'href="/v/s/E?check=1#q-data_center_country"' in confirm
    assert 'action="/v/submit"' not in confirm  # nothing to submit yet
    refused = await vendor.post("/v/submit", {"csrf_token": await vendor.csrf()})
    assert refused.status_code == 422
    section = await vendor.page("/v/s/E?check=1")
    assert "この質問は回答が必須です。" in question_block(section, "data_center_country")

    await answer_all(vendor, cloud_form(), answers)
    confirm = await vendor.page("/v/confirm")
    assert "未回答の必須質問" not in confirm
    assert "株式会社みなとクラウドサービス" in confirm
    response = await vendor.post("/v/submit", {"csrf_token": await vendor.csrf()})
    assert response.status_code == 303 and response.headers["location"] == "/v/receipt"

    submission = await Submission.get(review_id=invited.review["id"])
    assert submission.answers == answers
    receipt = await vendor.page("/v/receipt")
    assert f'id="receipt-number" class="receipt-number">{submission.receipt_number}<' in receipt
    assert "受付番号" in receipt and "印刷" in receipt
    assert "株式会社みなとデータセンター" in receipt  # the answers, read back

    # The answers are locked now.
    locked = await vendor.save("A", {"a.legal_name": "株式会社後から"})
    assert locked.status_code == 409
    assert 'action="/v/submit"' not in await vendor.page("/v/confirm")
    assert submission.receipt_number in await vendor.page("/v/")
    review = await client.get(f"/api/reviews/{invited.review['id']}", headers=org.h("auditor"))
    assert review.json()["status"] in ("submitted", "evaluated")


async def test_version_2_asks_the_work_sites_and_the_responsibility_matrix(
    invited: Invited,
) -> None:
    """The work sites (printed in K02) follow the places of work; the matrix (CK08) is optional."""
    assert invited.review["form_version"] == 2
    vendor = invited.vendor
    page = await vendor.page("/v/s/C")
    assert "work_sites" not in shown_questions(page)  # no place of work chosen yet
    answers = good_answers()
    response = await vendor.save("C", fields_for(q(cloud_form(), "work_locations"), ["own_office"]))
    assert response.status_code == 303
    page = await vendor.page("/v/s/C")
    assert "work_sites" in shown_questions(page)
    block = question_block(page, "work_sites")
    assert "作業拠点の一覧（名称、所在地及びそこで行う作業）" in block and "必須" in block
    for label in ("拠点の名称", "所在地（国外は国名から）", "その拠点で行う作業"):
        assert label in block
    sites = answers["work_sites"]
    response = await vendor.save("C", fields_for(q(cloud_form(), "work_sites"), sites))
    assert response.status_code == 303, response.text
    assert (await saved(invited))["work_sites"] == sites
    # Only our premises: no site to list, the table is not asked.
    only_ours = fields_for(q(cloud_form(), "work_locations"), ["municipal_premises"])
    assert (await vendor.save("C", only_ours)).status_code == 303
    assert "work_sites" not in shown_questions(await vendor.page("/v/s/C"))

    page = await vendor.page("/v/s/L")
    block = question_block(page, "responsibility_matrix")
    assert "責任分界表" in block and "任意" in block
    assert "responsibility_matrix_document" not in shown_questions(page)
    matrix = {"a.responsibility_matrix": answers["responsibility_matrix"]}
    assert (await vendor.save("L", matrix)).status_code == 303
    page = await vendor.page("/v/s/L")
    assert "responsibility_matrix_document" in shown_questions(page)  # the copy, optional
    assert (await saved(invited))["responsibility_matrix"] == answers["responsibility_matrix"]


def q(form: Form, question_id: str) -> Any:
    return next(question for question in form.questions if question.id == question_id)
