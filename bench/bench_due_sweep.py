"""Benchmark: the daily due sweep over many engagements in PostgreSQL.

Builds a scratch database with TOTAL engagements, each with a review deadline and its four
reminders (60/30/7/0 days), DUE of them with a reminder due today, then times
`due_reminder_ids()` (the sweep's query). Run for several totals and due counts to show that the
cost follows the number due, not the total.

Run: .venv/bin/python bench/bench_due_sweep.py [total ...]   (needs PostgreSQL on 127.0.0.1;
prints Markdown rows for docs/benchmarks.md; drops its database at the end)
"""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import asyncpg

SERVER = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
NAME = f"vetting_bench_{uuid.uuid4().hex[:8]}"
os.environ["VETTING_DATABASE_URL"] = (
    SERVER.rsplit("/", 1)[0].replace("postgresql://", "postgres://") + f"/{NAME}"
)


async def fill(conn: asyncpg.Connection, total: int, today: date) -> None:
    now = datetime.now(UTC)
    org, user, vendor = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await conn.execute(
        "INSERT INTO organization (id, name, policy_profile, review_interval_months, "
        "jurisdiction_court, is_operator, engagement_counter, created_at) "
        "VALUES ($1, 'bench', 'base', 12, '', false, 0, $2)",
        org,
        now,
    )
    await conn.execute(
        "INSERT INTO app_user (id, organization_id, name, email, roles, active, created_at) "
        "VALUES ($1, $2, 'p', 'p@example.jp', '[\"procurement\"]', true, $3)",
        user,
        org,
        now,
    )
    await conn.execute(
        "INSERT INTO vendor (id, organization_id, name, corporate_number, address, created_at) "
        "VALUES ($1, $2, 'v', '1180301018771', '', $3)",
        vendor,
        org,
        now,
    )
    engagements = [uuid.uuid4() for _ in range(total)]
    await conn.copy_records_to_table(
        "engagement",
        columns=[
            "id",
            "organization_id",
            "vendor_id",
            "number",
            "kind",
            "service_name",
            "purpose",
            "confidentiality",
            "integrity",
            "availability",
            "personal_data",
            "my_number",
            "network_segment",
            "subcontracting",
            "start_date",
            "term_months",
            "created_by_id",
            "created_at",
        ],
        records=(
            (
                e,
                org,
                vendor,
                f"E{n}",
                "cloud",
                "s",
                "p",
                2,
                1,
                1,
                False,
                False,
                "lgwan",
                False,
                today,
                12,
                user,
                now,
            )
            for n, e in enumerate(engagements)
        ),
    )
    deadlines = [uuid.uuid4() for _ in range(total)]
    # Due dates spread over the next two years: a few land on any one day.
    dues = [today + timedelta(days=61 + n % 730) for n in range(total)]
    await conn.copy_records_to_table(
        "deadline",
        columns=[
            "id",
            "organization_id",
            "engagement_id",
            "kind",
            "due_date",
            "status",
            "review_id",
            "source",
            "created_at",
        ],
        records=(
            (d, org, e, "review_due", due, "active", "", "bench", now)
            for d, e, due in zip(deadlines, engagements, dues, strict=True)
        ),
    )
    await conn.copy_records_to_table(
        "reminder",
        columns=[
            "id",
            "organization_id",
            "deadline_id",
            "offset_days",
            "send_on",
            "status",
            "created_at",
        ],
        records=(
            (uuid.uuid4(), org, d, offset, due - timedelta(days=offset), "pending", now)
            for d, due in zip(deadlines, dues, strict=True)
            for offset in (60, 30, 7, 0)
        ),
    )
    await conn.execute("ANALYZE")


async def make_due(conn: asyncpg.Connection, due: int, today: date) -> None:
    await conn.execute("UPDATE reminder SET send_on = $1 WHERE send_on <= $1", today + timedelta(1))
    await conn.execute(
        "UPDATE reminder SET send_on = $1 WHERE id IN (SELECT id FROM reminder LIMIT $2)",
        today,
        due,
    )
    await conn.execute("ANALYZE reminder")


async def run(totals: list[int], dues: list[int], rounds: int = 15) -> None:
    from service.db import close_db, init_db, migrate_db
    from service.reminders.service import due_reminder_ids, today_jst

    admin = await asyncpg.connect(SERVER)
    today = today_jst()
    rows = []
    try:
        for total in totals:
            await admin.execute(f'DROP DATABASE IF EXISTS "{NAME}"')
            await admin.execute(f'CREATE DATABASE "{NAME}"')
            await migrate_db()
            conn = await asyncpg.connect(SERVER.rsplit("/", 1)[0] + f"/{NAME}")
            started = time.perf_counter()
            await fill(conn, total, today)
            filled = time.perf_counter() - started
            await init_db()
            for due in dues:
                await make_due(conn, due, today)
                timings = []
                for _ in range(rounds):
                    start = time.perf_counter()
                    found = await due_reminder_ids(today=today, limit=1_000_000)
                    timings.append(time.perf_counter() - start)
                assert len(found) == due, (len(found), due)
                rows.append((total, due, timings, filled))
            await close_db()
            await conn.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
        await admin.close()
    version = await asyncpg.connect(SERVER)
    server_version = await version.fetchval("SHOW server_version")
    await version.close()
    print("| engagements | due today | median | spread | run |")
    print("|---|---|---|---|---|")
    for total, due, timings, _filled in rows:
        print(
            f"| {total:,} | {due:,} | {statistics.median(timings) * 1000:.1f} ms | "
            f"{min(timings) * 1000:.1f}–{max(timings) * 1000:.1f} ms | "
            f"PostgreSQL {server_version.split()[0]}, Python {platform.python_version()}, "
            f"{rounds} rounds |"
        )


if __name__ == "__main__":
    totals = [int(a) for a in sys.argv[1:]] or [100_000, 1_000_000]
    asyncio.run(run(totals, dues=[100, 1_000, 10_000]))
