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
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient

from service.audit.service import Actor, record
from service.catalog.expressions import ENGAGEMENT_FIELDS
from service.catalog.loader import Catalog, current_catalog
from service.catalog.policies import PolicyProfile, Requirement
from service.checks import bulk
from service.checks.evaluate import answers_read, evaluate_profile
from service.checks.lookups import RegistryLookups
from service.checks.models import Evaluation, EvaluationTrigger
from service.checks.stored_verdicts import StoredVerdict, load_chunk_verdicts
from service.checks.verdicts import (
    finding_json,
    ismap_snapshot_of,
    profile_rows,
)
from service.engagements.models import Engagement
from service.jobs import transaction
from service.reviews.models import Review
from service.reviews.states import ReviewStatus

log = logging.getLogger(__name__)

S = ReviewStatus
OPEN_STATUSES = frozenset({S.evaluated, S.in_approval, S.clarification_requested})
DECIDED_STATUSES = frozenset({S.approved, S.approved_with_conditions, S.rejected})
DEFAULT_CHUNK = 1000
# The report lists this many changed reviews; the counts always cover all of them.
REPORT_LIMIT = 500
# Evaluating a chunk hands control back this often (in reviews), see reevaluate_reviews.
_YIELD_EVERY = 50


@dataclass
class ReviewChanges:
    review_id: str
    organization_id: str
    status: str
    profile_id: str
    from_version: int | None
    to_version: int
    applied: bool  # false: a decided review, its verdicts left as they were
    changes: list[dict[str, Any]]


@dataclass
class Timings:
    load: float = 0.0
    evaluate: float = 0.0
    write: float = 0.0


@dataclass
class ReevaluationReport:
    run_id: str
    dry_run: bool
    include_decided: bool
    profiles: dict[str, int] = field(default_factory=dict)  # profile id -> the version used
    considered: int = 0
    reevaluated: int = 0  # open reviews whose verdicts were replaced
    recorded: int = 0  # decided reviews given an Evaluation record only
    changed: int = 0  # reviews with at least one change
    skipped: int = 0  # changed meanwhile: decided, or re-evaluated by another run
    reviews: list[ReviewChanges] = field(default_factory=list)
    timings: Timings = field(default_factory=Timings)


def _definition(requirement: Requirement) -> tuple[str, str, str, str]:
    return (requirement.applies_if, requirement.check, requirement.severity, requirement.on_fail)


def _verdict_definition(requirement: Requirement) -> tuple[Any, ...]:
    """Everything a stored verdict is made of, besides the answers."""
    return (
        *_definition(requirement),
        requirement.fail_reason.ja,
        requirement.fail_reason.en,
        tuple((s.document, s.section) for s in requirement.sources),
    )


# What engagement_facts gives (the fields expressions may read), read as plain columns: no
# model objects for 100,000 rows.
_FACT_FIELDS = tuple(sorted(ENGAGEMENT_FIELDS))


def _answers_read(lists: list[Sequence[Requirement]]) -> frozenset[str] | None:
    """The answers these requirements read (None: all of them), loaded for a chunk."""
    names: set[str] = set()
    for requirements in {id(r): r for r in lists}.values():
        read = answers_read(requirements)
        if read is None:
            return None
        names |= read
    return frozenset(names)


