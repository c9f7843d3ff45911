"""Actors: ids in, one service call, safe to run twice."""

from __future__ import annotations

import dramatiq

from service.checks import service as checks
from service.jobs import (
    DELIVER_NOTIFICATION,
    EVALUATE_REVIEW,
    FIRE_REMINDER,
    VERIFY_SOCIAL_ACCOUNT,
)
from service.outbox import service as outbox
from service.reminders import service as reminders
from service.social import verification as social
from workers.broker import QUEUE, broker


@dramatiq.actor(actor_name=EVALUATE_REVIEW, broker=broker, queue_name=QUEUE, max_retries=5)
async def evaluate_review(review_id: str) -> None:
    await checks.evaluate_review(review_id)


@dramatiq.actor(actor_name=FIRE_REMINDER, broker=broker, queue_name=QUEUE, max_retries=5)
async def fire_reminder(reminder_id: str) -> None:
    await reminders.fire_reminder(reminder_id)


# Delivery failures are retried by the outbox itself (backoff kept in the row); a raised error
# (e.g. the database is away) is retried by dramatiq, and the outbox sweep catches anything else.
@dramatiq.actor(actor_name=DELIVER_NOTIFICATION, broker=broker, queue_name=QUEUE, max_retries=3)
async def deliver_notification(notification_id: str) -> None:
    await outbox.deliver(notification_id)


# The probes run with their own time limit; a run whose worker died is claimed again after its
# lease by the next social re-verification sweep.
@dramatiq.actor(actor_name=VERIFY_SOCIAL_ACCOUNT, broker=broker, queue_name=QUEUE, max_retries=3)
async def verify_social_account(run_id: str) -> None:
    await social.verify(run_id)


ACTORS = {
    actor.actor_name: actor
    for actor in (evaluate_review, fire_reminder, deliver_notification, verify_social_account)
}
