"""One cloud-service vetting from intake to contract, over HTTP (issue steps 2–10)."""

from __future__ import annotations

import base64
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from docx import Document

from tests.checks.ismap_lists import example_list_csv
from tests.factories import auth, engagement_body, good_answers, new_org
from workers import runtime


async def test_one_vetting_end_to_end(client: httpx.AsyncClient, operator_token: str) -> None:
    # 1. The operator imports the ISMAP list the vendor's registration is checked against.
    imported = await client.post(
        "/api/ismap/imports",
        json={
            "filename": "ismap.csv",
            "content_base64": base64.b64encode(example_list_csv()).decode(),
        },
        headers=auth(operator_token),
    )
    assert imported.status_code == 200, imported.text

    # 2. The admin creates an organization, users with roles and their tokens.
    org = await new_org(client, operator_token)
    me = await client.get("/api/me", headers=org.h("legal"))
    assert me.json()["user"]["roles"] == ["legal"]
    assert me.json()["organization"]["id"] == org.id

    # 3. Procurement registers the vendor and the engagement.
    vendor = await client.post(
        "/api/vendors",
        json={
            "name": "株式会社さくらクラウド",
            "corporate_number": "1180301018771",
            "address": "大阪府大阪市北区梅田1-1-1",
        },
        headers=org.h("procurement"),
    )
    assert vendor.status_code == 201, vendor.text
    engagement = await client.post(
        "/api/engagements",
        json=engagement_body(vendor.json()["id"]),
        headers=org.h("procurement"),
    )
    assert engagement.status_code == 201, engagement.text
    assert engagement.json()["number"].startswith("ENG-")

    # 4. Procurement opens a round and invites the vendor; the link holds a long random secret.
    review = await client.post(
        f"/api/engagements/{engagement.json()['id']}/reviews", headers=org.h("procurement")
    )
    assert review.status_code == 201, review.text
    review_id = review.json()["id"]
    assert review.json()["form_id"] == "cloud-service"
    invitation = await client.post(
        f"/api/reviews/{review_id}/invitations",
        json={"email": "sales@sakura.example.jp"},
        headers=org.h("procurement"),
    )
    assert invitation.status_code == 201, invitation.text
    link = invitation.json()["api_url"]
    token = link.rsplit("/", 1)[1]
    assert len(token) >= 40  # vl_ + 43 url-safe characters = 256 bits
    assert invitation.json()["url"] == f"http://testserver/v/{token}"  # the browser portal

    # 5. The vendor, with the link only, reads the questionnaire, saves a draft, then submits.
    vendor_client = httpx.AsyncClient(transport=client._transport, base_url="http://testserver")
    questionnaire = await vendor_client.get(link.removeprefix("http://testserver"))
    assert questionnaire.status_code == 200, questionnaire.text
    assert questionnaire.json()["form"]["id"] == "cloud-service"
    assert questionnaire.json()["service_name"] == "電子申請クラウド"
    answers = good_answers()
    first_half = dict(list(answers.items())[:5])
    draft = await vendor_client.patch(f"/api/vendor/{token}/answers", json={"answers": first_half})
    assert draft.status_code == 200, draft.text
    early = await vendor_client.post(f"/api/vendor/{token}/submit")
    assert early.status_code == 422  # incomplete: the missing questions are named
    assert any(key.startswith("answers.") for key in early.json()["fields"])
    rest = await vendor_client.patch(f"/api/vendor/{token}/answers", json={"answers": answers})
    assert rest.status_code == 200
    receipt = await vendor_client.post(f"/api/vendor/{token}/submit")
    assert receipt.status_code == 200, receipt.text
    assert receipt.json()["receipt_number"].startswith("R-")
    again = await vendor_client.patch(f"/api/vendor/{token}/answers", json={"answers": answers})
    assert again.status_code == 409  # submitted answers are locked

    # 6. The checks run (in-process job after commit): one verdict per requirement, with sources.
    await runtime.wait_idle()
    verdicts = await client.get(f"/api/reviews/{review_id}/verdicts", headers=org.h("security"))
    assert verdicts.status_code == 200
    assert len(verdicts.json()) >= 10
    outcomes = {v["requirement_id"]: v["outcome"] for v in verdicts.json()}
    assert set(outcomes.values()) <= {"pass", "not_applicable"}, outcomes
    assert all(v["sources"] and v["sources"][0]["section"] for v in verdicts.json())

    # 7. The security reviewer approves with a condition.
    decision = await client.post(
        f"/api/reviews/{review_id}/decision",
        json={
            "decision": "approve_with_conditions",
            "reason": "全要件に適合。",
            "conditions": ["契約開始前に従事者名簿を提出すること。"],
        },
        headers=org.h("security"),
    )
    assert decision.status_code == 200, decision.text
    assert decision.json()["status"] == "approved_with_conditions"

    # 8. Legal generates and downloads the contract; the mandated clauses are filled in.
    generated = await client.post(f"/api/reviews/{review_id}/contracts", headers=org.h("legal"))
    assert generated.status_code == 201, generated.text
    contract = generated.json()
    clause_ids = [c["id"] for c in contract["clauses"]]
    assert {"K08", "PK02", "CK01", "CK02", "K10"} <= set(clause_ids)
    download = await client.get(f"/api/contracts/{contract['id']}/document", headers=org.h("legal"))
    assert download.status_code == 200
    assert "filename*=UTF-8''" in download.headers["content-disposition"]
    document = Document(io.BytesIO(download.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "株式会社さくらクラウド" in text
    assert "熊本地方裁判所" in text  # the organization's court, in the jurisdiction clause
    # 機密性2 without My Number allows 24 hours; the vendor promised 1, and is bound to it.
    assert "知った時から1時間以内" in text
    assert "日本法に準拠し" in text
    assert "個人情報取扱特記事項" in text  # the engagement handles personal data
    terms = [c for c in contract["clauses"] if c["part"] == "cloud-security-terms"]
    assert "第1条（定義）" in text and f"第{len(terms)}条（協議）" in text
    assert "別紙" in text and "従事者名簿" in text  # the decision's condition, as the annex
    assert "{" not in text and "}" not in text  # no unfilled variable

    # 9. Approval set the next review due date, 12 months on, moved back to a 開庁日 (at most
    # 12/29–1/3 plus a weekend earlier).
    engagement_now = await client.get(
        f"/api/engagements/{engagement.json()['id']}", headers=org.h("auditor")
    )
    today = datetime.now(ZoneInfo("Asia/Tokyo")).date()
    due = engagement_now.json()["next_review_due"]
    assert due is not None
    assert (
        timedelta(days=355) <= (datetime.fromisoformat(due).date() - today) <= timedelta(days=366)
    )

    # 10. The auditor reads the timeline: every change, who, when.
    timeline = await client.get(f"/api/reviews/{review_id}/timeline", headers=org.h("auditor"))
    actions = [e["action"] for e in timeline.json()]
    assert actions[0] == "review.opened"
    for expected in [
        "review.invite",
        "review.save_draft",
        "review.submit",
        "review.evaluate",
        "review.approve_with_conditions",
        "contract.generated",
    ]:
        assert expected in actions, actions
    by_action = {e["action"]: e for e in timeline.json()}
    assert by_action["review.submit"]["actor_type"] == "vendor"
    assert by_action["review.evaluate"]["actor_type"] == "system"
    assert by_action["review.approve_with_conditions"]["actor_id"] == org.user_ids["security"]
    await vendor_client.aclose()


async def test_vendor_sees_no_internal_ids(client: httpx.AsyncClient, operator_token: str) -> None:
    org = await new_org(client, operator_token)
    from tests.factories import invited_review

    review, token = await invited_review(client, org)
    body = (await client.get(f"/api/vendor/{token}")).text
    assert org.id not in body
    assert review["id"] not in body
    assert review["engagement_id"] not in body
    _ = auth
