"""Benchmark: the daily due sweep over many engagements in PostgreSQL.

Builds a scratch database with TOTAL engagements, seeded inside PostgreSQL (generate_series, no
ORM inserts). Each engagement has a past review deadline whose four reminders (60/30/7/0 days)
were sent, and a coming one whose four reminders are pending. DUE of the pending reminders, picked
at random over the whole table, are then moved to today or the days before (missed ones count:
the sweep takes everything up to today), and `due_reminder_ids()` (the sweep's query) is timed.

Two series show that the cost follows the number due, not the total:
  (a) 1,000,000 engagements with 100 / 1,000 / 10,000 / 100,000 due;
  (b) 1,000 due with 10,000 / 100,000 / 1,000,000 engagements.

Run: .venv/bin/python bench/bench_due_sweep.py [--rounds N] [--plan]
(needs PostgreSQL on 127.0.0.1, BENCH_DATABASE_URL to change it; prints Markdown rows for
docs/benchmarks.md and, with --plan, the EXPLAIN ANALYZE of each case; drops its database.)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import time
import uuid
from datetime import UTC, date, datetime

import asyncpg

SERVER = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
NAME = f"vetting_bench_{uuid.uuid4().hex[:8]}"
os.environ["VETTING_DATABASE_URL"] = (
    SERVER.rsplit("/", 1)[0].replace("postgresql://", "postgres://") + f"/{NAME}"
)
# (total engagements, numbers due) in the order they are built and measured.
CASES = [
    (10_000, [1_000]),
    (100_000, [1_000]),
    (1_000_000, [100, 1_000, 10_000, 100_000]),
]

# Deterministic ids from a sequence number: engagement n, its deadlines 'a'/'b' prefixed.
# The values are ours (uuids, dates, a count), so they are written into the SQL.
SEED = """
INSERT INTO engagement (id, organization_id, vendor_id, number, kind, supplier_type,
    service_name, purpose, confidentiality, integrity, availability, personal_data, my_number,
    network_segment, subcontracting, start_date, term_months, next_review_due, created_by_id,
    created_at)
SELECT lpad(to_hex(n), 32, '0')::uuid, '{org}'::uuid, '{vendor}'::uuid, 'E' || n, 'cloud',
    'contractor', 's', 'p', 2, 1, 1, false, false, 'lgwan', false, date '{today}' - 300, 12,
    date '{today}' + 61 + n % 730, '{user}'::uuid, '{now}'::timestamptz
FROM generate_series(1, {total}) AS n;

INSERT INTO deadline (id, organization_id, engagement_id, kind, due_date, status, review_id,
    source, created_at)
SELECT ('a' || lpad(to_hex(n), 31, '0'))::uuid, '{org}'::uuid, lpad(to_hex(n), 32, '0')::uuid,
    'review_due', date '{today}' - 1 - n % 300, 'met', '', 'bench', '{now}'::timestamptz
FROM generate_series(1, {total}) AS n
UNION ALL
SELECT ('b' || lpad(to_hex(n), 31, '0'))::uuid, '{org}'::uuid, lpad(to_hex(n), 32, '0')::uuid,
    'review_due', date '{today}' + 61 + n % 730, 'active', '', 'bench', '{now}'::timestamptz
FROM generate_series(1, {total}) AS n;

INSERT INTO reminder (id, organization_id, deadline_id, offset_days, send_on, status, sent_at,
    created_at)
SELECT gen_random_uuid(), '{org}'::uuid, d.id, o.offset_days, d.due_date - o.offset_days,
    CASE WHEN d.status = 'met' THEN 'sent' ELSE 'pending' END,
    CASE WHEN d.status = 'met' THEN '{now}'::timestamptz END, '{now}'::timestamptz
