"""Re-evaluating stored reviews when a newer version of their policy profile is loaded.

Which reviews:
- open ones, those with verdicts and no decision yet (evaluated, in_approval,
  clarification_requested), evaluated under an older version of their profile: their verdicts
  are replaced by the new ones, and the review records the new profile version;
- decided ones (approved, approved with conditions, rejected) only on request
  (`include_decided`): their decision and the verdicts it rests on stay as they are; the new
  findings are kept in an Evaluation record (`applied` false) beside them, once per version.

Re-evaluating never changes a review's status: an evaluated review stays evaluated, one part-way
through its approval chain stays there (each further approval checks the verdicts again, so a
requirement that now fails blocks it until overridden or rejected), and a review sent back for
clarification is evaluated again when the vendor resubmits anyway.

Overrides: a reviewer's override is kept when the requirement is still in the profile, its
automatic outcome is unchanged, and its definition (applies_if, check, severity, on_fail) is the
same in both versions; otherwise it is dropped and the report says so, because the reason given
was about another finding. When the old version is no longer in policies/ its definition cannot
be compared, and the override is dropped.

What is evaluated: the requirements whose verdict can differ. Answers are locked from
submission to decision and engagement facts never change, so a requirement whose definition
(applies_if, check, severity, on_fail, fail_reason, sources) is the same in the review's old
version gives the verdict already stored; it is not evaluated again unless it looks something up
(ISMAP: the list or the day may have changed), the review awaits clarification (its answers may
have changed), the old version is no longer in the catalog, or `full` is asked for.

Versions: a review's verdicts stand under `Review.profile_version`, the version its approvals and
contract read. A verdict row keeps the version (and time) it was made under: a verdict that
says the same under the new version (same digest) is carried over as it is, not re-labelled,
so a profile update writes only the verdicts that changed. (Re-labelling the unchanged rows was
a third of the time of re-evaluating 100,000 reviews on PostgreSQL: docs/benchmarks.md.)

Reading: the verdicts carried over are only counted, by the database; the others are read to be
compared with the new findings (stored_verdicts.py).

Batching: reviews are read in chunks by id, with plain SQL for the verdict rows (bulk.py); each
chunk is one transaction (its rows locked and their status and version checked again, so a
review decided, or re-evaluated by another run, meanwhile is skipped, not half-written).
Verdict rows are rewritten only where their digest changed. A chunk's transaction runs while
the next chunk is loaded and evaluated (on SQLite, with its single connection, the next chunk's
reads wait for it).
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import date
from typing import Any
from uuid import uuid4

from service.audit.service import Actor
from service.catalog.loader import Catalog, current_catalog
from service.checks.lookups import RegistryLookups
from service.checks.reevaluation_batch import (
    DECIDED_STATUSES,
    DEFAULT_CHUNK,
    OPEN_STATUSES,
    ProfileBatch,
    ReevaluationReport,
)
from service.reviews.models import Review

__all__ = ["DEFAULT_CHUNK", "ReevaluationReport", "reevaluate_reviews"]

log = logging.getLogger(__name__)


async def reevaluate_reviews(
    *,
    actor: Actor,
    organization_id: str | None = None,
    include_decided: bool = False,
    dry_run: bool = False,
    chunk_size: int = DEFAULT_CHUNK,
    on: date | None = None,
    catalog: Catalog | None = None,
    full: bool = False,
) -> ReevaluationReport:
    """Re-evaluate the reviews of every profile whose latest version is newer than theirs.

    `full` evaluates every requirement again, also those defined as in the review's version
    (e.g. after a change to the evaluation engine itself).
    """
    from service.checks.service import registry_lookups

    catalog = catalog or current_catalog()
    report = ReevaluationReport(
        run_id=str(uuid4()), dry_run=dry_run, include_decided=include_decided
    )
    statuses = OPEN_STATUSES | (DECIDED_STATUSES if include_decided else frozenset())
    lookups_template: RegistryLookups | None = None  # loaded once there is work (hourly sweep)
    profile_ids = {pid for pid, _ in catalog.profiles}
    for profile_id in sorted(profile_ids):
        profile = catalog.latest_profile(profile_id)
        assert profile is not None
        query = Review.filter(
            profile_id=profile_id, profile_version__lt=profile.version, status__in=statuses
        )
        if organization_id is not None:
            query = query.filter(organization_id=organization_id)
        if not await query.exists():
            continue
        lookups_template = lookups_template or await registry_lookups(on)
        batch = ProfileBatch(catalog, profile, actor, report, lookups_template, full=full)
        last_id: Any = None
        # A chunk is written while the next one is loaded and evaluated: on PostgreSQL the
        # database works on one core while this process evaluates on the other. Chunks hold
        # other reviews, and each write checks its reviews' status again under lock.
        writing: asyncio.Task[None] | None = None
        try:
            while True:
                started = time.perf_counter()
                page = query.filter(id__gt=last_id) if last_id is not None else query
                reviews = (
                    await page.order_by("id")
                    .limit(chunk_size)
                    .values("id", "organization_id", "engagement_id", "status", "profile_version")
                )
                report.timings.load += time.perf_counter() - started
                if not reviews:
                    break
                last_id = reviews[-1]["id"]
                plans = await batch.plan_chunk(reviews)
                if writing is not None:
                    await writing
                writing = asyncio.create_task(batch.write_chunk(plans, dry_run=dry_run))
        finally:
            if writing is not None:
                await writing
        if batch.touched:
            report.profiles[profile_id] = profile.version
    log.info(
        "re-evaluation %s: %d considered, %d re-evaluated, %d recorded, %d changed, %d skipped",
        report.run_id,
        report.considered,
        report.reevaluated,
        report.recorded,
        report.changed,
        report.skipped,
    )
    return report
