"""Automatic checks: evaluate a submitted review against its organization's policy profile."""

from __future__ import annotations

import logging
from datetime import date

from service.accounts.models import Organization
from service.accounts.principal import Principal
from service.audit.service import SYSTEM
from service.catalog.loader import current_catalog

# Re-exported: the social domain evaluates its account rules through this module.
from service.checks.evaluate import Finding as Finding
from service.checks.evaluate import evaluate_account as evaluate_account
from service.checks.evaluate import evaluate_profile
from service.checks.lookups import RegistryLookups
from service.checks.models import Evaluation, EvaluationTrigger, Outcome, Verdict
from service.checks.verdicts import ismap_snapshot_of, outcome_counts, profile_rows
from service.engagements.models import Engagement
from service.engagements.service import engagement_facts
from service.ismap.service import current_index
from service.jobs import transaction
from service.jst import today_jst
from service.questionnaire.models import AnswerSet
from service.reviews.models import Review
from service.reviews.service import get_review, transition
from service.reviews.states import ReviewEvent, ReviewStatus

log = logging.getLogger(__name__)


async def registry_lookups(on: date | None = None) -> RegistryLookups:
    """The registry data checks may look up, loaded once: the latest ISMAP list snapshot."""
    return RegistryLookups(ismap_index=await current_index(), on=on or today_jst())


async def evaluate_review(review_id: str, *, on: date | None = None) -> bool:
    """Store one verdict per requirement; safe to run twice. False when there was nothing to do.

    `on` is the day registrations are judged valid for (default: today in Japan).
    """
    review = await Review.get_or_none(id=review_id)
    if review is None or review.status != ReviewStatus.submitted:
        return False  # already evaluated, cancelled, or never submitted
    organization = await Organization.get(id=review.organization_id)
    profile = current_catalog().latest_profile(review.profile_id or organization.policy_profile)
    if profile is None:
        log.error("review %s: policy profile %s is missing", review_id, review.profile_id)
        return False
    engagement = await Engagement.get(id=review.engagement_id)
    answer_set = await AnswerSet.get(review_id=review.id)
    facts = engagement_facts(engagement)
    lookups = await registry_lookups(on)
    findings = evaluate_profile(profile.requirements, facts, answer_set.answers, lookups=lookups)
    rows = profile_rows(profile)

    async with transaction() as conn:
        await Verdict.filter(review_id=review.id).using_db(conn).delete()
        await Verdict.bulk_create(
            [
                row.verdict(
                    finding,
                    organization_id=str(review.organization_id),
                    review_id=str(review.id),
                    profile=profile,
                )
                for row, finding in zip(rows, findings, strict=True)
            ],
            using_db=conn,
        )
        counts = outcome_counts(findings)
        await Evaluation.create(
            organization_id=review.organization_id,
            review_id=review.id,
            trigger=EvaluationTrigger.submitted,
            profile_id=profile.id,
            profile_version=profile.version,
            review_status=ReviewStatus.evaluated.value,
            counts=counts,
            ismap_snapshot_id=ismap_snapshot_of(findings),
            using_db=conn,
        )
        await transition(
            conn,
            review,
            ReviewEvent.evaluate,
            actor=SYSTEM,
            data={"profile": f"{profile.id}@{profile.version}", "outcomes": counts},
            profile_id=profile.id,
            profile_version=profile.version,
        )
    return True


def blocking_verdicts(verdicts: list[Verdict]) -> list[Verdict]:
    """Must-requirements that fail with a reject outcome and were not overridden."""
    return [
        v
        for v in verdicts
        if v.effective_outcome == Outcome.failed and v.severity == "must" and v.on_fail == "reject"
    ]


async def list_evaluations(principal: Principal, review_id: str) -> list[Evaluation]:
    """The review's evaluations, oldest first: when, under which version, and what changed."""
    review = await get_review(principal, review_id)
    return await Evaluation.filter(review_id=review.id).order_by("created_at", "id")
