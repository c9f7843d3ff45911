"""Actors: ids in, one service call, safe to run twice."""

from __future__ import annotations

import dramatiq

from service.checks import service as checks
from workers.broker import QUEUE, broker


@dramatiq.actor(broker=broker, queue_name=QUEUE, max_retries=5)
async def evaluate_review(review_id: str) -> None:
    await checks.evaluate_review(review_id)
