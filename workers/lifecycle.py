"""One way to start and stop a process of the service: the API, a worker, the scheduler.

Start: the catalog (a broken data file stops the start here), the database, and where jobs go
(the broker, or this process). Stop: wait for this process's jobs, then close the SMTP
connections, the webhook clients and the database.
"""

from __future__ import annotations

from service.catalog.loader import install_catalog, load_catalog
from service.config import Settings
from service.db import close_db, init_db
from service.outbox.email import close_connections
from service.outbox.webhooks import close_clients
from workers import runtime


async def start(settings: Settings) -> None:
    install_catalog(load_catalog(settings))
    await init_db(settings)
    runtime.start(settings.broker_url)


async def stop() -> None:
    await runtime.wait_idle()
    runtime.stop()
    await close_clients()
    await close_connections()
    await close_db()
