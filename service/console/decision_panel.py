"""The decision panel of the 審査 page: whose step of the approval chain comes next, whether the
signed-in person may sign it, and the conditions pre-drafted from what fails. Kept apart from
the page, because what may be approved is the decisions domain's rule and grows with it."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import FormData

from service.accounts.permissions import Permission, may
from service.accounts.roles import Role
from service.checks.models import Outcome
from service.checks.schemas import VerdictOut
from service.reviews import service as reviews
from service.reviews.models import Review
from service.reviews.states import DECIDABLE
from service.signin.sessions import Staff


@dataclass(frozen=True)
class DecisionPanel:
    open: bool  # the review waits for a decision or a step of its chain
    step_number: int  # 1-based: the step that comes next
    step_title: str
    may_sign: bool  # the signed-in person holds the role of that step
    may_reject: bool  # any decider may stop the review at any step
    drafted_conditions: str  # one per line: the failing requirements' remediation
    failing: list[VerdictOut]  # what fails or needs review now, for the reader of the panel


async def decision_panel(
    review: Review, verdicts: list[VerdictOut], staff: Staff, posted: FormData | None
) -> DecisionPanel:
    progress = await reviews.approval_progress(review)
    waiting = review.status in DECIDABLE and progress.next_position < len(progress.chain.steps)
    step = progress.chain.steps[progress.next_position] if waiting else None
    roles = staff.principal.roles
    failing = [v for v in verdicts if v.effective_outcome in (Outcome.failed, Outcome.needs_review)]
    drafted = "\n".join(
        f"{v.requirement_id}: {v.remediation.get(staff.language) or v.remediation.get('ja', '')}"
        for v in failing
        if v.remediation.get("ja")
    )
    if posted is not None and posted.get("conditions") is not None:
        drafted = str(posted.get("conditions"))  # what the person wrote survives a refusal
    title = ""
    if step is not None:
        title = step.title.en if staff.language == "en" else step.title.ja
    return DecisionPanel(
        open=waiting,
        step_number=progress.next_position + 1,
        step_title=title,
        may_sign=step is not None and Role(step.role) in roles,
        may_reject=waiting and may(roles, Permission.decide),
        drafted_conditions=drafted,
        failing=failing,
    )
