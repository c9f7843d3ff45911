"""The pure review state machine: the allowed transitions and nothing else."""

from __future__ import annotations

import itertools

import pytest

from service.reviews.states import (
    FINAL_STATUSES,
    TRANSITIONS,
    VENDOR_READABLE,
    VENDOR_WRITABLE,
    ReviewEvent,
    ReviewStatus,
    TransitionNotAllowed,
    allowed_events,
    next_status,
)

S, E = ReviewStatus, ReviewEvent

# The table as specified, written out again so that a change to the code has to change this too.
EXPECTED: dict[tuple[ReviewStatus, ReviewEvent], ReviewStatus] = {
    (S.open, E.invite): S.invited,
    (S.open, E.cancel): S.cancelled,
    (S.invited, E.invite): S.invited,
    (S.invited, E.save_draft): S.answering,
    (S.invited, E.submit): S.submitted,
    (S.invited, E.cancel): S.cancelled,
    (S.answering, E.invite): S.answering,
    (S.answering, E.save_draft): S.answering,
    (S.answering, E.submit): S.submitted,
    (S.answering, E.cancel): S.cancelled,
    (S.submitted, E.evaluate): S.evaluated,
    (S.submitted, E.cancel): S.cancelled,
    (S.evaluated, E.evaluate): S.evaluated,
    (S.evaluated, E.approve): S.approved,
    (S.evaluated, E.approve_with_conditions): S.approved_with_conditions,
    (S.evaluated, E.reject): S.rejected,
    (S.evaluated, E.cancel): S.cancelled,
    (S.evaluated, E.approve_step): S.in_approval,
    (S.in_approval, E.approve_step): S.in_approval,
    (S.in_approval, E.approve): S.approved,
    (S.in_approval, E.approve_with_conditions): S.approved_with_conditions,
    (S.in_approval, E.reject): S.rejected,
    (S.in_approval, E.cancel): S.cancelled,
    (S.evaluated, E.request_clarification): S.clarification_requested,
    (S.clarification_requested, E.invite): S.clarification_requested,
    (S.clarification_requested, E.save_draft): S.clarification_requested,
    (S.clarification_requested, E.submit): S.submitted,
    (S.clarification_requested, E.cancel): S.cancelled,
}
NOT_ALLOWED = [
    pair for pair in itertools.product(ReviewStatus, ReviewEvent) if pair not in EXPECTED
]


def test_the_table_is_exactly_the_specified_one() -> None:
    assert TRANSITIONS == EXPECTED


@pytest.mark.parametrize(("pair", "target"), list(EXPECTED.items()), ids=str)
def test_every_allowed_transition(
    pair: tuple[ReviewStatus, ReviewEvent], target: ReviewStatus
) -> None:
    status, event = pair
    assert next_status(status, event) is target


@pytest.mark.parametrize("pair", NOT_ALLOWED, ids=str)
def test_every_other_pair_is_refused(pair: tuple[ReviewStatus, ReviewEvent]) -> None:
    status, event = pair
    with pytest.raises(TransitionNotAllowed) as caught:
        next_status(status, event)
    assert caught.value.status is status
    assert caught.value.event is event
    assert str(caught.value) == f"'{event.value}' is not allowed while the review is '{status}'"


def test_the_refused_pairs_are_most_of_the_grid() -> None:
    assert len(NOT_ALLOWED) == len(ReviewStatus) * len(ReviewEvent) - len(EXPECTED)
    assert len(NOT_ALLOWED) == 11 * 10 - 28


def test_final_statuses() -> None:
    assert {S.approved, S.approved_with_conditions, S.rejected, S.cancelled} == FINAL_STATUSES


@pytest.mark.parametrize("status", sorted(FINAL_STATUSES))
def test_final_statuses_allow_nothing(status: ReviewStatus) -> None:
    assert allowed_events(status) == []
    for event in ReviewEvent:
        with pytest.raises(TransitionNotAllowed):
            next_status(status, event)


@pytest.mark.parametrize(
    ("status", "events"),
    [
        (S.open, [E.invite, E.cancel]),
        (S.invited, [E.invite, E.save_draft, E.submit, E.cancel]),
        (S.answering, [E.invite, E.save_draft, E.submit, E.cancel]),
        (S.submitted, [E.evaluate, E.cancel]),
        (
            S.evaluated,
            [
                E.evaluate,
                E.approve_step,
                E.approve,
                E.approve_with_conditions,
                E.reject,
                E.request_clarification,
                E.cancel,
            ],
        ),
        (S.in_approval, [E.approve_step, E.approve, E.approve_with_conditions, E.reject, E.cancel]),
        (S.clarification_requested, [E.invite, E.save_draft, E.submit, E.cancel]),
    ],
)
def test_allowed_events(status: ReviewStatus, events: list[ReviewEvent]) -> None:
    allowed = allowed_events(status)
    assert sorted(allowed) == sorted(events)
    assert len(allowed) == len(set(allowed))
    for event in allowed:
        next_status(status, event)  # does not raise


def test_every_status_but_the_final_ones_can_be_cancelled() -> None:
    for status in ReviewStatus:
        assert (E.cancel in allowed_events(status)) is (status not in FINAL_STATUSES)


def test_every_status_can_be_reached_from_open() -> None:
    reached = {S.open}
    frontier = [S.open]
    while frontier:
        status = frontier.pop()
        for event in allowed_events(status):
            target = next_status(status, event)
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(ReviewStatus)


def test_vendor_may_write_only_while_invited_answering_or_asked_to_clarify() -> None:
    assert {S.invited, S.answering, S.clarification_requested} == VENDOR_WRITABLE
    assert VENDOR_WRITABLE <= VENDOR_READABLE
    assert S.open not in VENDOR_READABLE
    assert not VENDOR_WRITABLE & FINAL_STATUSES
    # The vendor's own writes are events the writable statuses allow.
    for status in VENDOR_WRITABLE:
        assert {E.save_draft, E.submit} <= set(allowed_events(status))


def test_a_clarification_goes_back_to_the_vendor_and_through_the_checks_again() -> None:
    status = next_status(S.evaluated, E.request_clarification)
    assert status is S.clarification_requested
    assert status in VENDOR_WRITABLE
    status = next_status(next_status(status, E.save_draft), E.submit)
    assert status is S.submitted
    assert next_status(status, E.evaluate) is S.evaluated
    # Only the reviewer's evaluated round can be sent back; a decided one cannot.
    for source in ReviewStatus:
        allowed = E.request_clarification in allowed_events(source)
        assert allowed is (source is S.evaluated)
