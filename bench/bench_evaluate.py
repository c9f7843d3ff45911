"""Benchmark: evaluating a policy profile against one review's answers (evaluation alone).

Run:
    .venv/bin/python bench/bench_evaluate.py                        # latest `base`
    .venv/bin/python bench/bench_evaluate.py --profile base --version 2
    .venv/bin/python bench/bench_evaluate.py --repeat 4              # base's requirements ×4

`--repeat N` builds a profile of N copies of every requirement under new ids (a stand-in for a
larger profile before one ships). The ISMAP look-up of CLD2-SEL-14 answers from an in-memory
list, as the review evaluation preloads it. Prints a Markdown row for docs/benchmarks.md: the
median and p99 of single reviews in wall-clock and in CPU time (the latter leaves out the time a
busy machine gives to other processes), the spread of the rounds' medians, the CPU time of
building one review's CEL context, and what each requirement adds on top.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import statistics
import time
from datetime import UTC, date, datetime
from pathlib import Path

from service.catalog.loader import load_catalog
from service.catalog.policies import PolicyProfile, Requirement
from service.checks.evaluate import evaluate_profile, evaluation_context
from service.checks.lookups import RegistryLookups
from service.ismap.matching import IsmapIndex, SnapshotInfo
from service.ismap.parse import parse_list

ROOT = Path(__file__).resolve().parent.parent
ENGAGEMENT = {
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
ISMAP_CSV = (
    "クラウドサービス名称,事業者名,登録No.,区分,監査対象期間,有効期限,登録年月日\r\n"
    "みなと行政クラウド 標準プラン,みなと行政クラウド株式会社,C99-9999-1,ISMAP,"
    "2024/4/1～2025/3/31,2099/3/31,2020/4/1\r\n"
).encode()


def ismap_lookups() -> RegistryLookups:
    snapshot = SnapshotInfo(
        id="bench",
        imported_at=datetime(2026, 4, 1, tzinfo=UTC),
        sha256=hashlib.sha256(ISMAP_CSV).hexdigest(),
        source="bench.csv",
    )
    index = IsmapIndex(snapshot, parse_list(ISMAP_CSV).entries)
    return RegistryLookups(ismap_index=index, on=date(2026, 4, 1))


def repeated(profile: PolicyProfile, times: int, question_ids: frozenset[str]) -> PolicyProfile:
    requirements: list[Requirement] = []
    for copy in range(times):
        for requirement in profile.requirements:
            clone = Requirement.model_validate(
                {**requirement.model_dump(), "id": f"{requirement.id}-R{copy + 1}"}
            )
            clone.compile(question_ids)
            requirements.append(clone)
    return profile.model_copy(update={"requirements": requirements})


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="base")
    parser.add_argument("--version", type=int, help="default: the latest")
    parser.add_argument("--repeat", type=int, default=1, help="copies of every requirement")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--reviews", type=int, default=200, help="reviews per round")
    args = parser.parse_args()

    catalog = load_catalog()
    profile = (
        catalog.profile(args.profile, args.version)
        if args.version
        else catalog.latest_profile(args.profile)
    )
    assert profile is not None, args.profile
    if args.repeat > 1:
        questions = frozenset(q.id for form in catalog.forms.values() for q in form.questions)
        profile = repeated(profile, args.repeat, questions)
    answers = json.loads((ROOT / "docs/examples/cloud-service-answers.json").read_text())["answers"]
    template = ismap_lookups()
    requirements = profile.requirements
    # evaluate_profile converts only the answers some check reads; so does the context timing.
    read = {name for r in requirements for name in r.check_expr.answer_refs}
    read_answers = {name: value for name, value in answers.items() if name in read}

    singles: list[float] = []  # one review each, wall clock
    cpu: list[float] = []  # the same, CPU time of this thread: what a shared machine leaves out
    round_medians: list[float] = []
    contexts: list[float] = []
    for _ in range(args.rounds):
        this_round = []
        for _ in range(args.reviews):
            lookups = RegistryLookups(ismap_index=template.ismap_index, on=template.on)
            start, start_cpu = time.perf_counter(), time.thread_time()
            evaluate_profile(requirements, ENGAGEMENT, answers, lookups=lookups)
            this_round.append(time.perf_counter() - start)
            cpu.append(time.thread_time() - start_cpu)
        singles.extend(this_round)
        round_medians.append(statistics.median(this_round))
        # The part every review pays before any requirement: converting its variables to CEL.
        start = time.thread_time()
        for _ in range(50):
            context = evaluation_context(ENGAGEMENT, read_answers, template)
            requirements[0].applies_expr.evaluate(context)
        contexts.append((time.thread_time() - start) / 50)

    median = statistics.median(singles) * 1e6
    p99 = percentile(singles, 0.99) * 1e6
    low, high = min(round_medians) * 1e6, max(round_medians) * 1e6
    cpu_median, cpu_p99 = statistics.median(cpu) * 1e6, percentile(cpu, 0.99) * 1e6
    context = statistics.median(contexts) * 1e6
    per_requirement = (cpu_median - context) / len(requirements)
    name = f"`{profile.id}` v{profile.version}" + (
        f" ×{args.repeat} (ids repeated)" if args.repeat > 1 else ""
    )
    print(
        f"| evaluate {name} ({len(requirements)} requirements) for one review, "
        f"{date.today().isoformat()} | {median:.0f} µs | {p99:.0f} µs "
        f"| {cpu_median:.0f} µs | {cpu_p99:.0f} µs "
        f"| {low:.0f}–{high:.0f} µs | {context:.0f} µs | {per_requirement:.1f} µs "
        f"| {platform.python_version()}, {args.rounds}×{args.reviews} |"
    )


if __name__ == "__main__":
    main()
