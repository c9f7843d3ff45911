"""One way to start and stop a process of the service: the API, a worker, the scheduler.

Start: the catalog (a broken data file stops the start here), the database, and where jobs go
(the broker, or this process). Stop: this process's jobs get VETTING_SHUTDOWN_GRACE_SECONDS
(runtime.shutdown), then the SMTP connections, the webhook clients and the database close.
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


async def stop(settings: Settings) -> None:
    await runtime.shutdown(settings.shutdown_grace_seconds)
    await close_clients()
    await close_connections()
    await close_db()
