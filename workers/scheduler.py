"""`vetting scheduler`: the one process that runs the periodic jobs when the service scales out.

With a broker, the jobs it finds go to the workers; without one it runs them itself. Running two
by mistake is harmless (each item's actor claims its row), only wasteful.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from service.catalog.loader import install_catalog, load_catalog
from service.config import Settings
from service.db import close_db, init_db
from service.notifications.email import close_connections
from service.notifications.webhooks import close_clients

log = logging.getLogger(__name__)


async def run_scheduler(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    from workers import runtime
    from workers.periodic import build_scheduler

    install_catalog(load_catalog(settings))  # re-review rounds need the questionnaires
    await init_db(settings)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    runtime.start(settings.broker_url)
    scheduler = build_scheduler(settings)
    scheduler.start()
    mode = "sending jobs to the broker" if settings.broker_url else "running jobs in-process"
    log.info("scheduler started (%s); due sweep daily at %s JST", mode, settings.due_sweep_time)
    try:
        await stop.wait()
    finally:
        scheduler.shutdown(wait=False)
        await runtime.shutdown(settings.shutdown_grace_seconds)
        await close_clients()
        await close_connections()
        await close_db()
        log.info("scheduler stopped")
