"""What a chunk of reviews has stored, read for the re-evaluation batch (reevaluation.py).

After a profile update most of a review's verdicts are carried over: their requirement is
defined as in the review's version, so they stand as they are. Those are only counted, by the
database (the counts go into the evaluation record); the others are read to be compared with
the new findings (their id, outcome, digest and the reviewer's override). Reading every verdict
row of 100,000 reviews of the 70-requirement base profile was most of the batch's time.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from service.checks import bulk


@dataclass
class StoredVerdict:
    id: str
    outcome: str
    fingerprint: str
    override: tuple[Any, ...] | None = None  # (outcome, reason, by, at) of a reviewer's override


@dataclass
class ChunkVerdicts:
    # review id -> requirement id -> verdict, for every requirement not carried over
    compared: dict[str, dict[str, StoredVerdict]] = field(default_factory=lambda: defaultdict(dict))
    # review id -> outcome -> how many of its carried-over verdicts have it
    carried_counts: dict[str, Counter[str]] = field(default_factory=dict)
    # reviews that lack a verdict of a requirement to carry over (all of theirs are compared)
    incomplete: set[str] = field(default_factory=set)


async def load_chunk_verdicts(
    conn: BaseDBAsyncClient, carried: Mapping[str, frozenset[str]]
) -> ChunkVerdicts:
    """The verdicts of these reviews; `carried`: review id -> the requirements carried over."""
    found = ChunkVerdicts()
    by_carried: dict[frozenset[str], list[str]] = defaultdict(list)
    for review_id, requirement_ids in carried.items():
        by_carried[requirement_ids].append(review_id)
    overridden: list[StoredVerdict] = []
    for requirement_ids, review_ids in by_carried.items():
        overridden += await _read(conn, found, review_ids, except_for=requirement_ids)
        if not requirement_ids:
            continue
        counts = await bulk.outcome_counts(conn, review_ids, requirement_ids)
        for review_id in review_ids:
            if counts[review_id].total() == len(requirement_ids):
                found.carried_counts[review_id] = counts[review_id]
            else:  # not expected (every evaluation stores a verdict per requirement): read all
                found.incomplete.add(review_id)
    if found.incomplete:
        overridden += await _read(conn, found, sorted(found.incomplete), except_for=frozenset())
    overrides = await bulk.overrides(conn, sorted({v.id for v in overridden}))
    for verdict in overridden:
        verdict.override = overrides[verdict.id]
    return found


async def _read(
    conn: BaseDBAsyncClient,
    found: ChunkVerdicts,
    review_ids: list[str],
    *,
    except_for: frozenset[str],
) -> list[StoredVerdict]:
    """Adds the verdicts to `found`; gives those overridden (whose override is still to read)."""
    overridden = []
    for vid, rid, requirement_id, outcome, fingerprint, override in await bulk.current_verdicts(
        conn, review_ids, except_for=except_for
    ):
        verdict = StoredVerdict(vid, outcome, fingerprint)
        found.compared[rid][requirement_id] = verdict
        if override is not None:
            overridden.append(verdict)
    return overridden
