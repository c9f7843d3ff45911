"""Benchmark: re-evaluating stored reviews after a newer `base` profile version is loaded.

Run (a scratch database is created and dropped; never point this at real data):
    .venv/bin/python bench/bench_reevaluate.py --reviews 10000 --db sqlite
    .venv/bin/python bench/bench_reevaluate.py --reviews 100000 \\
        --db postgres://postgres@127.0.0.1:5432/postgres

Seeds N evaluated reviews under base v1 (half with the strong, half with the weak example
answers, each with its verdicts) by bulk inserts, writes a base v3 (base v1 changed) into a copy
of the data folders, and times `reevaluate_reviews` over them: load, evaluate and write, as the
batch reports them. `--change few` (default) changes three requirements, as a profile update does;
`--change all` adds a source to every requirement, so that every verdict row is rewritten.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import platform
import shutil
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FOLDERS = ("forms", "policies", "contract_templates")


def write_folders(root: Path, change: str) -> None:
    for folder in FOLDERS:
        shutil.copytree(ROOT / folder, root / folder)
    # The update is made from the 16-requirement base v1 the reviews are seeded under, as in the
    # runs recorded before; it is numbered 3 because the shipped base v2 (70 requirements) is
    # there too.
    base: dict[str, Any] = yaml.safe_load((root / "policies/base.v1.yaml").read_text("utf-8"))
    base["version"] = 3
    requirements = base["requirements"]
    if change == "all":
        for requirement in requirements:
            requirement["sources"].append({"document": "GL", "section": "bench"})
    else:
        for requirement in requirements:
            if requirement["id"] == "CLD2-SEL-10":
                requirement["check"] = "true"
        added = copy.deepcopy(next(r for r in requirements if r["id"] == "CLD2-BLD-01"))
        added["id"] = "NEW-01"
        base["requirements"] = [r for r in requirements if r["id"] != "OUT-END-01"] + [added]
    (root / "policies/base-v3.yaml").write_text(
        yaml.safe_dump(base, allow_unicode=True, sort_keys=False), "utf-8"
    )


async def admin(server_url: str, statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(server_url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def seed(reviews: int) -> float:
    from tortoise.transactions import in_transaction

    from service.accounts.models import Organization, User
    from service.catalog.loader import load_catalog
    from service.checks import bulk
    from service.checks.evaluate import evaluate_profile
    from service.checks.lookups import RegistryLookups
    from service.checks.verdicts import profile_rows
    from service.engagements.models import Engagement
    from service.questionnaire.models import AnswerSet
    from service.reviews.models import Review
    from service.vendors.models import Vendor

    started = time.perf_counter()
    catalog = load_catalog()
    profile = catalog.profile("base", 1)
    facts = {
        "kind": "cloud",
        "supplier_type": "contractor",
        "confidentiality": 2,
        "integrity": 2,
        "availability": 1,
        "personal_data": True,
        "my_number": False,
        "network_segment": "lgwan",
        "subcontracting": True,
        "term_months": 36,
    }
    variants = []
    for name in ("cloud-service-answers.json", "cloud-service-answers-weak.json"):
        answers = json.loads((ROOT / "docs/examples" / name).read_text())["answers"]
        findings = evaluate_profile(profile.requirements, facts, answers, lookups=RegistryLookups())
        variants.append((answers, findings))
    rows = profile_rows(profile)
    now = datetime.now(UTC)

    organization = await Organization.create(name="bench", jurisdiction_court="-")
    user = await User.create(organization=organization, name="bench", email="b@example.jp")
    vendor = await Vendor.create(organization=organization, name="bench", corporate_number="1")
    step = 2000
    for start in range(0, reviews, step):
        count = min(step, reviews - start)
        async with in_transaction() as conn:
            engagements = [
                Engagement(
                    id=uuid.uuid4(),
                    organization=organization,
                    vendor=vendor,
                    number=f"ENG-{start + i}",
                    kind="cloud",
                    supplier_type="contractor",
                    service_name="bench",
                    purpose="bench",
                    confidentiality=2,
                    integrity=2,
                    availability=1,
                    personal_data=True,
                    my_number=False,
                    network_segment="lgwan",
                    subcontracting=True,
                    start_date=date(2027, 4, 1),
                    term_months=36,
                    created_by=user,
                )
                for i in range(count)
            ]
            await Engagement.bulk_create(engagements, batch_size=1000, using_db=conn)
            batch = [
                Review(
                    id=uuid.uuid4(),
                    organization=organization,
                    engagement_id=e.id,
                    round=1,
                    status="evaluated",
                    form_id="cloud-service",
                    form_version=1,
                    profile_id="base",
                    profile_version=1,
                )
                for e in engagements
            ]
            await Review.bulk_create(batch, batch_size=1000, using_db=conn)
            answer_sets = []
            verdict_rows = []
            for i, review in enumerate(batch):
                answers, findings = variants[(start + i) % 2]
                answer_sets.append(
                    AnswerSet(
                        organization=organization,
                        review_id=review.id,
                        form_id="cloud-service",
                        form_version=1,
                        answers=answers,
                    )
                )
                for row, finding in zip(rows, findings, strict=True):
                    verdict_rows.append(
                        row.insert_row(
                            finding,
                            organization_id=str(organization.id),
                            review_id=str(review.id),
                            profile=profile,
                            fingerprint=row.fingerprint(finding),
                            override=None,
                            at=now,
                        )
                    )
            await AnswerSet.bulk_create(answer_sets, batch_size=1000, using_db=conn)
            await bulk.insert_verdicts(conn, verdict_rows)
    return time.perf_counter() - started


async def run(args: argparse.Namespace, folders: Path) -> dict[str, Any]:
    from service.audit.service import SYSTEM
    from service.catalog.loader import load_catalog
    from service.checks.models import Verdict
    from service.checks.reevaluation import reevaluate_reviews
    from service.config import Settings
    from service.db import close_db, init_db, migrate_db

    await migrate_db()
    await init_db()
    try:
        seeded = await seed(args.reviews)
        # A table filled in one go has no planner statistics until autovacuum analyses it;
        # without them PostgreSQL scans all verdict rows for each chunk's IN list.
        from tortoise import connections

        await connections.get("default").execute_script("ANALYZE")
        verdict_rows = await Verdict.all().count()
        catalog = load_catalog(
            Settings(
                forms_dir=folders / "forms",
                policies_dir=folders / "policies",
                contract_templates_dir=folders / "contract_templates",
            )
        )
        started, cpu = time.perf_counter(), time.process_time()
        report = await reevaluate_reviews(actor=SYSTEM, catalog=catalog, chunk_size=args.chunk)
        total, cpu = time.perf_counter() - started, time.process_time() - cpu
        assert report.reevaluated == args.reviews, report
        return {
            "seeded_s": seeded,
            "verdict_rows": verdict_rows,
            "total_s": total,
            "cpu_s": cpu,
            "load_s": report.timings.load,
            "evaluate_s": report.timings.evaluate,
            "write_s": report.timings.write,
            "changed": report.changed,
        }
    finally:
        await close_db()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=10_000)
    parser.add_argument("--db", default="sqlite", help="sqlite, or a postgres:// server URL")
    parser.add_argument("--chunk", type=int, default=1000)
    parser.add_argument("--change", choices=("few", "all"), default="few")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="bench-reevaluate-"))
    server = args.db if args.db.startswith("postgres") else None
    name = f"vetting_bench_{os.getpid()}"
    if server:
        database_url = server.rsplit("/", 1)[0] + "/" + name
        asyncio.run(admin(server, f'CREATE DATABASE "{name}"'))
    else:
        database_url = f"sqlite://{scratch / 'bench.sqlite3'}"
    os.environ["VETTING_DATABASE_URL"] = database_url  # read once, before service imports
    try:
        write_folders(scratch / "catalog", args.change)
        result = asyncio.run(run(args, scratch / "catalog"))
    finally:
        if server:
            asyncio.run(admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        shutil.rmtree(scratch, ignore_errors=True)
    engine = "PostgreSQL" if server else "SQLite"
    print(
        f"| re-evaluate {args.reviews:,} reviews on {engine}, change {args.change}, "
        f"{date.today().isoformat()} | {result['total_s']:.1f} s "
        f"(this process's CPU {result['cpu_s']:.1f} s) "
        f"| load {result['load_s']:.1f} s, evaluate {result['evaluate_s']:.1f} s, "
        f"write {result['write_s']:.1f} s | {result['verdict_rows']:,} verdict rows, "
        f"load average {os.getloadavg()[0]:.1f}, "
        f"{result['changed']:,} reviews changed; seeding took {result['seeded_s']:.0f} s "
        f"| {platform.python_version()}, chunk {args.chunk} |"
    )


if __name__ == "__main__":
    main()
