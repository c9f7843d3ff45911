"""Benchmark: evaluating the shipped `base` policy profile against one review's answers.

Run: .venv/bin/python bench/bench_evaluate.py  (prints a Markdown row for docs/benchmarks.md)
"""

from __future__ import annotations

import json
import platform
import statistics
import time
from pathlib import Path

from service.catalog.loader import load_catalog
from service.checks.evaluate import evaluate_profile

ROOT = Path(__file__).resolve().parent.parent
ENGAGEMENT = {
    "kind": "cloud",
    "confidentiality": 2,
    "integrity": 2,
    "availability": 1,
    "personal_data": True,
    "my_number": False,
    "network_segment": "lgwan",
    "subcontracting": True,
    "term_months": 36,
}


def main(rounds: int = 30, reviews_per_round: int = 200) -> None:
    answers = json.loads((ROOT / "docs/examples/cloud-service-answers.json").read_text())["answers"]
    profile = load_catalog().latest_profile("base")
    assert profile is not None
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(reviews_per_round):
            evaluate_profile(profile.requirements, ENGAGEMENT, answers)
        timings.append((time.perf_counter() - start) / reviews_per_round)
    median = statistics.median(timings) * 1e6
    low, high = min(timings) * 1e6, max(timings) * 1e6
    per_requirement = median / len(profile.requirements)
    print(
        f"| evaluate `base` ({len(profile.requirements)} requirements) for one review "
        f"| {median:.0f} µs | {low:.0f}–{high:.0f} µs | {per_requirement:.1f} µs "
        f"| {platform.python_version()}, {rounds}×{reviews_per_round} |"
    )


if __name__ == "__main__":
    main()
