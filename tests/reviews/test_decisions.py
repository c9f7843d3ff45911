"""Reviewer decisions: blocking failures, overrides, and concurrent decisions."""

from __future__ import annotations

import asyncio

import httpx

from tests.factories import Org, evaluated_review, weak_answers


async def test_two_concurrent_decisions_give_one_success_and_one_conflict(
    client: httpx.AsyncClient, org: Org
) -> None:
    review = await evaluated_review(client, org)
    url = f"/api/reviews/{review['id']}/decision"
    approve = client.post(
        url, json={"decision": "approve", "reason": "適合"}, headers=org.h("security")
    )
    reject = client.post(
        url, json={"decision": "reject", "reason": "不適合"}, headers=org.h("approver")
    )
    responses = await asyncio.gather(approve, reject)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 409], [r.text for r in responses]
    loser = next(r for r in responses if r.status_code == 409)
    assert loser.json()["error"] == "conflict"

    winner = next(r for r in responses if r.status_code == 200).json()
    timeline = await client.get(f"/api/reviews/{review['id']}/timeline", headers=org.h("auditor"))
    decisions = [e for e in timeline.json() if e["action"] in ("review.approve", "review.reject")]
    assert len(decisions) == 1  # the loser wrote no audit event
    assert decisions[0]["data"]["to"] == winner["status"]


async def test_many_concurrent_decisions_still_one_winner(
    client: httpx.AsyncClient, org: Org
) -> None:
    review = await evaluated_review(client, org)
    url = f"/api/reviews/{review['id']}/decision"
    attempts = [
        client.post(url, json={"decision": "approve", "reason": f"{i}"}, headers=org.h("security"))
        for i in range(8)
    ]
    statuses = sorted(r.status_code for r in await asyncio.gather(*attempts))
    assert statuses == [200] + [409] * 7


async def test_reject_worthy_failure_blocks_approval_until_overridden(
    client: httpx.AsyncClient, org: Org
) -> None:
    review = await evaluated_review(client, org, answers=weak_answers())
    verdicts = await client.get(f"/api/reviews/{review['id']}/verdicts", headers=org.h("security"))
    failing = {v["requirement_id"] for v in verdicts.json() if v["outcome"] == "fail"}
    assert {"CLD2-SEL-10", "CLD2-BLD-01"} <= failing

    url = f"/api/reviews/{review['id']}/decision"
    blocked = await client.post(
        url, json={"decision": "approve", "reason": "問題なし"}, headers=org.h("security")
    )
    assert blocked.status_code == 409
    assert "CLD2-SEL-10" in blocked.json()["detail"]
    assert {"CLD2-SEL-10", "CLD2-BLD-01"} <= set(blocked.json()["fields"])

    override_url = f"/api/reviews/{review['id']}/verdicts/CLD2-SEL-10/override"
    no_reason = await client.post(
        override_url, json={"outcome": "pass", "reason": ""}, headers=org.h("security")
    )
    assert no_reason.status_code == 422
    assert "reason" in no_reason.json()["fields"]
    not_security = await client.post(
        override_url, json={"outcome": "pass", "reason": "x"}, headers=org.h("procurement")
    )
    assert not_security.status_code == 403

    for requirement_id in ("CLD2-SEL-10", "CLD2-BLD-01"):
        overridden = await client.post(
            f"/api/reviews/{review['id']}/verdicts/{requirement_id}/override",
            json={"outcome": "pass", "reason": "契約で国内保管と多要素認証を義務付けるため"},
            headers=org.h("security"),
        )
        assert overridden.status_code == 200, overridden.text
        assert overridden.json()["outcome"] == "fail"
        assert overridden.json()["effective_outcome"] == "pass"

    approved = await client.post(
        url, json={"decision": "approve", "reason": "上書き後に適合"}, headers=org.h("security")
    )
    assert approved.status_code == 200, approved.text
    timeline = await client.get(f"/api/reviews/{review['id']}/timeline", headers=org.h("auditor"))
    overrides = [e for e in timeline.json() if e["action"] == "verdict.overridden"]
    assert len(overrides) == 2
    assert overrides[0]["data"]["reason"].startswith("契約で")


