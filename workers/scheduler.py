"""`vetting scheduler`: the one process that runs the periodic jobs when the service scales out.

With a broker, the jobs it finds go to the workers; without one it runs them itself. Running two
by mistake is harmless (each item's actor claims its row), only wasteful.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from service.config import Settings

log = logging.getLogger(__name__)


async def run_scheduler(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    from workers import lifecycle
    from workers.periodic import build_scheduler

    await lifecycle.start(settings)  # re-review rounds need the questionnaires
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    scheduler = build_scheduler(settings)
    scheduler.start()
    mode = "sending jobs to the broker" if settings.broker_url else "running jobs in-process"
    log.info("scheduler started (%s); due sweep daily at %s JST", mode, settings.due_sweep_time)
    try:
        await stop.wait()
    finally:
        scheduler.shutdown(wait=False)
        await lifecycle.stop(settings)
        log.info("scheduler stopped")
