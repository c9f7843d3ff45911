"""Automatic checks: evaluate a submitted review against its organization's policy profile."""

from __future__ import annotations

import logging
from collections import Counter

from service.accounts.models import Organization
from service.audit.service import SYSTEM
from service.catalog.loader import current_catalog
from service.checks.evaluate import evaluate_profile
from service.checks.models import Outcome, Verdict
from service.engagements.models import Engagement
from service.engagements.service import engagement_facts
from service.jobs import transaction
from service.questionnaire.models import AnswerSet
from service.reviews.models import Review
from service.reviews.service import transition
from service.reviews.states import ReviewEvent, ReviewStatus

log = logging.getLogger(__name__)


async def evaluate_review(review_id: str) -> bool:
    """Store one verdict per requirement; safe to run twice. False when there was nothing to do."""
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
    findings = evaluate_profile(profile.requirements, facts, answer_set.answers)

    async with transaction() as conn:
        await Verdict.filter(review_id=review.id).using_db(conn).delete()
        for requirement, finding in zip(profile.requirements, findings, strict=True):
            await Verdict.create(
                organization_id=review.organization_id,
                review=review,
                requirement_id=requirement.id,
                profile_id=profile.id,
                profile_version=profile.version,
                outcome=finding.outcome,
                severity=requirement.severity.value,
                on_fail=requirement.on_fail.value,
                reason=finding.reason,
                sources=[s.model_dump() for s in requirement.sources],
                inputs=finding.inputs,
                using_db=conn,
            )
        counts = Counter(f.outcome.value for f in findings)
        await transition(
            conn,
            review,
            ReviewEvent.evaluate,
            actor=SYSTEM,
            data={"profile": f"{profile.id}@{profile.version}", "outcomes": dict(counts)},
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
