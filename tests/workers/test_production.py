"""The production configuration, run as compose.yaml wires it: `migrate`, two API processes,
dramatiq workers and one scheduler, each started with compose's own command and environment (read
from compose.yaml, so the two cannot drift), on PostgreSQL, a real broker (RabbitMQ, then Redis)
and a real SMTP server.

The order of starts is chosen so that each behaviour is seen from outside:
- the worker starts after the submissions, with their evaluation jobs already queued;
- one review's job is lost (its queue flushed) and only the scheduler's periodic sweep can find it
  (the API processes re-send pending work only when they start, and they started before it);
- a reminder whose day has come is picked up by the scheduler's due sweep and mailed by a worker
  through compose's default SMTP settings (empty user name and password: no login).

Outcomes are counted, never timed: each review evaluated exactly once, every expected email
received. Skipped without VETTING_TEST_DATABASE_URL or the broker's URL (.ci/run sets them).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import yaml

from tests.factories import Org, good_answers, new_engagement, new_org
from tests.openapi_check import OpenApiChecker
from tests.receivers import SmtpServer, free_port, smtp_server
from tests.workers.processes import BIN, ROOT, Process, Queue, start

DATABASE_SERVER = os.environ.get("VETTING_TEST_DATABASE_URL")
BROKERS = [
    pytest.param(
        os.environ.get(variable),
        id=name,
        marks=pytest.mark.skipif(
            not (DATABASE_SERVER and os.environ.get(variable)),
            reason=f"VETTING_TEST_DATABASE_URL or {variable} is not set",
        ),
    )
    for name, variable in (
        ("rabbitmq", "VETTING_TEST_RABBITMQ_URL"),
        ("redis", "VETTING_TEST_REDIS_URL"),
    )
]
SIMULTANEOUS = 8  # submissions at the same moment, in one organization, through both APIs
VENDOR_EMAIL = "sales@sakura.example.jp"
WAIT_SECONDS = 150.0  # a generous cap: evaluations retried after a deadlock still finish
COMPOSE_DEFAULT = re.compile(r"\$\{(\w+):-([^}]*)\}")


def compose_file() -> dict[str, Any]:
    document = yaml.safe_load((ROOT / "compose.yaml").read_text())
    assert isinstance(document, dict)
    return document


def compose_environment() -> dict[str, str]:
    """The application services' environment with an empty `.env`: `${VAR:-default}` → default."""
    env = compose_file()["x-vetting-env"]
    return {name: COMPOSE_DEFAULT.sub(r"\2", str(value)) for name, value in env.items()}


def compose_command(service: str) -> list[str]:
    command = [str(part) for part in compose_file()["services"][service]["command"]]
    return [str(BIN / command[0]), *command[1:]]


@asynccontextmanager
async def fresh_database() -> AsyncIterator[str]:
    """An empty database of its own, as compose's `db` is at the first start."""
    import asyncpg

    assert DATABASE_SERVER is not None
    name = f"vetting_compose_{uuid.uuid4().hex[:10]}"
    admin_url = DATABASE_SERVER.replace("postgres://", "postgresql://", 1)
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    try:
        yield DATABASE_SERVER.rsplit("/", 1)[0] + "/" + name
    finally:
        conn = await asyncpg.connect(admin_url)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


@contextmanager
def running(processes: list[Process]) -> Iterator[list[Process]]:
    """Stopped as `docker compose stop` does: SIGTERM to each main process (uvicorn's and
    dramatiq's stop their children), all at once; the process group is killed if one lingers."""
    try:
        yield processes
    finally:
        for process in processes:
            if process.alive():
                process.popen.send_signal(signal.SIGTERM)
        for process in processes:
            with suppress(subprocess.TimeoutExpired):
                process.popen.wait(timeout=30)
            process.stop()  # the group: anything left behind


def process_tree_rss(pid: int) -> list[tuple[int, int]]:
    """(pid, resident bytes) of a process and all its descendants, read from /proc."""
    found = []
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except FileNotFoundError:
            continue
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, flags=re.M)
        found.append((current, int(match.group(1)) * 1024 if match else 0))
        for task in Path(f"/proc/{current}/task").iterdir():
            children = (task / "children").read_text().split()
            pending.extend(int(child) for child in children)
    return found


