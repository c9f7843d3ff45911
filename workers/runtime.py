"""How jobs leave the API process: to a real broker, or run in-process on the API's loop.

In-process jobs run as asyncio tasks on the API's own event loop rather than in a dramatiq Worker
thread, because database connections belong to the loop that opened them. Durable intent stays in
the database, so `sweep` at start-up re-sends what a stopped process left pending.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, cast

from dramatiq import Message
from tortoise.expressions import Q

from service.config import Settings
from service.jobs import Job, dispatch_now, set_dispatcher
from service.reviews.models import Review
from service.reviews.states import ReviewStatus
from workers.broker import QUEUE, broker

log = logging.getLogger(__name__)
_running: set[asyncio.Task[None]] = set()
# Sent by name: a process that only sends jobs to the broker (the scheduler) never imports the
# actors and what they need (the policy engine and the rest), which keeps it small.
EVALUATE_ACTOR = "evaluate_review"
_timer: Any = None  # the periodic jobs' scheduler when they run in this process
# Jobs running at once in this process, like a worker's threads: a sweep that finds 1,000 items
# queues them here instead of starting 1,000 transactions that would wait on one another (and
# leave sent emails unrecorded for long if the process died meanwhile).
IN_PROCESS_SLOTS = 4
_slots = asyncio.Semaphore(IN_PROCESS_SLOTS)
IN_PROCESS_ATTEMPTS = 4


def _coroutine_function(actor_name: str) -> Callable[..., Awaitable[None]]:
    from workers import actors

    actor = actors.ACTORS[actor_name]
    # dramatiq wraps async actors for its own loop thread; call the original coroutine here.
    return cast(Callable[..., Awaitable[None]], getattr(actor.fn, "__wrapped__"))  # noqa: B009


async def _run(job: Job) -> None:
    """Run one job, retried like dramatiq would (e.g. SQLite busy with another process)."""
    for attempt in range(1, IN_PROCESS_ATTEMPTS + 1):
        try:
            async with _slots:
                await _coroutine_function(job.actor_name)(*job.args)
            return
        except Exception:
            if attempt == IN_PROCESS_ATTEMPTS:
                log.exception(
                    "in-process job %s%s failed; the next sweep retries it",
                    job.actor_name,
                    job.args,
                )
                return
            log.warning("in-process job %s%s failed; retrying", job.actor_name, job.args)
            await asyncio.sleep(0.2 * 2**attempt)


def _run_in_process(job: Job) -> None:
    task = asyncio.get_running_loop().create_task(_run(job))
    _running.add(task)
    task.add_done_callback(_running.discard)


def _send_to_broker(job: Job) -> None:
    message: Message[Any] = Message(
        queue_name=QUEUE, actor_name=job.actor_name, args=job.args, kwargs={}, options={}
    )
    broker.enqueue(message)


def start(broker_url: str | None) -> None:
    set_dispatcher(_send_to_broker if broker_url else _run_in_process)


def runs_periodic_jobs(settings: Settings) -> bool:
    """Embedded mode runs them in the API; with a broker, the one scheduler process does."""
    if settings.periodic_jobs_in_api is not None:
        return settings.periodic_jobs_in_api
    return not settings.broker_url


def start_periodic(settings: Settings) -> None:
    """Start the periodic jobs on a timer on the running loop (embedded mode)."""
    global _timer
    from workers.periodic import build_scheduler

    _timer = build_scheduler(settings)
    _timer.start()


async def sweep(*, submitted_before: datetime | None = None) -> int:
    """Re-send work the database says is pending (e.g. submitted but never evaluated): all of
    it at an API's start, only what has waited since `submitted_before` in the scheduler's
    periodic sweep (a job just sent is most likely still in the queue). The actor re-checks the
    state, so a review sent twice is evaluated once."""
    reviews = Review.filter(status=ReviewStatus.submitted)
    if submitted_before is not None:
        # No submission time (not expected): as good as long ago.
        reviews = reviews.filter(
            Q(submitted_at__lte=submitted_before) | Q(submitted_at__isnull=True)
        )
    pending = await reviews.values_list("id", flat=True)
    for review_id in pending:
        dispatch_now(Job(EVALUATE_ACTOR, (str(review_id),)))
    return len(pending)


async def wait_idle() -> None:
    """Wait for in-process jobs to finish (tests, shutdown)."""
    while _running:
        await asyncio.gather(*list(_running), return_exceptions=True)


def stop_periodic() -> None:
    global _timer
    if _timer is not None:
        _timer.shutdown(wait=False)
        _timer = None


def stop() -> None:
    stop_periodic()
    set_dispatcher(None)
