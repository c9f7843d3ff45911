"""Two `vetting scheduler` processes at once (a mistake in a deployment) send nothing twice."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from pathlib import Path

import httpx
import pytest

from service.outbox.models import DeliveryStatus, Notification
from service.reminders.models import Reminder, ReminderStatus
from tests.factories import new_org
from tests.receivers import smtp_server
from tests.workers.processes import BIN, BROKERS, Process, Queue, due_reminders, process_env, start

REMINDERS = 200


@pytest.mark.parametrize("broker_url", BROKERS)
async def test_two_schedulers_send_each_reminder_once(
    client: httpx.AsyncClient, operator_token: str, broker_url: str | None, tmp_path: Path
) -> None:
    org = await new_org(client, operator_token)
    users = (await client.get("/api/users", headers=org.h("admin"))).json()
    owner = next(u["email"] for u in users if u["roles"] == ["procurement"])
    ids = await due_reminders(org, REMINDERS)
    queue = Queue(broker_url, f"vetting-sched-{uuid.uuid4().hex[:10]}") if broker_url else None

    with smtp_server() as smtp:
        extra = {}
        if queue is not None:
            extra = {"VETTING_BROKER_URL": queue.url, "VETTING_QUEUE_NAME": queue.name}
        env = process_env(smtp, **extra)
        processes: list[Process] = []
        try:
            for n in (1, 2):
                processes.append(
                    start([str(BIN / "vetting"), "scheduler"], env, tmp_path / f"scheduler{n}.log")
                )
            if queue is not None:
                worker = [str(BIN / "dramatiq"), "workers.main", "--processes", "1"]
                processes.append(start([*worker, "--threads", "4"], env, tmp_path / "worker.log"))
            for _ in range(1800):
                pending = await Reminder.filter(id__in=ids, status=ReminderStatus.pending).count()
                unsent = await Notification.filter(
                    organization_id=org.id, status__not=DeliveryStatus.sent
                ).count()
                if not pending and not unsent:
                    break
                for process in processes:
                    assert process.alive(), process.output()
                await asyncio.sleep(0.1)
            else:
                pytest.fail("not every reminder was delivered\n" + processes[0].output())
            await asyncio.sleep(2)  # a late duplicate would arrive meanwhile
            logs = [p.log.read_text(errors="replace") for p in processes[:2]]
        finally:
            for process in processes:
                process.stop()
            if queue is not None:
                queue.remove()

        received = Counter(m.message_id for m in smtp.sink.to(owner))
        assert len(received) == REMINDERS
        assert sum(received.values()) == REMINDERS, received.most_common(3)  # none twice
        assert await Notification.filter(organization_id=org.id).count() == REMINDERS
        # Both really swept: each found the due reminders when it started.
        assert all("due sweep:" in log for log in logs), [log[-3000:] for log in logs]