def _plain(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


@dataclass
class _Plan:
    """What one review's re-evaluation writes."""

    review: dict[str, Any]
    applied: bool
    changes: list[dict[str, Any]]
    findings: list[Any]
    delete: list[str] = field(default_factory=list)
    insert: list[list[Any]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)


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
        batch = _ProfileBatch(catalog, profile, actor, report, lookups_template, full=full)
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


class _ProfileBatch:
    """Evaluates chunks of reviews under one compiled profile version."""

    def __init__(
        self,
        catalog: Catalog,
        profile: PolicyProfile,
        actor: Actor,
        report: ReevaluationReport,
        lookups: RegistryLookups,
        *,
        full: bool,
    ) -> None:
        self.catalog = catalog
        self.profile = profile
        self.actor = actor
        self.report = report
        self.lookups = lookups
        self.rows = profile_rows(profile)
        self.definitions = {r.id: _definition(r) for r in profile.requirements}
        self.all_ids = frozenset(self.definitions)
        self.full = full
        self._subsets: dict[int | None, tuple[list[Requirement], frozenset[str]] | None] = {}
        self.touched = False
        self.started = datetime.now(UTC)

    def _to_evaluate(
        self, old_version: int | None
    ) -> tuple[list[Requirement], frozenset[str]] | None:
        """The requirements whose verdicts may differ from those stored under `old_version`.

        None: all of them (that version is no longer in the catalog). A requirement that looks
        something up is always evaluated: the list or the day may have changed.
        """
        if old_version not in self._subsets:
            old = self.catalog.profiles.get((self.profile.id, old_version or 0))
            if old is None:
                self._subsets[old_version] = None
            else:
                before = {r.id: _verdict_definition(r) for r in old.requirements}
                subset = [
                    r
                    for r in self.profile.requirements
                    if r.check_expr.lookups or before.get(r.id) != _verdict_definition(r)
                ]
                self._subsets[old_version] = (subset, frozenset(r.id for r in subset))
        return self._subsets[old_version]

    def _same_definition(self, old_version: int | None, requirement_id: str) -> bool:
        old = self.catalog.profiles.get((self.profile.id, old_version or 0))
        requirement = old.requirement(requirement_id) if old is not None else None
        if requirement is None:
            return False
        return _definition(requirement) == self.definitions.get(requirement_id)

    async def plan_chunk(self, reviews: list[dict[str, Any]]) -> list[_Plan]:
        """Load what the chunk's reviews were evaluated on and with, and evaluate them."""
        report = self.report
        started = time.perf_counter()
        conn = connections.get("default")
        decided_ids = [r["id"] for r in reviews if r["status"] in DECIDED_STATUSES]
        already = await self._recorded(conn, decided_ids)
        reviews = [r for r in reviews if str(r["id"]) not in already]
        review_ids = [str(r["id"]) for r in reviews]
        if not review_ids:
            report.timings.load += time.perf_counter() - started
            return []
        engagement_ids = {r["engagement_id"] for r in reviews}
        engagements = {
            str(row["id"]): {name: _plain(row[name]) for name in _FACT_FIELDS}
            for row in await Engagement.filter(id__in=engagement_ids).values("id", *_FACT_FIELDS)
        }
        subsets = {rid: self._subset_for(r) for rid, r in zip(review_ids, reviews, strict=True)}
        stored = await load_chunk_verdicts(
            conn,
            {rid: self.all_ids - s[1] if s else frozenset() for rid, s in subsets.items()},
        )
        to_evaluate: list[Sequence[Requirement]] = [
            self.profile.requirements
            if (subset := subsets[rid]) is None or rid in stored.incomplete
            else subset[0]
            for rid in review_ids
        ]
        answers = await bulk.review_answers(conn, review_ids, _answers_read(to_evaluate))
        report.timings.load += time.perf_counter() - started

        started = time.perf_counter()
        plans = []
        for done, (review, requirements) in enumerate(zip(reviews, to_evaluate, strict=True), 1):
            rid = str(review["id"])
            plans.append(
                self._plan(
                    review,
                    requirements,
                    engagements,
                    answers,
                    stored.compared[rid],
                    stored.carried_counts.get(rid),  # None for an incomplete review
                )
            )
            if done % _YIELD_EVERY == 0:  # let the previous chunk's write send its next statement
                await asyncio.sleep(0)
        report.timings.evaluate += time.perf_counter() - started
        report.considered += len(reviews)
        return plans

    async def _recorded(self, conn: BaseDBAsyncClient, decided_ids: list[Any]) -> set[str]:
        """The decided reviews already recorded under this version (once per version)."""
        if not decided_ids:
            return set()
        return {
            str(rid)
            for rid in await Evaluation.filter(
                review_id__in=decided_ids,
                profile_id=self.profile.id,
                profile_version=self.profile.version,
                applied=False,
            )
            .using_db(conn)
            .values_list("review_id", flat=True)
        }

    async def write_chunk(self, plans: list[_Plan], *, dry_run: bool) -> None:
        if not plans:
            return
        self.touched = True
        report = self.report
        started = time.perf_counter()
        if dry_run:
            for plan in plans:
                self._count(plan)
        else:
            await self._write(plans)
        report.timings.write += time.perf_counter() - started

    def _subset_for(
        self, review: dict[str, Any]
    ) -> tuple[list[Requirement], frozenset[str]] | None:
        """The requirements to evaluate again (None: all); the others' verdicts are carried over.

        Answers are locked from submission to decision (not while clarification is asked for),
        and the engagement facts never change: a requirement defined as before gives the
        verdict it gave, so only the others are evaluated again.
        """
        applied = review["status"] not in DECIDED_STATUSES
        if applied and review["status"] != S.clarification_requested and not self.full:
            return self._to_evaluate(review["profile_version"])
        return None

    def _plan(
        self,
        review: dict[str, Any],
        requirements: Sequence[Requirement],
        engagements: dict[str, dict[str, Any]],
        answers: dict[str, dict[str, Any]],
        old: dict[str, StoredVerdict],
        carried: Counter[str] | None,
    ) -> _Plan:
        """`old`: the verdicts to compare; `carried`: the outcomes of those carried over."""
        lookups = RegistryLookups(ismap_index=self.lookups.ismap_index, on=self.lookups.on)
        applied = review["status"] not in DECIDED_STATUSES
        findings = evaluate_profile(
            requirements,
            engagements[str(review["engagement_id"])],
            answers.get(str(review["id"]), {}),
            lookups=lookups,
        )
        by_id = {r.id: f for r, f in zip(requirements, findings, strict=True)}
        plan = _Plan(review=review, applied=applied, changes=[], findings=findings)
        plan.counts.update(carried or {})
        new_ids = set()
        for row in self.rows:
            new_ids.add(row.requirement_id)
            before = old.get(row.requirement_id)
            finding = by_id.get(row.requirement_id)
            if finding is None:  # defined as before: carried over, counted in `carried`
                continue
            plan.counts[finding.outcome.value] += 1
            fingerprint = row.fingerprint(finding)
            if before is None:
                plan.changes.append(
                    {
                        "requirement_id": row.requirement_id,
                        "change": "added",
                        "to": finding.outcome.value,
                    }
                )
            elif before.outcome != finding.outcome.value:
                plan.changes.append(
                    {
                        "requirement_id": row.requirement_id,
                        "change": "outcome_changed",
                        "from": before.outcome,
                        "to": finding.outcome.value,
                        "override_dropped": applied and before.override is not None,
                    }
                )
            if not applied:
                continue
            keep = (
                before is not None
                and before.override is not None
                and before.outcome == finding.outcome.value
                and self._same_definition(review["profile_version"], row.requirement_id)
            )
            if before is not None and before.override is not None and not keep:
                if before.outcome == finding.outcome.value:  # same outcome, other definition
                    plan.changes.append(
                        {
                            "requirement_id": row.requirement_id,
                            "change": "definition_changed",
                            "from": before.outcome,
                            "to": finding.outcome.value,
                            "override_dropped": True,
                        }
                    )
            elif before is not None and before.fingerprint == fingerprint:
                continue  # says the same: carried over under the version that made it
            if before is not None:
                plan.delete.append(before.id)
            plan.insert.append(
                row.insert_row(
                    finding,
                    organization_id=str(review["organization_id"]),
                    review_id=str(review["id"]),
                    profile=self.profile,
                    fingerprint=fingerprint,
                    override=before.override if keep and before is not None else None,
                    at=self.started,
                )
            )
        for requirement_id, before in old.items():
            if requirement_id not in new_ids:
                plan.changes.append(
                    {
                        "requirement_id": requirement_id,
                        "change": "removed",
                        "from": before.outcome,
                        "override_dropped": applied and before.override is not None,
                    }
                )
                if applied:
                    plan.delete.append(before.id)
        return plan

    def _count(self, plan: _Plan) -> None:
        report = self.report
        if plan.applied:
            report.reevaluated += 1
        else:
            report.recorded += 1
        if plan.changes:
            report.changed += 1
            if len(report.reviews) < REPORT_LIMIT:
                review = plan.review
                report.reviews.append(
                    ReviewChanges(
                        review_id=str(review["id"]),
                        organization_id=str(review["organization_id"]),
                        status=str(review["status"]),
                        profile_id=self.profile.id,
                        from_version=review["profile_version"],
                        to_version=self.profile.version,
                        applied=plan.applied,
                        changes=plan.changes,
                    )
                )

    async def _write(self, plans: list[_Plan]) -> None:
        async with transaction() as conn:
            # Lock the chunk's reviews and drop any whose status or version moved since they
            # were read: a review decided meanwhile keeps the verdicts its decision rests on,
            # and one another run (API, CLI, reload) re-evaluated meanwhile is done. Locked in
            # id order, so two runs over overlapping reviews queue instead of deadlocking.
            ids = [p.review["id"] for p in plans]
            now_state = {
                str(rid): (status, version)
                for rid, status, version in await Review.filter(id__in=ids)
                .order_by("id")
                .select_for_update()
                .using_db(conn)
                .values_list("id", "status", "profile_version")
            }
            current = [
                p
                for p in plans
                if now_state.get(str(p.review["id"]))
                == (p.review["status"], p.review["profile_version"])
            ]
            recorded = await self._recorded(
                conn, [p.review["id"] for p in current if not p.applied]
            )
            current = [p for p in current if str(p.review["id"]) not in recorded]
            self.report.skipped += len(plans) - len(current)
            applied = [p for p in current if p.applied]
            await self._replace_verdicts(conn, applied)
            now = datetime.now(UTC)
            await bulk.insert_evaluations(conn, [self._evaluation(p, now) for p in current])
            if applied:
                await (
                    Review.filter(id__in=[p.review["id"] for p in applied])
                    .using_db(conn)
                    .update(profile_version=self.profile.version, updated_at=now)
                )
            await self._audit(conn, current)
        for plan in current:
            self._count(plan)

    async def _replace_verdicts(self, conn: BaseDBAsyncClient, plans: list[_Plan]) -> None:
        if not plans:
            return
        await bulk.delete_verdicts(conn, [vid for p in plans for vid in p.delete])
        await bulk.insert_verdicts(conn, [row for p in plans for row in p.insert])

    def _evaluation(self, plan: _Plan, now: datetime) -> list[Any]:
        """The review's Evaluation row, in bulk.EVALUATION_COLUMNS order."""
        review = plan.review
        return [
            str(uuid4()),
            str(review["organization_id"]),
            str(review["id"]),
            EvaluationTrigger.reevaluation.value,
            self.report.run_id,
            self.profile.id,
            self.profile.version,
            review["profile_version"],
            str(review["status"]),
            plan.applied,
            dict(plan.counts),
            plan.changes,
            [] if plan.applied else [finding_json(f) for f in plan.findings],
            ismap_snapshot_of(plan.findings),
            now,
        ]

    async def _audit(self, conn: BaseDBAsyncClient, plans: list[_Plan]) -> None:
        """One event per organization and chunk (per-review detail is in the Evaluation rows)."""
        by_org: dict[str, list[_Plan]] = defaultdict(list)
        for plan in plans:
            by_org[str(plan.review["organization_id"])].append(plan)
        for organization_id, group in by_org.items():
            await record(
                conn,
                organization_id=organization_id,
                actor=self.actor,
                action="policies.reevaluated",
                object_type="policy_profile",
                object_id=f"{self.profile.id}@{self.profile.version}",
                data={
                    "run_id": self.report.run_id,
                    "reviews": len(group),
                    "decided_recorded_only": sum(1 for p in group if not p.applied),
                    "changed_review_ids": [str(p.review["id"]) for p in group if p.changes],
                },
            )
