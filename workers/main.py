"""Entry point of worker processes: `dramatiq workers.main` (broker from VETTING_BROKER_URL).

Async actors run on dramatiq's event-loop thread, so the database is opened on that loop when the
worker boots and closed when it stops.
"""

from __future__ import annotations

from typing import Any

import dramatiq
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.middleware import Middleware

from service.config import get_settings
from workers import actors, lifecycle, runtime
from workers.broker import broker


class DatabaseLifecycle(Middleware):
    def after_worker_boot(self, broker: dramatiq.Broker, worker: Any) -> None:
        loop_thread = get_event_loop_thread()
        assert loop_thread is not None, "the AsyncIO middleware must come first"
        # A broken data file stops the worker here. Jobs that an actor asks for after its commit
        # (e.g. deliveries) go to the same broker.
        loop_thread.run_coroutine(lifecycle.start(get_settings()))

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: Any) -> None:
        loop_thread = get_event_loop_thread()
        if loop_thread is None:
            runtime.stop()
            return
        loop_thread.run_coroutine(lifecycle.stop())


broker.add_middleware(DatabaseLifecycle())
__all__ = ["actors", "broker"]