def memory_report(processes: dict[str, Process]) -> str:
    lines = []
    for name, process in processes.items():
        tree = process_tree_rss(process.popen.pid)
        each = ", ".join(f"{rss / 2**20:.0f}" for _, rss in tree)
        total = sum(rss for _, rss in tree) / 2**20
        lines.append(f"  {name}: {total:.0f} MiB in {len(tree)} process(es) ({each} MiB)")
    return "\n".join(lines)


async def eventually(
    check: Callable[[], Awaitable[bool]], what: str, processes: list[Process]
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_SECONDS
    while not await check():
        for process in processes:
            assert process.alive(), f"{what}: a process died\n{process.output()}"
        if loop.time() > deadline:
            logs = "\n---\n".join(p.output() for p in processes)
            pytest.fail(f"timed out waiting for {what}\n{logs}")
        await asyncio.sleep(0.5)


async def wait_healthy(base: str, process: Process) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=2) as probe:

        async def healthy() -> bool:
            try:
                return (await probe.get("/healthz")).status_code == 200
            except httpx.HTTPError:
                return False

        await eventually(healthy, f"{base}/healthz", [process])


async def status_of(api: httpx.AsyncClient, org: Org, review_id: str) -> str:
    response = await api.get(f"/api/reviews/{review_id}", headers=org.h("security"))
    assert response.status_code == 200, response.text
    return str(response.json()["status"])


async def evaluations_of(api: httpx.AsyncClient, org: Org, review_id: str) -> int:
    listed = await api.get(f"/api/reviews/{review_id}/evaluations", headers=org.h("security"))
    assert listed.status_code == 200, listed.text
    timeline = await api.get(f"/api/reviews/{review_id}/timeline", headers=org.h("auditor"))
    assert timeline.status_code == 200, timeline.text
    evaluated = [e for e in timeline.json() if e["action"] == "review.evaluate"]
    assert len(evaluated) == len(listed.json()), (listed.json(), evaluated)
    return len(listed.json())


async def open_round(
    api: httpx.AsyncClient, org: Org, engagement_id: str, email: str | None = None
) -> tuple[str, str]:
    """A review round and its vendor link's path (the link is all the vendor has)."""
    review = await api.post(
        f"/api/engagements/{engagement_id}/reviews", headers=org.h("procurement")
    )
    assert review.status_code == 201, review.text
    invitation = await api.post(
        f"/api/reviews/{review.json()['id']}/invitations",
        json={"email": email} if email else {},
        headers=org.h("procurement"),
    )
    assert invitation.status_code == 201, invitation.text
    link = httpx.URL(invitation.json()["api_url"])
    return str(review.json()["id"]), link.path


async def answer(api: httpx.AsyncClient, link: str) -> None:
    form = await api.get(link)
    assert form.status_code == 200 and form.json()["form"]["sections"], form.text
    saved = await api.patch(f"{link}/answers", json={"answers": good_answers()})
    assert saved.status_code == 200, saved.text


async def submit(api: httpx.AsyncClient, link: str) -> int:
    """Submit as a vendor's browser would, retried after a 500: simultaneous submissions in one
    organization can meet a deadlock in the database (rolled back whole, so a retry is safe).
    Returns how many attempts failed so."""
    failed = 0
    while True:
        submitted = await api.post(f"{link}/submit")
        if submitted.status_code != 500 or failed == 4:
            break
        failed += 1
        await asyncio.sleep(0.2 * failed)
    assert submitted.status_code == 200, submitted.text
    return failed


async def make_reminder_due(database_url: str, engagement_id: str) -> None:
    """The day of the engagement's first re-review reminder has come."""
    import asyncpg

    today = datetime.now(ZoneInfo("Asia/Tokyo")).date()
    conn = await asyncpg.connect(database_url.replace("postgres://", "postgresql://", 1))
    try:
        updated = await conn.execute(
            """UPDATE reminder SET send_on = $1 WHERE id = (
                 SELECT r.id FROM reminder r JOIN deadline d ON d.id = r.deadline_id
                 WHERE d.engagement_id = $2 AND d.kind = 'review_due' AND r.offset_days >= 0
                 ORDER BY r.offset_days DESC LIMIT 1)""",
            today,
            uuid.UUID(engagement_id),
        )
    finally:
        await conn.close()
    assert updated == "UPDATE 1", updated


