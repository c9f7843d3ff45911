"""Automatic checks: evaluate a submitted review against its organization's policy profile, and
the reviewer's overrides. Verdict and evaluation rows are written by bulk.py only."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

from service.accounts.models import Organization
from service.accounts.principal import Principal
from service.audit.service import SYSTEM, record
from service.catalog.loader import current_catalog
from service.checks import bulk

# Re-exported: the social domain evaluates its account rules through this module.
from service.checks.evaluate import Finding as Finding
from service.checks.evaluate import evaluate_account as evaluate_account
from service.checks.evaluate import evaluate_profile
from service.checks.lookups import RegistryLookups
from service.checks.models import Evaluation, EvaluationTrigger, Outcome, Verdict
from service.checks.schemas import SourceOut, VerdictOut
from service.checks.verdicts import ismap_snapshot_of, outcome_counts, profile_rows
from service.engagements.models import Engagement
from service.engagements.service import engagement_facts
from service.errors import Conflict, NotFound
from service.ismap.service import current_index
from service.jobs import transaction
from service.jst import today_jst
from service.questionnaire.models import AnswerSet
from service.reviews.models import Review
from service.reviews.service import duties_for_requester, get_review, transition
from service.reviews.states import DECIDABLE, ReviewEvent, ReviewStatus

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
        await bulk.replace_review_verdicts(
            conn,
            str(review.id),
            [
                row.verdict(
                    finding,
                    organization_id=str(review.organization_id),
                    review_id=str(review.id),
                    profile=profile,
                )
                for row, finding in zip(rows, findings, strict=True)
            ],
        )
        counts = outcome_counts(findings)
        await bulk.add_evaluation(
            conn,
            organization_id=review.organization_id,
            review_id=review.id,
            trigger=EvaluationTrigger.submitted,
            profile_id=profile.id,
            profile_version=profile.version,
            review_status=ReviewStatus.evaluated.value,
            counts=counts,
            ismap_snapshot_id=ismap_snapshot_of(findings),
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


async def override_verdict(
    *, principal: Principal, review_id: str, requirement_id: str, outcome: Outcome, reason: str
) -> tuple[Review, Verdict]:
    review = await get_review(principal, review_id)
    # Part-way through the approval chain too: a re-evaluation under a newer profile may make a
    # requirement fail there, and the reviewer must be able to answer it (see reevaluation.py).
    if review.status not in DECIDABLE:
        raise Conflict(
            f"verdicts can be overridden only before the decision (now '{review.status}')"
        )
    verdict = await Verdict.get_or_none(review_id=review.id, requirement_id=requirement_id)
    if verdict is None:
        raise NotFound("no such verdict")
    await duties_for_requester(principal, review)
    async with transaction() as conn:
        # Conditional, like a status change: the review is still before its decision (its row
        # locked against one meanwhile) and the verdict the one read, or nothing is written.
        still_open = (
            await Review.select_for_update()
            .filter(id=review.id, status__in=DECIDABLE)
            .using_db(conn)
            .first()
        )
        if still_open is None:
            raise Conflict(
                "the review was decided meanwhile; reload / 審査結果が先に決定されました"
            )
        at = datetime.now(UTC)
        written = await bulk.set_override(
            conn, verdict, outcome=outcome, reason=reason, by=principal.user_id, at=at
        )
        if not written:
            raise Conflict(
                "判定が再評価で更新されました。 / The verdict was re-evaluated meanwhile; reload."
            )
        verdict.override_outcome = outcome
        verdict.override_reason = reason
        verdict.overridden_by_id = principal.user_id
        verdict.overridden_at = at
        await record(
            conn,
            organization_id=principal.organization_id,
            actor=principal.actor,
            action="verdict.overridden",
            object_type="verdict",
            object_id=str(verdict.id),
            review_id=str(review.id),
            data={
                "requirement_id": requirement_id,
                "from": verdict.outcome.value,
                "to": outcome.value,
                "reason": reason,
            },
        )
    return review, verdict


def describe_verdict(verdict: Verdict, review: Review) -> VerdictOut:
    # A review's verdicts stand under its profile version (a verdict carried over from an older
    # version says what that version would say); once the file left policies/, the latest.
    version = review.profile_version or verdict.profile_version
    catalog = current_catalog()
    profile = catalog.profiles.get((verdict.profile_id, version)) or catalog.latest_profile(
        verdict.profile_id
    )
    requirement = profile.requirement(verdict.requirement_id) if profile else None
    unknown = {"ja": verdict.requirement_id, "en": verdict.requirement_id}
    return VerdictOut(
        requirement_id=verdict.requirement_id,
        title=requirement.title.model_dump() if requirement else unknown,
        outcome=verdict.outcome,
        effective_outcome=verdict.effective_outcome,
        severity=verdict.severity,
        on_fail=verdict.on_fail,
        reason=verdict.reason,
        remediation=requirement.remediation.model_dump() if requirement else {"ja": "", "en": ""},
        sources=[SourceOut(**s) for s in verdict.sources],
        inputs=verdict.inputs,
        profile_id=verdict.profile_id,
        profile_version=version,
        evaluated_profile_version=verdict.profile_version,
        evaluated_at=verdict.evaluated_at,
        override_reason=verdict.override_reason,
        overridden_by_id=verdict.overridden_by_id,
        overridden_at=verdict.overridden_at,
    )


async def review_verdicts(principal: Principal, review_id: str) -> tuple[Review, list[VerdictOut]]:
    """A review of the principal's organization and its verdicts as the API shows them."""
    review = await get_review(principal, review_id)
    verdicts = await Verdict.filter(review_id=review.id).order_by("requirement_id")
    return review, [describe_verdict(v, review) for v in verdicts]
