"""Entry point of worker processes: `dramatiq workers.main` (broker from VETTING_BROKER_URL).

Async actors run on dramatiq's event-loop thread, so the database is opened on that loop when the
worker boots and closed when it stops.
"""

from __future__ import annotations

from typing import Any

import dramatiq
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.middleware import Middleware

from service.catalog.loader import install_catalog, load_catalog
from service.config import get_settings
from service.db import close_db, init_db
from service.outbox.email import close_connections
from service.outbox.webhooks import close_clients
from workers import actors, runtime
from workers.broker import broker


class DatabaseLifecycle(Middleware):
    def after_worker_boot(self, broker: dramatiq.Broker, worker: Any) -> None:
        install_catalog(load_catalog())  # a broken data file stops the worker here
        loop_thread = get_event_loop_thread()
        assert loop_thread is not None, "the AsyncIO middleware must come first"
        loop_thread.run_coroutine(init_db())
        # Jobs that an actor asks for after its commit (e.g. deliveries) go to the same broker.
        runtime.start(get_settings().broker_url)

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: Any) -> None:
        loop_thread = get_event_loop_thread()
        runtime.stop()
        if loop_thread is not None:
            loop_thread.run_coroutine(close_clients())
            loop_thread.run_coroutine(close_connections())
            loop_thread.run_coroutine(close_db())


broker.add_middleware(DatabaseLifecycle())
__all__ = ["actors", "broker"]
