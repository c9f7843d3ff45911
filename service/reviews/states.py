"""The review state machine: states, events and the one table of allowed transitions.

Pure: no database, no I/O. `reviews.service.transition` is the only writer of `Review.status`
and consults `next_status` before its conditional UPDATE.
"""

from __future__ import annotations

from enum import StrEnum


class ReviewStatus(StrEnum):
    open = "open"  # round opened, vendor not yet invited
    invited = "invited"  # an invitation link was issued
    answering = "answering"  # the vendor saved at least one draft
    submitted = "submitted"  # answers locked, automatic checks pending
    evaluated = "evaluated"  # verdicts stored, waiting for the reviewer
    # The reviewer sent the questionnaire back with questions to clarify; the vendor answers
    # them and submits again.
    clarification_requested = "clarification_requested"
    in_approval = "in_approval"  # some steps of the approval chain signed, more to come
    approved = "approved"
    approved_with_conditions = "approved_with_conditions"
    rejected = "rejected"
    cancelled = "cancelled"


class ReviewEvent(StrEnum):
    invite = "invite"
    save_draft = "save_draft"
    submit = "submit"
    evaluate = "evaluate"
    request_clarification = "request_clarification"
    approve_step = "approve_step"  # one step of a multi-step approval chain
    approve = "approve"
    approve_with_conditions = "approve_with_conditions"
    reject = "reject"
    cancel = "cancel"


S, E = ReviewStatus, ReviewEvent

TRANSITIONS: dict[tuple[ReviewStatus, ReviewEvent], ReviewStatus] = {
    (S.open, E.invite): S.invited,
    (S.invited, E.invite): S.invited,  # a new link replaces a lost one
    (S.answering, E.invite): S.answering,
    (S.invited, E.save_draft): S.answering,
    (S.answering, E.save_draft): S.answering,
    (S.invited, E.submit): S.submitted,
    (S.answering, E.submit): S.submitted,
    (S.submitted, E.evaluate): S.evaluated,
    (S.evaluated, E.evaluate): S.evaluated,  # re-evaluation after a profile change
    (S.evaluated, E.approve_step): S.in_approval,
    (S.in_approval, E.approve_step): S.in_approval,
    (S.in_approval, E.approve): S.approved,
    (S.in_approval, E.approve_with_conditions): S.approved_with_conditions,
    (S.in_approval, E.reject): S.rejected,
    (S.in_approval, E.cancel): S.cancelled,
    (S.evaluated, E.approve): S.approved,
    (S.evaluated, E.approve_with_conditions): S.approved_with_conditions,
    (S.evaluated, E.reject): S.rejected,
    (S.evaluated, E.request_clarification): S.clarification_requested,
    (S.clarification_requested, E.invite): S.clarification_requested,  # a new link, same request
    (S.clarification_requested, E.save_draft): S.clarification_requested,
    (S.clarification_requested, E.submit): S.submitted,  # checked again, then back to the reviewer
    (S.open, E.cancel): S.cancelled,
    (S.invited, E.cancel): S.cancelled,
    (S.answering, E.cancel): S.cancelled,
    (S.submitted, E.cancel): S.cancelled,
    (S.evaluated, E.cancel): S.cancelled,
    (S.clarification_requested, E.cancel): S.cancelled,
}

FINAL_STATUSES = frozenset({S.approved, S.approved_with_conditions, S.rejected, S.cancelled})
# The vendor may read the questionnaire in these states, and write it in the writable ones.
VENDOR_WRITABLE = frozenset({S.invited, S.answering, S.clarification_requested})
VENDOR_READABLE = VENDOR_WRITABLE | {S.submitted, S.evaluated, S.in_approval} | FINAL_STATUSES
DECIDABLE = frozenset({S.evaluated, S.in_approval})


class TransitionNotAllowed(Exception):
    def __init__(self, status: ReviewStatus, event: ReviewEvent) -> None:
        super().__init__(f"'{event.value}' is not allowed while the review is '{status.value}'")
        self.status = status
        self.event = event


def next_status(status: ReviewStatus, event: ReviewEvent) -> ReviewStatus:
    """The status after `event`, or TransitionNotAllowed."""
    try:
        return TRANSITIONS[(status, event)]
    except KeyError:
        raise TransitionNotAllowed(status, event) from None


def allowed_events(status: ReviewStatus) -> list[ReviewEvent]:
    return [event for (source, event) in TRANSITIONS if source == status]
