"""審査 in the console: answers, files and verdicts side by side; 確認依頼, 上書き and the decision
through forms, with the API's rules (roles, CSRF, another organization's review)."""

from __future__ import annotations

import httpx

from service.audit.models import AuditEvent
from service.checks.models import Verdict
from tests.console.conftest import sign_in_as
from tests.evidence.samples import pdf_bytes
from tests.factories import (
    Org,
    evaluated_review,
    good_answers,
    invited_review,
    new_org,
    upload_evidence,
)
from tests.signin.helpers import StaffBrowser, text_of


def weak_incident_answers() -> dict[str, object]:
    """Good answers but a first incident report after 72 hours: OUT-INC-01 fails."""
    return {**good_answers(), "incident_first_report_hours": 72}


async def test_security_reads_filters_overrides_and_decides(
    org: Org, client: httpx.AsyncClient, browser: StaffBrowser
) -> None:
    review = await evaluated_review(client, org, answers=weak_incident_answers())
    verdicts = (
        await client.get(f"/api/reviews/{review['id']}/verdicts", headers=org.h("security"))
    ).json()
    failing = [v for v in verdicts if v["effective_outcome"] == "fail"]
    assert failing, "the answers were meant to fail a requirement"
    first = failing[0]

    await sign_in_as(browser, client, org, "security")
    home = await browser.get("/console/")
    assert f'href="/console/reviews/{review["id"]}"' in home.text  # ホーム leads to the work
    page = await browser.get(f"/console/reviews/{review['id']}")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "✗ 不適合" in text and first["requirement_id"] in text
    assert first["reason"]["ja"] in text and "根拠:" in text
    assert "第1段階" in text  # the next step of the chain

    # Only what fails or needs review.
    narrowed = text_of((await browser.get(f"/console/reviews/{review['id']}?only=problems")).text)
    passing = next(v for v in verdicts if v["effective_outcome"] == "pass")
    assert first["requirement_id"] in narrowed
    assert f"{passing['requirement_id']} " not in narrowed

    # An override needs a reason: refused on the page, nothing written.
    await browser.get(f"/console/reviews/{review['id']}")
    refused = await browser.post(
        f"/console/reviews/{review['id']}/override",
        {"requirement_id": first["requirement_id"], "outcome": "pass", "reason": ""},
    )
    assert refused.status_code == 422
    assert "入力内容を確認してください" in text_of(refused.text)
    stored = await Verdict.get(review_id=review["id"], requirement_id=first["requirement_id"])
    assert stored.override_outcome is None

    for verdict in failing:
        done = await browser.post(
            f"/console/reviews/{review['id']}/override",
            {
                "requirement_id": verdict["requirement_id"],
                "outcome": "pass",
                "reason": "夜間も2時間以内に報告する旨の誓約書を別途受領",
            },
        )
        assert done.status_code == 303, done.text
        await browser.get(done.headers["location"])
    assert "判定を上書きしました。" in text_of(browser.page)
    stored = await Verdict.get(review_id=review["id"], requirement_id=first["requirement_id"])
    assert stored.override_reason == "夜間も2時間以内に報告する旨の誓約書を別途受領"

    # The decision: the conditions come pre-drafted; the first step is signed.
    decided = await browser.post(
        f"/console/reviews/{review['id']}/decision",
        {"decision": "approve", "reason": "上書きのとおり適合", "conditions": ""},
    )
    assert decided.status_code == 303, decided.text
    chain = (
        await client.get(f"/api/reviews/{review['id']}/approvals", headers=org.h("auditor"))
    ).json()
    assert chain["steps"][0]["status"] == "approved"
    assert chain["steps"][0]["decided_by_id"] == org.user_ids["security"]
    page = text_of((await browser.get(f"/console/reviews/{review['id']}")).text)
    assert "承認（セキュリティ担当" in page or "承認" in page


async def test_the_decision_panel_drafts_conditions_and_shows_refusals(
    org: Org, client: httpx.AsyncClient, browser: StaffBrowser
) -> None:
    review = await evaluated_review(client, org, answers=weak_incident_answers())
    await sign_in_as(browser, client, org, "security")
    page = await browser.get(f"/console/reviews/{review['id']}")
    verdict = next(
        v
        for v in (
            await client.get(f"/api/reviews/{review['id']}/verdicts", headers=org.h("security"))
        ).json()
        if v["effective_outcome"] == "fail"
    )
    assert f"{verdict['requirement_id']}: {verdict['remediation']['ja']}" in page.text

    # Conditions are for 条件付き承認 only: the API's rule, shown next to the field.
    refused = await browser.post(
        f"/console/reviews/{review['id']}/decision",
        {"decision": "reject", "reason": "", "conditions": ""},
    )
    assert refused.status_code == 422
    assert 'id="e-reason"' in refused.text
    events = await AuditEvent.filter(review_id=review["id"], action__startswith="review.reject")
    assert events == []


async def test_roles_csrf_files_and_other_organizations(
    org: Org, client: httpx.AsyncClient, browser: StaffBrowser, operator_token: str
) -> None:
    review, token = await invited_review(client, org)
    evidence_id = await upload_evidence(client, token, pdf_bytes("ISMS certificate"))
    await client.patch(f"/api/vendor/{token}/answers", json={"answers": good_answers()})
    other = await new_org(client, operator_token)
    foreign = await evaluated_review(client, other)

    # Legal works from the contract, not the answers: 403, as the API says.
    await sign_in_as(browser, client, org, "legal")
    forbidden = await browser.get(f"/console/reviews/{review['id']}")
    assert forbidden.status_code == 403 and "権限がありません" in text_of(forbidden.text)
    assert (await browser.get(f"/console/evidence/{evidence_id}")).status_code == 403
    await browser.post("/console/signout", {})

    await sign_in_as(browser, client, org, "auditor")
    assert (await browser.get(f"/console/reviews/{foreign['id']}")).status_code == 404
    page = await browser.get(f"/console/reviews/{review['id']}")
    assert page.status_code == 200 and "ISMS登録証.pdf" in page.text
    download = await browser.get(f"/console/evidence/{evidence_id}")
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.content.startswith(b"%PDF")
    # The auditor reads, never acts: no forms, and a post is refused as by the API.
    assert "/clarification" not in page.text and "/override" not in page.text
    await browser.get(f"/console/reviews/{review['id']}")
    posted = await browser.post(
        f"/console/reviews/{review['id']}/decision", {"decision": "reject", "reason": "x"}
    )
    assert posted.status_code == 403

    # A form without its CSRF token is refused whoever sends it.
    await browser.post("/console/signout", {})
    await sign_in_as(browser, client, org, "security")
    await browser.get(f"/console/reviews/{review['id']}")
    forged = await browser.post(
        f"/console/reviews/{review['id']}/decision",
        {"decision": "reject", "reason": "x"},
        csrf="forged",
    )
    assert forged.status_code == 403

    # Without a session: to sign-in, and back here afterwards.
    await browser.get("/console/")
    await browser.post("/console/signout", {})
    away = await browser.client.get(f"/console/reviews/{review['id']}")
    assert away.status_code == 303 and "/console/signin?next=" in away.headers["location"]
    assert (await browser.client.get(f"/console/evidence/{evidence_id}")).status_code == 303