FROM deadline AS d CROSS JOIN (VALUES (60), (30), (7), (0)) AS o(offset_days);
"""


async def fill(conn: asyncpg.Connection, total: int, today: date) -> None:
    from service.accounts.models import Organization, User
    from service.vendors.models import Vendor

    now = datetime.now(UTC)
    organization = await Organization.create(name="bench")
    owner = await User.create(
        organization_id=organization.id, name="p", email="p@example.jp", roles=["procurement"]
    )
    vendor = await Vendor.create(
        organization_id=organization.id, name="v", corporate_number="1180301018771"
    )
    org, user = organization.id, owner.id
    await conn.execute(
        SEED.format(org=org, vendor=vendor.id, user=user, today=today, now=now, total=total)
    )
    await conn.execute("VACUUM ANALYZE")


async def make_due(conn: asyncpg.Connection, due: int, today: date) -> None:
    """Exactly `due` pending reminders up to today, spread at random over the table."""
    await conn.execute(
        "UPDATE reminder SET send_on = $1::date + 400 WHERE status = 'pending' AND send_on <= $1",
        today,
    )
    await conn.execute(
        "UPDATE reminder SET send_on = $1::date - (random() * 6)::int WHERE id IN "
        "(SELECT id FROM reminder WHERE status = 'pending' ORDER BY random() LIMIT $2)",
        today,
        due,
    )
    await conn.execute("VACUUM ANALYZE reminder")


async def explain(conn: asyncpg.Connection, sql: str) -> str:
    rows = await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
    return "\n".join(row[0] for row in rows)


async def run(rounds: int, show_plan: bool) -> None:
    from service.db import close_db, init_db, migrate_db
    from service.reminders.models import Reminder, ReminderStatus
    from service.reminders.service import due_reminder_ids, today_jst

    admin = await asyncpg.connect(SERVER)
    server_version = (await admin.fetchval("SHOW server_version")).split()[0]
    today = today_jst()
    rows = []
    plans = []
    try:
        for total, dues in CASES:
            await admin.execute(f'DROP DATABASE IF EXISTS "{NAME}"')
            await admin.execute(f'CREATE DATABASE "{NAME}"')
            await migrate_db()
            await close_db()
            await init_db()
            conn = await asyncpg.connect(SERVER.rsplit("/", 1)[0] + f"/{NAME}")
            await conn.execute("SET jit = off")  # as the service's connections (service/db.py)
            started = time.perf_counter()
            await fill(conn, total, today)
            filled = time.perf_counter() - started
            reminders = await conn.fetchval("SELECT count(*) FROM reminder")
            print(f"seeded {total:,} engagements, {reminders:,} reminders in {filled:.0f} s")
            for due in dues:
                await make_due(conn, due, today)
                timings = []
                for _ in range(rounds):
                    start = time.perf_counter()
                    found = await due_reminder_ids(today=today, limit=1_000_000)
                    timings.append(time.perf_counter() - start)
                assert len(found) == due, (len(found), due)
                rows.append((total, reminders, due, timings))
                sql = (
                    Reminder.filter(status=ReminderStatus.pending, send_on__lte=today)
                    .order_by("send_on")
                    .limit(1_000_000)
                    .values_list("id", flat=True)
                    .sql(params_inline=True)
                )
                plans.append((total, due, await explain(conn, sql)))
            await close_db()
            await conn.close()
    finally:
        await close_db()
        await admin.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
        await admin.close()
    print()
    print("| engagements | reminders | due today | median | spread | run |")
    print("|---|---|---|---|---|---|")
    for total, reminders, due, timings in rows:
        print(
            f"| {total:,} | {reminders:,} | {due:,} | {statistics.median(timings) * 1000:.1f} ms | "
            f"{min(timings) * 1000:.1f}–{max(timings) * 1000:.1f} ms | "
            f"PostgreSQL {server_version}, Python {platform.python_version()}, {rounds} rounds |"
        )
    if show_plan:
        for total, due, plan in plans:
            print(f"\n### {total:,} engagements, {due:,} due\n\n{plan}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--plan", action="store_true", help="print EXPLAIN ANALYZE per case")
    arguments = parser.parse_args()
    asyncio.run(run(arguments.rounds, arguments.plan))
