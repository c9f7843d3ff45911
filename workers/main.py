"""Entry point of worker processes: `dramatiq workers.main` (broker from VETTING_BROKER_URL).

Async actors run on dramatiq's event-loop thread, so the database is opened on that loop when the
worker boots and closed when it stops. It is opened before the worker starts consuming: a worker
that starts with jobs already queued runs them at once, and they need the database.
"""

from __future__ import annotations

from typing import Any

import dramatiq
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.middleware import Middleware, MiddlewareError

from service.config import get_settings
from workers import actors, lifecycle, runtime
from workers.broker import broker


class WorkerBootFailed(MiddlewareError):
    """Raised from a boot hook; dramatiq logs and ignores any other error there."""


class DatabaseLifecycle(Middleware):
    # before_worker_boot runs before the consumer and worker threads start (after_worker_boot
    # would run once they already take messages), and after the AsyncIO middleware's, which
    # the broker added first and which starts the event-loop thread.
    def before_worker_boot(self, broker: dramatiq.Broker, worker: Any) -> None:
        loop_thread = get_event_loop_thread()
        assert loop_thread is not None, "the AsyncIO middleware must come first"
        try:
            # A broken data file stops the worker here, and so does a database it cannot reach.
            # Jobs that an actor asks for after its commit (e.g. deliveries) go to the same broker.
            loop_thread.run_coroutine(lifecycle.start(get_settings()))
        except Exception as exc:
            raise WorkerBootFailed(f"the worker cannot start: {exc}") from exc

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: Any) -> None:
        loop_thread = get_event_loop_thread()
        if loop_thread is None:
            runtime.stop()
            return
        loop_thread.run_coroutine(lifecycle.stop(get_settings()))


broker.add_middleware(DatabaseLifecycle())
__all__ = ["actors", "broker"]
