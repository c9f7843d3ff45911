"""The reviewer sends chosen questions back; the vendor answers them and submits again."""

from __future__ import annotations

import httpx

from service.questionnaire.models import Clarification
from tests.factories import Org, evaluated_review, good_answers, invited_review, portal_client
from workers import runtime

MESSAGE = "第一報までの時間を、夜間・休日を含めて再確認してください。"
ASKED = ["admin_mfa", "incident_first_report_hours"]  # in the form's order


async def ask(
    client: httpx.AsyncClient, org: Org, review_id: str, **body: object
) -> httpx.Response:
    payload = {"question_ids": ASKED, "message": MESSAGE, **body}
    return await client.post(
        f"/api/reviews/{review_id}/clarifications", json=payload, headers=org.h("security")
    )


async def test_a_clarification_round_trip(client: httpx.AsyncClient, org: Org) -> None:
    review = await evaluated_review(client, org)
    review_id = review["id"]
    denied = await client.post(
        f"/api/reviews/{review_id}/clarifications",
        json={"question_ids": ASKED, "message": MESSAGE},
        headers=org.h("procurement"),
    )
    assert denied.status_code == 403
    # Asked in the form's order, whatever the order given.
    asked = await ask(client, org, review_id, question_ids=list(reversed(ASKED)))
    assert asked.status_code == 201, asked.text
    assert asked.json()["question_ids"] == ASKED
    assert asked.json()["answered_at"] is None
    status = await client.get(f"/api/reviews/{review_id}", headers=org.h("auditor"))
    assert status.json()["status"] == "clarification_requested"
    assert (await ask(client, org, review_id)).status_code == 409  # one request at a time

    # The vendor sees the request and the questions (JSON API and portal).
    invitations = await client.get(
        f"/api/reviews/{review_id}/invitations", headers=org.h("procurement")
    )
    assert len(invitations.json()) == 1
    resent = await client.post(
        f"/api/invitations/{invitations.json()[0]['id']}/resend",
        json={},
        headers=org.h("security"),
    )
    token = resent.json()["url"].rsplit("/", 1)[1]
    questionnaire = await client.get(f"/api/vendor/{token}")
    assert questionnaire.json()["editable"] is True
    assert questionnaire.json()["clarification"]["message"] == MESSAGE
    assert questionnaire.json()["clarification"]["question_ids"] == ASKED
    async with portal_client(client) as vendor:
        await vendor.get(f"/v/{token}")
        home = (await vendor.get("/v/")).text
        assert "確認依頼があります" in home and MESSAGE in home
        assert 'href="/v/s/H#q-incident_first_report_hours"' in home
        section = (await vendor.get("/v/s/H")).text
        assert 'class="question clarify" id="q-incident_first_report_hours"' in section
        assert 'id="c-incident_first_report_hours"' in section
        assert "この質問に確認依頼があります" in section
        other = (await vendor.get("/v/s/A")).text
        assert "clarify-note" not in other

    # The vendor changes one answer and submits again: checked again, back to the reviewer.
    changed = await client.patch(
        f"/api/vendor/{token}/answers", json={"answers": {"incident_first_report_hours": 2}}
    )
    assert changed.status_code == 200
    receipt = await client.post(f"/api/vendor/{token}/submit")
    assert receipt.status_code == 200, receipt.text
    await runtime.wait_idle()
    status = await client.get(f"/api/reviews/{review_id}", headers=org.h("auditor"))
    assert status.json()["status"] == "evaluated"

    clarification = await Clarification.get(id=asked.json()["id"])
    assert clarification.answered_at is not None
    submissions = await client.get(
        f"/api/reviews/{review_id}/submissions", headers=org.h("auditor")
    )
    first, second = submissions.json()
    assert second["receipt_number"] == f"{first['receipt_number']}-2"
    assert receipt.json()["receipt_number"] == second["receipt_number"]
    assert first["answers"] == good_answers()
    assert second["answers"]["incident_first_report_hours"] == 2
    assert second["clarification_id"] == asked.json()["id"]

    # The timeline records each exchange: the request, and the answer with what changed.
    timeline = await client.get(f"/api/reviews/{review_id}/timeline", headers=org.h("auditor"))
    events = timeline.json()
    request = next(e for e in events if e["action"] == "review.request_clarification")
    assert request["data"]["question_ids"] == ASKED
    assert request["data"]["message"] == MESSAGE
    assert request["actor_id"] == org.user_ids["security"]
    resubmit = [e for e in events if e["action"] == "review.submit"][-1]
    assert resubmit["data"]["clarification_id"] == asked.json()["id"]
    assert resubmit["data"]["changed"] == ["incident_first_report_hours"]
    assert resubmit["actor_type"] == "vendor"
    listed = await client.get(f"/api/reviews/{review_id}/clarifications", headers=org.h("auditor"))
    assert [c["answered_at"] is not None for c in listed.json()] == [True]

    # A second request on the new answers works the same way.
    again = await ask(client, org, review_id, question_ids=["no_secondary_use"])
    assert again.status_code == 201


async def test_clarification_requests_are_checked(client: httpx.AsyncClient, org: Org) -> None:
    review = await evaluated_review(client, org)
    for body, field in [
        ({"question_ids": ["no_such_question"]}, "question_ids"),
        ({"question_ids": ["admin_mfa", "admin_mfa"]}, "question_ids"),
        ({"question_ids": []}, "question_ids"),
        ({"message": ""}, "message"),
    ]:
        response = await ask(client, org, review["id"], **body)
        assert response.status_code == 422, body
        assert field in response.json()["fields"], response.json()
    waiting, _ = await invited_review(client, org)  # not evaluated yet: nothing to clarify
    assert (await ask(client, org, waiting["id"])).status_code == 409
