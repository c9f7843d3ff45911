"""A real `dramatiq workers.main` process evaluates a review sent over a real broker.

Runs for each broker whose URL is set: VETTING_TEST_RABBITMQ_URL, VETTING_TEST_REDIS_URL
(.ci/run sets both).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from dramatiq import Message

from service.checks.models import Verdict
from service.jobs import EVALUATE_REVIEW
from service.reviews.models import Review
from service.reviews.states import ReviewStatus
from tests.factories import Org, evaluated_review
from workers.broker import QUEUE, make_broker

BROKERS = [
    pytest.param(
        os.environ.get(variable),
        id=name,
        marks=pytest.mark.skipif(not os.environ.get(variable), reason=f"{variable} is not set"),
    )
    for name, variable in (
        ("rabbitmq", "VETTING_TEST_RABBITMQ_URL"),
        ("redis", "VETTING_TEST_REDIS_URL"),
    )
]
DRAMATIQ = str(Path(sys.executable).with_name("dramatiq"))
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("broker_url", BROKERS)
async def test_worker_process_evaluates_a_lost_job(
    client: httpx.AsyncClient, org: Org, broker_url: str, tmp_path: Path
) -> None:
    review = await evaluated_review(client, org)
    # Simulate a lost message: the review is submitted but has no verdicts yet.
    await Verdict.filter(review_id=review["id"]).delete()
    await Review.filter(id=review["id"]).update(status=ReviewStatus.submitted)

    broker = make_broker(broker_url)
    broker.declare_queue(QUEUE)
    if hasattr(broker, "flush_all"):
        broker.flush_all()
    broker.enqueue(
        Message(
            queue_name=QUEUE,
            actor_name=EVALUATE_REVIEW,
            args=(review["id"],),
            kwargs={},
            options={},
        )
    )
    # Sent twice on purpose: the actor must be safe to run twice.
    broker.enqueue(
        Message(
            queue_name=QUEUE,
            actor_name=EVALUATE_REVIEW,
            args=(review["id"],),
            kwargs={},
            options={},
        )
    )
    env = {
        **os.environ,
        "VETTING_BROKER_URL": broker_url,
        "VETTING_DATABASE_URL": os.environ["VETTING_DATABASE_URL"],
    }
    log_path = tmp_path / "worker.log"
    log = log_path.open("w")
    worker = subprocess.Popen(  # noqa: ASYNC220 (started once; the loop keeps polling)
        [DRAMATIQ, "workers.main", "--processes", "1", "--threads", "2"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(300):
            status = (await Review.get(id=review["id"])).status
            if status == ReviewStatus.evaluated:
                break
            assert worker.poll() is None, log_path.read_text()
            await asyncio.sleep(0.1)
        assert status == ReviewStatus.evaluated, log_path.read_text()
        await asyncio.sleep(1)  # let the duplicate message run too
        assert await Verdict.filter(review_id=review["id"]).count() >= 10
        timeline = await client.get(
            f"/api/reviews/{review['id']}/timeline", headers=org.h("auditor")
        )
        evaluations = [e for e in timeline.json() if e["action"] == "review.evaluate"]
        assert len(evaluations) == 2  # the original, and the worker's (once, not twice)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log.close()
        broker.close()
        redis_client = getattr(broker, "client", None)
        if redis_client is not None:  # RedisBroker.close() leaves its pool's sockets open
            redis_client.connection_pool.disconnect()
