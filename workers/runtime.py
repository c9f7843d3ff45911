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
# Jobs waiting for a slot: a sweep that finds the same row again before its job started (a slow
# receiver holds every slot) adds nothing, so a large backlog is not queued again each minute.
# A job that has started no longer counts: news after it read the database needs a new run.
_queued: set[Job] = set()
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
    started = False
    try:
        for attempt in range(1, IN_PROCESS_ATTEMPTS + 1):
            try:
                async with _slots:
                    if not started:
                        started = True
                        _queued.discard(job)
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
    finally:
        if not started:  # cancelled while waiting for a slot
            _queued.discard(job)


def _run_in_process(job: Job) -> None:
    if job in _queued:
        return
    _queued.add(job)
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


async def shutdown(grace_seconds: float) -> int:
    """Stop within a bounded time: no new jobs, `grace_seconds` for the running ones, then the
    rest are cancelled. What they had not done stays in the database (outbox rows, reminders,
    submitted reviews) and the sweeps of the next start send it. Returns the jobs cut short.

    Without the bound, a stop waited for every queued job: with a large outbox backlog and a slow
    receiver, that was hours.
    """
    stop()  # the timer, and jobs that finish now leave their follow-ups to the next sweep
    if not _running:
        return 0
    _, unfinished = await asyncio.wait(set(_running), timeout=grace_seconds)
    for task in unfinished:
        task.cancel()
    if unfinished:
        # A cancelled delivery hands its claim back (outbox.deliver); give that a moment only.
        await asyncio.wait(unfinished, timeout=max(grace_seconds, 1.0))
        log.warning(
            "停止: %d 件の処理が猶予時間 %g 秒内に終わらず、次回の起動時に再開します / "
            "stopping: %d in-process job(s) not finished within %g s; "
            "the work stays pending in the database for the next start",
            len(unfinished),
            grace_seconds,
            len(unfinished),
            grace_seconds,
        )
    return len(unfinished)
