"""Benchmark: email throughput of two worker processes through the outbox, on a real broker.

A scratch PostgreSQL database; a local SMTP server (aiosmtpd, in its own process, counting
messages and connections); two `dramatiq workers.main` processes on a queue of this run only.
Each round queues N emails through `outbox.queue_email` in one transaction (what a sweep of
reminders does); after the commit their deliver jobs go to the broker, and the clock runs until
the database says every row is `sent`. Reported: emails per second, median and spread over the
rounds, and how many SMTP connections the server saw.

Run: .venv/bin/python bench/bench_notifications.py [--emails 1000] [--rounds 5]
     [--broker amqp://guest:guest@127.0.0.1:5672] [--broker redis://127.0.0.1:6379/0]
(needs PostgreSQL on 127.0.0.1, BENCH_DATABASE_URL to change it; drops its database and queue.)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

SERVER = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
NAME = f"vetting_bench_{uuid.uuid4().hex[:8]}"
DATABASE_URL = SERVER.rsplit("/", 1)[0].replace("postgresql://", "postgres://") + f"/{NAME}"
os.environ["VETTING_DATABASE_URL"] = DATABASE_URL  # before the settings are first read
os.environ.pop("VETTING_BROKER_URL", None)  # this process queues; only the workers consume
ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WORKERS = 2
THREADS = 4  # as compose.yaml's worker runs each process


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def smtp_server_main(port: int) -> None:
    """The SMTP server process: accepts everything, prints its counts when stopped."""
    from aiosmtpd.controller import Controller

    class Counter:
        def __init__(self) -> None:
            self.messages = 0
            self.connections = 0
            self.lock = threading.Lock()

        async def handle_EHLO(
            self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
        ) -> list[str]:
            with self.lock:
                self.connections += 1
            session.host_name = hostname
            return responses

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            with self.lock:
                self.messages += 1
            return "250 OK"

    counter = Counter()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("ready", flush=True)
    stop.wait()
    controller.stop()
    print(f"{counter.messages} {counter.connections}", flush=True)


def start_smtp(port: int) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, __file__, "--smtp-server", str(port)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    return process


def stop_smtp(process: subprocess.Popen[str]) -> tuple[int, int]:
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=30)
    messages, connections = out.split()
    return int(messages), int(connections)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes and all their descendants (Linux /proc)."""
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    todo = list(pids)
    while todo:
        pid = todo.pop()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            todo += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def start_workers(env: dict[str, str], log: Path) -> list[subprocess.Popen[bytes]]:
    command = [str(BIN / "dramatiq"), "workers.main", "--processes", "1"]
    command += ["--threads", str(THREADS)]
    processes = []
    for _ in range(WORKERS):
        handle = log.open("ab")
        processes.append(
            subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
        handle.close()
    deadline = time.monotonic() + 120
    while log.read_text(errors="replace").count("is ready for action") < WORKERS:
        assert all(p.poll() is None for p in processes), log.read_text(errors="replace")[-4000:]
        assert time.monotonic() < deadline, "the workers did not start"
        time.sleep(0.2)
    return processes


def stop_workers(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


def remove_queue(broker_url: str, queue: str) -> None:
    from workers.broker import make_broker

    broker = make_broker(broker_url)
    channel = getattr(broker, "channel", None)
    if broker_url.startswith("amqp") and channel is not None:
        for name in (queue, f"{queue}.DQ", f"{queue}.XQ"):
            channel.queue_delete(name)
    client = getattr(broker, "client", None)
    if client is not None:
        for key in client.scan_iter(f"dramatiq:{queue}*"):
            client.delete(key)
    broker.close()


async def one_round(emails: int, n: int, send: Any) -> tuple[float, float]:
    """Queue `emails` in one transaction; seconds to queue, seconds from commit to all sent.

    The deliver jobs that the commit releases are held back and handed to the broker after the
    clock starts, so the time counts their dispatch, the workers and SMTP, not the queueing.
    """
    from service.accounts.models import Organization
    from service.jobs import Job, set_dispatcher, transaction
    from service.outbox import service as outbox
    from service.outbox.models import DeliveryStatus, Notification

    organization = await Organization.create(name=f"bench {n}")
    held: list[Job] = []
    set_dispatcher(held.append)
    started = time.perf_counter()
    async with transaction() as conn:
        for i in range(emails):
            await outbox.queue_email(
                conn,
                organization_id=str(organization.id),
                dedupe_key=f"bench:{organization.id}:{i}",
                event_type="reminder.due",
                to_address=f"tanto{i}@city.example.jp",
                subject="【再審査】電子申請クラウド：定期再審査の期限まであと30日",
                body="人吉市 御中\n\n定期再審査の期限が近づいています。\n" * 5,
            )
    committed = time.perf_counter()
    assert len(held) == emails
    for job in held:
        send(job)
    rows = Notification.filter(organization_id=organization.id, status=DeliveryStatus.sent)
    while await rows.count() < emails:
        await asyncio.sleep(0.02)
        assert time.perf_counter() - committed < 600, "not delivered within 10 minutes"
    return committed - started, time.perf_counter() - committed


async def run_broker(broker_url: str, emails: int, rounds: int) -> dict[str, Any]:
    from dramatiq import Message

    from service.db import close_db, init_db
    from workers.broker import make_broker

    queue = f"vetting-bench-{uuid.uuid4().hex[:10]}"
    smtp_port = free_port()
    env = {
        **os.environ,
        "VETTING_DATABASE_URL": DATABASE_URL,
        "VETTING_BROKER_URL": broker_url,
        "VETTING_QUEUE_NAME": queue,
        "VETTING_SMTP_HOST": "127.0.0.1",
        "VETTING_SMTP_PORT": str(smtp_port),
    }
    broker = make_broker(broker_url)
    broker.declare_queue(queue)

    def send(job: Any) -> None:
        broker.enqueue(
            Message(
                queue_name=queue, actor_name=job.actor_name, args=job.args, kwargs={}, options={}
            )
        )

    smtp = start_smtp(smtp_port)
    log = Path(tempfile.mkdtemp(prefix="bench-notify-")) / "workers.log"
    processes = start_workers(env, log)
    await init_db()
    results = []
    try:
        await one_round(min(emails, 50), 0, send)  # warm up: connections, pools, code paths
        for n in range(1, rounds + 1):
            worker_cpu = cpu_seconds([p.pid for p in processes])
            smtp_cpu = cpu_seconds([smtp.pid])
            queued, delivered = await one_round(emails, n, send)
            worker_cpu = cpu_seconds([p.pid for p in processes]) - worker_cpu
            smtp_cpu = cpu_seconds([smtp.pid]) - smtp_cpu
            results.append((queued, delivered, worker_cpu / emails, smtp_cpu / emails))
            print(
                f"{broker_url.split(':')[0]} round {n}: {emails} queued in {queued:.2f} s, "
                f"all sent {delivered:.2f} s after commit ({emails / delivered:.0f}/s); CPU per "
                f"email: workers {worker_cpu / emails * 1000:.1f} ms, "
                f"SMTP server {smtp_cpu / emails * 1000:.1f} ms; load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    finally:
        await close_db()
        stop_workers(processes)
        messages, connections = stop_smtp(smtp)
        broker.close()
        remove_queue(broker_url, queue)
    assert messages >= min(emails, 50) + emails * rounds, (messages, "fewer emails than queued")
    return {
        "broker": broker_url.split(":")[0],
        "results": results,
        "messages": messages,
        "connections": connections,
    }


async def main(emails: int, rounds: int, brokers: list[str]) -> None:
    import asyncpg

    from service.db import close_db, migrate_db

    admin = await asyncpg.connect(SERVER)
    server_version = (await admin.fetchval("SHOW server_version")).split()[0]
    await admin.execute(f'CREATE DATABASE "{NAME}"')
    reports = []
    try:
        await migrate_db()
        await close_db()
        for broker_url in brokers:
            reports.append(await run_broker(broker_url, emails, rounds))
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
        await admin.close()
    print()
    print(
        "| broker | emails per round | median | spread | worker CPU per email "
        "| SMTP connections | run |"
    )
    print("|---|---|---|---|---|---|---|")
    for report in reports:
        rates = [emails / result[1] for result in report["results"]]
        seconds = [result[1] for result in report["results"]]
        cpu = statistics.median(result[2] for result in report["results"]) * 1000
        print(
            f"| {report['broker']} | {emails:,} | {statistics.median(rates):.0f} emails/s "
            f"({statistics.median(seconds):.2f} s) | {min(rates):.0f}–{max(rates):.0f} emails/s | "
            f"{cpu:.1f} ms | {report['connections']:,} for {report['messages']:,} messages | "
            f"{WORKERS} workers × {THREADS} threads, PostgreSQL {server_version}, "
            f"Python {platform.python_version()}, {rounds} rounds |"
        )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--smtp-server"]:
        smtp_server_main(int(sys.argv[2]))
        sys.exit(0)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emails", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--broker", action="append", help="amqp:// or redis:// (repeatable)")
    arguments = parser.parse_args()
    brokers = arguments.broker or ["amqp://guest:guest@127.0.0.1:5672"]
    asyncio.run(main(arguments.emails, arguments.rounds, brokers))
