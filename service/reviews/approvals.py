"""Approval chains: which steps a review needs, and which are signed (read-only helpers)."""

from __future__ import annotations

from dataclasses import dataclass

from service.catalog.loader import current_catalog
from service.catalog.policies import DEFAULT_CHAIN, ApprovalChain
from service.engagements.models import Engagement
from service.engagements.service import engagement_facts
from service.reviews.models import ApprovalRecord, Review


@dataclass(frozen=True)
class ApprovalProgress:
    chain: ApprovalChain
    signed: list[ApprovalRecord]

    @property
    def next_position(self) -> int:
        return len(self.signed)

    @property
    def is_last_step(self) -> bool:
        return self.next_position == len(self.chain.steps) - 1

    @property
    def conditions(self) -> list[str]:
        return [c for record in self.signed for c in record.conditions]


async def approval_progress(review: Review) -> ApprovalProgress:
    """The chain the review's profile asks for (from its engagement), and the steps signed."""
    chain = DEFAULT_CHAIN
    if review.profile_version is not None:
        profile = current_catalog().profile(review.profile_id, review.profile_version)
        engagement = await Engagement.get(id=review.engagement_id)
        chain = profile.chain_for(engagement_facts(engagement))
    signed = await ApprovalRecord.filter(review_id=review.id).order_by("position")
    return ApprovalProgress(chain=chain, signed=signed)
