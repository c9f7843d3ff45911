"""A re-review round starts from the previous round's answers and files."""

from __future__ import annotations

import httpx

from service.catalog.forms import Form
from service.catalog.loader import current_catalog
from service.evidence.models import Evidence
from service.questionnaire.prefill import carried_answers
from tests.contracts.sample import example_answers
from tests.evidence.samples import pdf_bytes
from tests.factories import Org, good_answers, invited_review, portal_client, upload_evidence
from workers import runtime


async def test_round_two_starts_from_round_one(client: httpx.AsyncClient, org: Org) -> None:
    review, token = await invited_review(client, org)
    evidence_id = await upload_evidence(client, token, pdf_bytes("round 1"))
    answers = {**good_answers(), "isms_certificate": [evidence_id]}
    saved = await client.patch(f"/api/vendor/{token}/answers", json={"answers": answers})
    assert saved.status_code == 200, saved.text
    assert (await client.post(f"/api/vendor/{token}/submit")).status_code == 200
    await runtime.wait_idle()
    decided = await client.post(
        f"/api/reviews/{review['id']}/decision",
        json={"decision": "approve", "reason": "適合"},
        headers=org.h("security"),
    )
    assert decided.status_code == 200, decided.text

    second = await client.post(
        f"/api/engagements/{review['engagement_id']}/reviews", headers=org.h("procurement")
    )
    assert second.status_code == 201
    assert second.json()["round"] == 2
    invitation = await client.post(
        f"/api/reviews/{second.json()['id']}/invitations", json={}, headers=org.h("procurement")
    )
    new_token = invitation.json()["url"].rsplit("/", 1)[1]
    questionnaire = (await client.get(f"/api/vendor/{new_token}")).json()
    assert questionnaire["prefilled_from_round"] == 1
    carried = questionnaire["answers"]
    [copied_id] = carried.pop("isms_certificate")
    assert carried == good_answers()
    assert copied_id != evidence_id
    copy = await Evidence.get(id=copied_id)
    original = await Evidence.get(id=evidence_id)
    assert str(copy.review_id) == second.json()["id"]
    assert copy.copied_from_id == original.id
    assert (copy.sha256, copy.stored_name) == (original.sha256, original.stored_name)
    download = await client.get(f"/api/evidence/{copied_id}/content", headers=org.h("security"))
    assert download.content == pdf_bytes("round 1")

    # The vendor is told, confirms or changes, and can submit at once.
    async with portal_client(client) as vendor:
        await vendor.get(f"/v/{new_token}")
        home = (await vendor.get("/v/")).text
        assert "前回（第1回）の審査でいただいた回答を引き継いでいます" in home
    changed = await client.patch(
        f"/api/vendor/{new_token}/answers", json={"answers": {"availability_pct": 99.9}}
    )
    assert changed.status_code == 200
    assert (await client.post(f"/api/vendor/{new_token}/submit")).status_code == 200
    timeline = await client.get(
        f"/api/reviews/{second.json()['id']}/timeline", headers=org.h("auditor")
    )
    prefilled = next(e for e in timeline.json() if e["action"] == "answers.prefilled")
    assert prefilled["data"]["from_round"] == 1
    assert "isms_certificate" in prefilled["data"]["questions"]


async def test_a_first_round_starts_empty(client: httpx.AsyncClient, org: Org) -> None:
    _, token = await invited_review(client, org)
    questionnaire = (await client.get(f"/api/vendor/{token}")).json()
    assert questionnaire["answers"] == {}
    assert questionnaire["prefilled_from_round"] is None


def test_answers_that_no_longer_fit_the_form_are_not_carried() -> None:
    form = current_catalog().form("cloud-service", 1)
    raw = form.model_dump(mode="json", exclude_none=True)
    for section in raw["sections"]:
        for question in section["questions"]:
            if question["id"] == "training_frequency":  # a choice was withdrawn
                question["choices"] = [c for c in question["choices"] if c["value"] != "quarterly"]
    newer = Form.model_validate({**raw, "version": 2})
    previous = {**good_answers(), "retired_question": "x"}
    carried = carried_answers(newer, previous)
    assert "training_frequency" not in carried  # 'quarterly' is no longer a choice
    assert "retired_question" not in carried
    assert carried["legal_name"] == good_answers()["legal_name"]


def test_answers_given_to_version_1_are_carried_into_version_2_by_question_id() -> None:
    catalog = current_catalog()
    for form_id in ("cloud-service", "outsourcing"):
        old, new = catalog.form(form_id, 1), catalog.form(form_id, 2)
        example = example_answers(form_id)
        added = {q.id for q in new.questions} - {q.id for q in old.questions}
        given_to_v1 = {k: v for k, v in example.items() if k not in added}
        assert old.validate_answers(given_to_v1, complete=True) == {}
        carried = carried_answers(new, given_to_v1)
        assert carried == given_to_v1  # every answer, under the same id
        # What version 2 adds is asked afresh; the required ones keep the round from submitting.
        missing = new.validate_answers(carried, complete=True)
        assert set(missing) <= {f"answers.{i}" for i in added} and missing
        assert new.validate_answers(example, complete=True) == {}
