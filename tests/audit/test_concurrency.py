"""Many writers of one organization at once: no request fails, and the chain stays whole.

Every write appends to the organization's audit chain. On PostgreSQL (VETTING_TEST_DATABASE_URL)
these run truly at once over the connection pool; on SQLite they are serialised by the database
and the same assertions hold.
"""

from __future__ import annotations

import asyncio
import itertools

import httpx

from service.audit.models import AuditEvent
from service.audit.verification import verify_chain
from service.checks.models import Evaluation
from service.checks.service import evaluate_review
from service.config import get_settings
from service.jobs import set_dispatcher
from service.reviews.models import Review
from tests.factories import Org, good_answers, invited_review
from workers import runtime

WRITERS = 20


def corporate_numbers(count: int, start: int) -> list[str]:
    """Valid 法人番号 (check digit over the twelve digits after it)."""
    numbers = []
    for n in itertools.islice(itertools.count(start), count):
        base = f"{n:012d}"
        total = sum(int(d) * (1 if i % 2 == 0 else 2) for i, d in enumerate(reversed(base)))
        numbers.append(f"{9 - total % 9}{base}")
    return numbers


async def assert_chain_whole(organization_id: str) -> int:
    report = await verify_chain(organization_id)
    assert report.ok, report.problem
    seqs = [
        s
        for s in await AuditEvent.filter(organization_id=organization_id)
        .order_by("seq")
        .values_list("seq", flat=True)
    ]
    assert seqs == list(range(1, len(seqs) + 1))
    return len(seqs)


async def test_twenty_vendors_saving_and_twenty_registrations_at_once(
    client: httpx.AsyncClient, org: Org
) -> None:
    tokens = [(await invited_review(client, org))[1] for _ in range(WRITERS)]
    before = await AuditEvent.filter(organization_id=org.id).count()
    answers = good_answers()

    async def save(token: str) -> httpx.Response:
        return await client.patch(f"/api/vendor/{token}/answers", json={"answers": answers})

    async def register(number: str) -> httpx.Response:
        body = {"name": f"株式会社並行{number}", "corporate_number": number, "address": "東京都"}
        return await client.post("/api/vendors", json=body, headers=org.h("procurement"))

    responses = await asyncio.gather(
        *(save(token) for token in tokens),
        *(register(number) for number in corporate_numbers(WRITERS, 700_000_000_000)),
    )
    failures = [(r.status_code, r.text) for r in responses if r.status_code not in (200, 201)]
    assert failures == []
    assert sum(1 for r in responses if r.status_code == 201) == WRITERS
    total = await assert_chain_whole(org.id)
    created = await AuditEvent.filter(organization_id=org.id, action="vendor.created").count()
    assert created >= WRITERS
    assert total >= before + 2 * WRITERS


async def test_twenty_evaluations_of_one_organization_at_once(
    client: httpx.AsyncClient, org: Org
) -> None:
    # Submitted, with the evaluation left undone: no dispatcher takes the job.
    set_dispatcher(None)
    try:
        review_ids = []
        for _ in range(WRITERS):
            review, token = await invited_review(client, org)
            saved = await client.patch(
                f"/api/vendor/{token}/answers", json={"answers": good_answers()}
            )
            assert saved.status_code == 200, saved.text
            submitted = await client.post(f"/api/vendor/{token}/submit")
            assert submitted.status_code == 200, submitted.text
            review_ids.append(review["id"])
    finally:
        runtime.start(get_settings().broker_url)
    results = await asyncio.gather(
        *(evaluate_review(review_id) for review_id in review_ids), return_exceptions=True
    )
    assert results == [True] * WRITERS
    for review_id in review_ids:
        assert (await Review.get(id=review_id)).status == "evaluated"
        assert await Evaluation.filter(review_id=review_id).count() == 1
    await assert_chain_whole(org.id)
