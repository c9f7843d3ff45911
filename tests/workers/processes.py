"""Helpers for tests that run real worker and scheduler processes against the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dramatiq import Message

from service.engagements.models import Engagement, EngagementKind, NetworkSegment
from service.reminders.models import Deadline, DeadlineKind, Reminder
from service.vendors.models import Vendor
from tests.factories import Org
from tests.receivers import SmtpServer
from workers.broker import make_broker

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
BROKERS = [
    pytest.param(None, id="in-process"),
    *(
        pytest.param(
            os.environ.get(variable),
            id=name,
            marks=pytest.mark.skipif(not os.environ.get(variable), reason=f"{variable} is not set"),
        )
        for name, variable in (
            ("rabbitmq", "VETTING_TEST_RABBITMQ_URL"),
            ("redis", "VETTING_TEST_REDIS_URL"),
        )
    ),
]


def today_jst() -> date:
    return datetime.now(ZoneInfo("Asia/Tokyo")).date()


async def due_reminders(org: Org, count: int) -> list[str]:
    """`count` engagements of `org`, each with one review reminder due today (30 days ahead)."""
    vendor = await Vendor.create(
        organization_id=org.id, name="株式会社負荷試験", corporate_number="1180301018771"
    )
    today = today_jst()
    batch = uuid.uuid4().hex[:6]
    engagements = [
        Engagement(
            organization_id=org.id,
            vendor_id=vendor.id,
            number=f"LOAD-{batch}-{n:05d}",
            kind=EngagementKind.cloud,
            service_name=f"負荷試験サービス{n}",
            purpose="再審査通知の試験",
            confidentiality=2,
            integrity=1,
            availability=1,
            personal_data=False,
            my_number=False,
            network_segment=NetworkSegment.lgwan,
            subcontracting=False,
            start_date=today,
            term_months=12,
            next_review_due=today + timedelta(days=30),
            created_by_id=org.user_ids["procurement"],
        )
        for n in range(count)
    ]
    await Engagement.bulk_create(engagements, batch_size=500)
    deadlines = [
        Deadline(
            organization_id=org.id,
            engagement_id=e.id,
            kind=DeadlineKind.review_due,
            due_date=today + timedelta(days=30),
            source="load test",
        )
        for e in engagements
    ]
    await Deadline.bulk_create(deadlines, batch_size=500)
    reminders = [
        Reminder(organization_id=org.id, deadline_id=d.id, offset_days=30, send_on=today)
        for d in deadlines
    ]
    await Reminder.bulk_create(reminders, batch_size=500)
    return [str(r.id) for r in reminders]


@dataclass
class Queue:
    """A broker queue of this test run only, removed at the end."""

    url: str
    name: str

    def __post_init__(self) -> None:
        self.broker = make_broker(self.url)
        self.broker.declare_queue(self.name)

    def send(self, actor_name: str, *ids: str) -> None:
        for item in ids:
            self.broker.enqueue(
                Message(
                    queue_name=self.name,
                    actor_name=actor_name,
                    args=(item,),
                    kwargs={},
                    options={},
                )
            )

    def remove(self) -> None:
        channel = getattr(self.broker, "channel", None)
        if self.url.startswith("amqp") and channel is not None:
            for name in (self.name, f"{self.name}.DQ", f"{self.name}.XQ"):
                channel.queue_delete(name)
        client = getattr(self.broker, "client", None)
        if client is not None:
            for key in client.scan_iter(f"dramatiq:{self.name}*"):
                client.delete(key)
        self.broker.close()
        if client is not None:  # RedisBroker.close() leaves its pool's sockets open
            client.connection_pool.disconnect()


def process_env(smtp: SmtpServer, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "VETTING_SMTP_HOST": smtp.host,
        "VETTING_SMTP_PORT": str(smtp.port),
        "VETTING_NOTIFY_RETRY_BASE_SECONDS": "0",
        "VETTING_NOTIFY_LEASE_SECONDS": "10",
        "VETTING_OUTBOX_SWEEP_SECONDS": "1",
        "VETTING_PUBLIC_BASE_URL": "http://testserver",
    }
    env.pop("VETTING_BROKER_URL", None)
    env.pop("VETTING_QUEUE_NAME", None)
    env.update(extra)
    return env


@dataclass
class Process:
    popen: subprocess.Popen[bytes]
    log: Path

    def alive(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-6000:]

    def kill_hard(self) -> None:
        """kill -9 of the whole process group (dramatiq's parent and its worker children)."""
        os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=30)

    def stop(self) -> None:
        if self.alive():
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=30)


def start(command: list[str], env: dict[str, Any], log: Path) -> Process:
    handle = log.open("ab")
    popen = subprocess.Popen(  # each in its own session, so a kill reaches its children
        command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )
    handle.close()
    return Process(popen, log)
