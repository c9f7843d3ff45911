"""Benchmark: re-evaluating stored reviews after a newer `base` profile version is loaded.

Run (a scratch database is created and dropped; never point this at real data):
    .venv/bin/python bench/bench_reevaluate.py --reviews 10000 --db sqlite
    .venv/bin/python bench/bench_reevaluate.py --reviews 100000 \\
        --db postgres://postgres@127.0.0.1:5432/postgres

Seeds N evaluated reviews under base v1 (`--base 1`, 16 requirements, default) or the shipped
base v2 (`--base 2`, 70 requirements), half with the strong, half with the weak example answers,
each with its verdicts, by bulk inserts; writes a base v3 (that version changed) into a copy of
the data folders, and times `reevaluate_reviews` over them: load, evaluate and write, as the
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
import statistics
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


# The base version reviews are seeded under -> its file. The update is made from it and numbered
# 3 either way (from v1 as in the runs recorded before the 70-requirement v2 shipped).
BASE_FILES = {1: "policies/base.v1.yaml", 2: "policies/base.yaml"}


def write_folders(root: Path, change: str, base_version: int) -> None:
    for folder in FOLDERS:
        shutil.copytree(ROOT / folder, root / folder)
    base: dict[str, Any] = yaml.safe_load((root / BASE_FILES[base_version]).read_text("utf-8"))
    assert base["version"] == base_version
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


async def seed(reviews: int, base_version: int) -> float:
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
    profile = catalog.profile("base", base_version)
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
                    profile_version=base_version,
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


class ScratchDatabases:
    """The seeded database, and a fresh copy of it for each timed run (a run rewrites it)."""

    def __init__(self, db: str, scratch: Path) -> None:
        self.server = db if db.startswith("postgres") else None
        self.scratch = scratch
        self.prefix = f"vetting_bench_{os.getpid()}"
        self.names: list[str] = []

    @property
    def engine(self) -> str:
        return "PostgreSQL" if self.server else "SQLite"

    def _url(self, name: str) -> str:
        if self.server:
            return self.server.rsplit("/", 1)[0] + "/" + name
        return f"sqlite://{self.scratch / name}.sqlite3"

    async def create(self, suffix: str, template: str | None = None) -> str:
        name = f"{self.prefix}_{suffix}"
        self.names.append(name)
        if self.server:
            copy_of = f' TEMPLATE "{template}"' if template else ""
            await admin(self.server, f'CREATE DATABASE "{name}"{copy_of}')
        elif template:
            shutil.copyfile(self.scratch / f"{template}.sqlite3", self.scratch / f"{name}.sqlite3")
        return name

    async def drop(self, name: str) -> None:
        if self.server:
            await admin(self.server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            for path in self.scratch.glob(f"{name}.sqlite3*"):  # with its -wal and -shm
                path.unlink()

    async def drop_all(self) -> None:
        for name in self.names:
            await self.drop(name)

    def settings(self, name: str, folders: Path) -> Any:
        from service.config import Settings

        return Settings(
            database_url=self._url(name),
            forms_dir=folders / "forms",
            policies_dir=folders / "policies",
            contract_templates_dir=folders / "contract_templates",
        )


async def seed_database(
    args: argparse.Namespace, databases: ScratchDatabases, folders: Path
) -> str:
    from tortoise import connections

    from service.db import close_db, init_db, migrate_db

    name = await databases.create("seeded")
    settings = databases.settings(name, folders)
    await migrate_db(settings)
    await init_db(settings)
    try:
        seeded = await seed(args.reviews, args.base)
        # A table filled in one go has no planner statistics until autovacuum analyses it;
        # without them PostgreSQL scans all verdict rows for each chunk's IN list. (The copies
        # made from this database keep its statistics.)
        await connections.get("default").execute_script("ANALYZE")
    finally:
        await close_db()
    print(f"seeded {args.reviews:,} reviews in {seeded:.0f} s", file=sys.stderr)
    return name


async def timed_run(
    args: argparse.Namespace, databases: ScratchDatabases, seeded: str, run: int, folders: Path
) -> dict[str, Any]:
    from service.audit.service import SYSTEM
    from service.catalog.loader import load_catalog
    from service.checks.models import Verdict
    from service.checks.reevaluation import reevaluate_reviews
    from service.db import close_db, init_db

    settings = databases.settings(await databases.create(f"run{run}", template=seeded), folders)
    await init_db(settings)
    try:
        verdict_rows = await Verdict.all().count()
        catalog = load_catalog(settings)
        started, cpu = time.perf_counter(), time.process_time()
        report = await reevaluate_reviews(actor=SYSTEM, catalog=catalog, chunk_size=args.chunk)
        total, cpu = time.perf_counter() - started, time.process_time() - cpu
        assert report.reevaluated == args.reviews, report
        result = {
            "verdict_rows": verdict_rows,
            "total_s": total,
            "cpu_s": cpu,
            "load_s": report.timings.load,
            "evaluate_s": report.timings.evaluate,
            "write_s": report.timings.write,
            "changed": report.changed,
            "load_average": os.getloadavg()[0],
        }
    finally:
        await close_db()
    print(
        f"run {run}: {total:.1f} s (CPU {cpu:.1f} s), load {result['load_s']:.1f} / evaluate "
        f"{result['evaluate_s']:.1f} / write {result['write_s']:.1f} s",
        file=sys.stderr,
    )
    return result


async def bench(args: argparse.Namespace, databases: ScratchDatabases, folders: Path) -> list[Any]:
    seeded = await seed_database(args, databases, folders)
    results = []
    for run in range(1, args.runs + 1):
        results.append(await timed_run(args, databases, seeded, run, folders))
        await databases.drop(databases.names.pop())  # each copy is as large as the seeded one
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=10_000)
    parser.add_argument("--db", default="sqlite", help="sqlite, or a postgres:// server URL")
    parser.add_argument("--chunk", type=int, default=1000)
    parser.add_argument("--change", choices=("few", "all"), default="few")
    parser.add_argument("--base", type=int, choices=sorted(BASE_FILES), default=1)
    parser.add_argument("--runs", type=int, default=3, help="timed runs, each on a fresh copy")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="bench-reevaluate-"))
    databases = ScratchDatabases(args.db, scratch)
    try:
        write_folders(scratch / "catalog", args.change, args.base)
        results = asyncio.run(bench(args, databases, scratch / "catalog"))
    finally:
        asyncio.run(databases.drop_all())
        shutil.rmtree(scratch, ignore_errors=True)
    totals = [r["total_s"] for r in results]
    phases = " / ".join(
        f"{statistics.median(r[phase] for r in results):.1f}"
        for phase in ("load_s", "evaluate_s", "write_s")
    )
    last = results[-1]
    print(
        f"| re-evaluate {args.reviews:,} reviews on {databases.engine}, base v{args.base} -> v3, "
        f"change {args.change}, {date.today().isoformat()} "
        f"| {statistics.median(totals):.1f} s ({min(totals):.1f}–{max(totals):.1f} s, "
        f"{len(totals)} runs; CPU {statistics.median(r['cpu_s'] for r in results):.1f} s) "
        f"| {phases} s | {last['verdict_rows']:,} verdict rows, {last['changed']:,} reviews "
        f"changed, load average {max(r['load_average'] for r in results):.1f} at most "
        f"| {platform.python_version()}, chunk {args.chunk} |"
    )


if __name__ == "__main__":
    main()