def console_tokens(env: dict[str, str]) -> Callable[[str], Awaitable[str]]:
    """A person's first token from this deployment's console (`vetting token create`)."""

    async def issue(user_id: str) -> str:
        command = [str(BIN / "vetting"), "token", "create", "--user", user_id, "--name", "compose"]
        result = await asyncio.to_thread(
            subprocess.run,
            command,
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout.strip().splitlines()[-1]

    return issue


def migrate(env: dict[str, str]) -> str:
    """compose's `migrate` service; returns the operator token it prints at the first start."""
    result = subprocess.run(
        compose_command("migrate"),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    match = re.search(r"admin API token \(operator organization\): (vt_\S+)", result.stdout)
    assert match, result.stdout + result.stderr
    return match.group(1)


def environment(database_url: str, queue: Queue, smtp: SmtpServer, work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VETTING_")}
    env.update(compose_environment())
    env.update(
        {
            # compose's `db` and `broker` services are these servers here.
            "VETTING_DATABASE_URL": database_url,
            "VETTING_BROKER_URL": queue.url,
            "VETTING_QUEUE_NAME": queue.name,  # this run's own queue on the shared broker
            # What an operator puts in `.env`; the SMTP user name and password stay empty.
            "VETTING_SMTP_HOST": smtp.host,
            "VETTING_SMTP_PORT": str(smtp.port),
            # The volumes.
            "VETTING_EVIDENCE_DIR": str(work / "uploads"),
            "VETTING_SECRET_KEY_FILE": str(work / "keys" / "secret.key"),
            # The sweep for lost evaluation jobs every 3 s instead of 10 min, so the test sees it.
            "VETTING_EVALUATION_SWEEP_MINUTES": "0.05",
        }
    )
    return env


@pytest.mark.parametrize("broker_url", BROKERS)
async def test_compose_configuration_end_to_end(broker_url: str, tmp_path: Path) -> None:
    assert compose_environment()["VETTING_SMTP_USERNAME"] == ""  # what compose passes by default
    queue = Queue(broker_url, f"vetting-compose-{uuid.uuid4().hex[:10]}")
    ports = [free_port(), free_port()]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        async with fresh_database() as database_url:
            with smtp_server() as smtp:
                env = environment(database_url, queue, smtp, tmp_path)
                env["VETTING_PUBLIC_BASE_URL"] = bases[0]
                await run_the_deployment(env, database_url, queue, smtp, bases, tmp_path)
    finally:
        queue.remove()


async def run_the_deployment(
    env: dict[str, str],
    database_url: str,
    queue: Queue,
    smtp: SmtpServer,
    bases: list[str],
    logs: Path,
) -> None:
    operator_token = migrate(env)
    apis = [
        start(
            [*compose_command("api"), "--port", base.rsplit(":", 1)[1]], env, logs / f"api{n}.log"
        )
        for n, base in enumerate(bases)
    ]
    with running(apis):
        for base, process in zip(bases, apis, strict=True):
            await wait_healthy(base, process)
        # Every response is checked against the OpenAPI document the processes serve.
        async with httpx.AsyncClient(base_url=bases[0], timeout=30) as plain:
            served = await plain.get("/openapi.json")
        hooks = {"response": [OpenApiChecker(served.json()).check_response]}
        async with (
            httpx.AsyncClient(base_url=bases[0], event_hooks=hooks, timeout=60) as a,
            httpx.AsyncClient(base_url=bases[1], event_hooks=hooks, timeout=60) as b,
        ):
            await the_flow(env, database_url, queue, smtp, apis, a, b, operator_token, logs)


async def the_flow(
    env: dict[str, str],
    database_url: str,
    queue: Queue,
    smtp: SmtpServer,
    apis: list[Process],
    a: httpx.AsyncClient,
    b: httpx.AsyncClient,
    operator_token: str,
    logs: Path,
) -> None:
    # Intake through one API process, the vendor through the other.
    org = await new_org(a, operator_token, issue_token=console_tokens(env))
    users = (await b.get("/api/users", headers=org.h("admin"))).json()
    procurement_email = next(u["email"] for u in users if u["roles"] == ["procurement"])
    engagement = await new_engagement(a, org)
    review_id, link = await open_round(a, org, engagement["id"], VENDOR_EMAIL)
    await answer(b, link)

    # A review whose evaluation job is lost before any worker runs (its queue flushed).
    lost = await new_engagement(b, org)
    lost_id, lost_link = await open_round(b, org, lost["id"])
    await answer(a, lost_link)
    assert await submit(a, lost_link) == 0
    queue.broker.flush(queue.name)

    # The walkthrough's submission and several more at the same moment, through both APIs.
    others = []
    for n in range(SIMULTANEOUS):
        api = (a, b)[n % 2]
        other = await new_engagement(api, org)
        others.append(await open_round(api, org, other["id"]))
    for n, (_, path) in enumerate(others):
        await answer((b, a)[n % 2], path)
    # Unchecked clients: a 500 (see submit) is not in the OpenAPI document.
    async with (
        httpx.AsyncClient(base_url=str(a.base_url), timeout=60) as plain_a,
        httpx.AsyncClient(base_url=str(b.base_url), timeout=60) as plain_b,
    ):
        retried = await asyncio.gather(
            submit(plain_b, link),
            *(submit((plain_a, plain_b)[n % 2], path) for n, (_, path) in enumerate(others)),
        )
    print(f"\n{SIMULTANEOUS + 1} simultaneous submissions, {sum(retried)} retried after a 500")
    queued = [review_id, *(rid for rid, _ in others)]

    # The worker starts with those jobs already queued.
    worker = start(compose_command("worker"), env, logs / "worker.log")
    with running([worker]):

        async def all_evaluated() -> bool:
            statuses = [await status_of((a, b)[n % 2], org, rid) for n, rid in enumerate(queued)]
            return all(s == "evaluated" for s in statuses)

        await eventually(all_evaluated, "the queued evaluations", [*apis, worker])
        for n, rid in enumerate(queued):
            assert await evaluations_of((b, a)[n % 2], org, rid) == 1, rid
        # Nothing re-sent the lost job: the API processes sweep only when they start.
        assert await status_of(a, org, lost_id) == "submitted"

        # Decision and contract, each through a different API process.
        decided = await b.post(
            f"/api/reviews/{review_id}/decision",
            json={
                "decision": "approve_with_conditions",
                "reason": "全要件に適合",
                "conditions": ["契約開始前に従事者名簿を提出すること。"],
            },
            headers=org.h("security"),
        )
        assert (
            decided.status_code == 200 and decided.json()["status"] == "approved_with_conditions"
        ), decided.text
        contract = await a.post(f"/api/reviews/{review_id}/contracts", headers=org.h("legal"))
        assert contract.status_code == 201, contract.text
        document = await b.get(
            f"/api/contracts/{contract.json()['id']}/document", headers=org.h("legal")
        )
        assert document.status_code == 200 and document.content[:2] == b"PK"
        verification = await a.get("/api/audit/verification", headers=org.h("auditor"))
        assert verification.status_code == 200 and verification.json()["ok"], verification.text

        # The day of the approved engagement's re-review reminder has come; the scheduler starts.
        await make_reminder_due(database_url, engagement["id"])
        scheduler = start(compose_command("scheduler"), env, logs / "scheduler.log")
        with running([scheduler]):
            everyone = [*apis, worker, scheduler]

            async def lost_found() -> bool:
                return await status_of(b, org, lost_id) == "evaluated"

            await eventually(lost_found, "the scheduler's sweep to re-send the lost job", everyone)

            async def mailed() -> bool:
                return bool(smtp.sink.to(procurement_email) and smtp.sink.to(VENDOR_EMAIL))

            await eventually(mailed, "the reminder and the vendor's invitation by email", everyone)
            await asyncio.sleep(3)  # a few more sweeps: still evaluated once
            assert await evaluations_of(a, org, lost_id) == 1
            for n, rid in enumerate(queued):
                assert await evaluations_of((a, b)[n % 2], org, rid) == 1, rid
            print(
                f"\ncompose processes ({queue.url.split(':')[0]}), resident memory:\n"
                + memory_report(
                    {"api 1": apis[0], "api 2": apis[1], "worker": worker, "scheduler": scheduler}
                )
            )

    invitation = smtp.sink.to(VENDOR_EMAIL)
    assert len(invitation) == 1, [m.message_id for m in invitation]
    assert f"{env['VETTING_PUBLIC_BASE_URL']}/" in invitation[0].text  # the vendor's new link
    assert len(smtp.sink.to(procurement_email)) == 1
    worker_log = (logs / "worker.log").read_text(errors="replace")
    # A worker that boots with queued jobs runs them with the database open.
    assert "default_connection" not in worker_log and "cannot be None" not in worker_log
    assert "SMTP AUTH" not in worker_log
    rounds = await a.get(f"/api/engagements/{engagement['id']}", headers=org.h("auditor"))
    assert rounds.status_code == 200