async def test_conditions_only_with_approve_with_conditions(
    client: httpx.AsyncClient, org: Org
) -> None:
    review = await evaluated_review(client, org)
    url = f"/api/reviews/{review['id']}/decision"
    missing = await client.post(
        url,
        json={"decision": "approve_with_conditions", "reason": "x", "conditions": []},
        headers=org.h("security"),
    )
    assert missing.status_code == 422
    assert "conditions" in missing.json()["fields"]
    stray = await client.post(
        url,
        json={"decision": "reject", "reason": "x", "conditions": ["y"]},
        headers=org.h("security"),
    )
    assert stray.status_code == 422
    status = await client.get(f"/api/reviews/{review['id']}", headers=org.h("security"))
    assert status.json()["status"] == "evaluated"


async def test_reject_sets_no_review_due_and_blocks_contract(
    client: httpx.AsyncClient, org: Org
) -> None:
    review = await evaluated_review(client, org)
    rejected = await client.post(
        f"/api/reviews/{review['id']}/decision",
        json={"decision": "reject", "reason": "再委託先の情報が不十分"},
        headers=org.h("approver"),
    )
    assert rejected.status_code == 200
    engagement = await client.get(
        f"/api/engagements/{review['engagement_id']}", headers=org.h("auditor")
    )
    assert engagement.json()["next_review_due"] is None
    contract = await client.post(f"/api/reviews/{review['id']}/contracts", headers=org.h("legal"))
    assert contract.status_code == 409
    reopened = await client.post(
        f"/api/engagements/{review['engagement_id']}/reviews", headers=org.h("procurement")
    )
    assert reopened.status_code == 201
    assert reopened.json()["round"] == 2


async def test_an_override_racing_a_rejection_never_lands_on_a_decided_review(
    client: httpx.AsyncClient, org: Org
) -> None:
    # The override is a conditional write like a status change: it locks the review and writes
    # only while the review is before its decision. Run together, either it comes first (and the
    # rejection after it) or it is refused with 409.
    for _ in range(5):
        review = await evaluated_review(client, org, answers=weak_answers())
        override = client.post(
            f"/api/reviews/{review['id']}/verdicts/CLD2-SEL-10/override",
            json={"outcome": "pass", "reason": "別途確認済み"},
            headers=org.h("security"),
        )
        reject = client.post(
            f"/api/reviews/{review['id']}/decision",
            json={"decision": "reject", "reason": "不適合"},
            headers=org.h("approver"),
        )
        overridden, rejected = await asyncio.gather(override, reject)
        assert rejected.status_code == 200, rejected.text
        assert overridden.status_code in (200, 409), overridden.text
        timeline = await client.get(
            f"/api/reviews/{review['id']}/timeline", headers=org.h("auditor")
        )
        actions = [e["action"] for e in timeline.json()]
        verdicts = await client.get(
            f"/api/reviews/{review['id']}/verdicts", headers=org.h("security")
        )
        verdict = next(v for v in verdicts.json() if v["requirement_id"] == "CLD2-SEL-10")
        if overridden.status_code == 409:
            assert verdict["overridden_at"] is None
            assert "verdict.overridden" not in actions
        else:
            assert verdict["override_reason"] == "別途確認済み"
            assert actions.index("verdict.overridden") < actions.index("review.reject")


async def test_an_override_of_a_verdict_replaced_meanwhile_writes_nothing(
    client: httpx.AsyncClient, org: Org
) -> None:
    from service.checks import bulk
    from service.checks.models import Outcome, Verdict
    from service.jobs import transaction

    review = await evaluated_review(client, org, answers=weak_answers())
    seen = await Verdict.get(review_id=review["id"], requirement_id="CLD2-SEL-10")
    # A re-evaluation meanwhile gives the requirement another outcome.
    await Verdict.filter(id=seen.id).update(outcome=Outcome.needs_review)
    async with transaction() as conn:
        written = await bulk.set_override(
            conn,
            seen,
            outcome=Outcome.passed,
            reason="確認済み",
            by=org.user_ids["security"],
            at=seen.evaluated_at,
        )
    assert written is False
    assert (await Verdict.get(id=seen.id)).override_outcome is None
