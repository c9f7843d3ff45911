"""A webhook backlog in a database of its own, made and counted from a separate process.

`python -m tests.workers.backlog seed N URL` migrates the database VETTING_DATABASE_URL names and
writes one organization with one webhook endpoint at URL and N deliveries due now; `count` prints
the deliveries by status as JSON. Run as a process so that the test's own database connections
(another database) are left alone.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime
from uuid import uuid4

from service.accounts.models import Organization, User
from service.db import close_db, init_db, migrate_db
from service.notifications.models import Channel, Notification, WebhookEndpoint
from service.secretbox import encrypt


async def seed(count: int, url: str) -> None:
    await migrate_db()
    await init_db()
    try:
        org = await Organization.create(name="負荷試験市")
        user = await User.create(
            organization=org, name="管理者", email="admin@city.example.jp", roles=["admin"]
        )
        endpoint = await WebhookEndpoint.create(
            organization=org, url=url, secret=encrypt("whsec_backlog"), created_by=user
        )
        now = datetime.now(UTC)
        rows = []
        for n in range(count):
            event_id = uuid4()
            rows.append(
                Notification(
                    organization_id=org.id,
                    channel=Channel.webhook,
                    dedupe_key=f"webhook:{endpoint.id}:{event_id}",
                    event_id=event_id,
                    event_type="ping",
                    endpoint_id=endpoint.id,
                    payload={"id": str(event_id), "type": "ping", "data": {"n": n}},
                    next_attempt_at=now,
                )
            )
        await Notification.bulk_create(rows, batch_size=1000)
    finally:
        await close_db()


async def count() -> None:
    await init_db()
    try:
        rows = await Notification.all().values("status", "attempts")
    finally:
        await close_db()
    by_status: dict[str, int] = {}
    for row in rows:
        by_status[str(row["status"])] = by_status.get(str(row["status"]), 0) + 1
    attempts = sum(int(row["attempts"]) for row in rows)
    print(json.dumps({"by_status": by_status, "attempts": attempts}))


if __name__ == "__main__":
    if sys.argv[1] == "seed":
        asyncio.run(seed(int(sys.argv[2]), sys.argv[3]))
    else:
        asyncio.run(count())
