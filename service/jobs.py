"""Transactions that append their audit events last and send their jobs only after they commit.

A service function calls `enqueue_after_commit("evaluate_review", review_id)` inside
`transaction()`; the job is dispatched once the outermost transaction commits and dropped on
rollback. Neither dramatiq nor Tortoise ships this. The audit events the transaction recorded
are chained and inserted as its last statements (service.audit.service: the chain head's lock
is the last lock a transaction takes, so it never takes part in a deadlock).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from service.audit import service as audit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    actor_name: str
    args: tuple[str, ...]


Dispatcher = Callable[[Job], None]

_pending: ContextVar[list[Job] | None] = ContextVar("pending_jobs", default=None)
_dispatcher: Dispatcher | None = None
# Commits of outermost transactions in this context: a request that committed something must not
# be run again from the start (service.db.retry_transient).
commits: ContextVar[int] = ContextVar("commits", default=0)


def set_dispatcher(dispatcher: Dispatcher | None) -> None:
    """Installed at start-up by workers.runtime (broker or in-process)."""
    global _dispatcher
    _dispatcher = dispatcher


def enqueue_after_commit(actor_name: str, *args: str) -> None:
    pending = _pending.get()
    if pending is None:
        raise RuntimeError("enqueue_after_commit needs an open transaction()")
    pending.append(Job(actor_name, args))


def dispatch_now(job: Job) -> None:
    if _dispatcher is None:
        # No runtime (e.g. a CLI command): the next sweep picks the work up from the database.
        log.info("no job dispatcher installed; %s left for the next sweep", job.actor_name)
        return
    _dispatcher(job)


@asynccontextmanager
async def transaction() -> AsyncIterator[BaseDBAsyncClient]:
    outer = _pending.get()
    if outer is not None:  # nested: the outermost transaction appends and dispatches
        async with in_transaction() as conn:
            with audit.collecting() as events:
                yield conn
            audit.keep(events)  # not reached when the nested block failed
        return
    jobs: list[Job] = []
    token = _pending.set(jobs)
    try:
        async with in_transaction() as conn:
            with audit.collecting() as events:
                yield conn
            await audit.append_events(conn, events)
    finally:
        _pending.reset(token)
    commits.set(commits.get() + 1)
    for job in jobs:  # reached only after a commit
        dispatch_now(job)
