"""審査: the review page (answers, files and verdicts side by side), and its forms: 確認依頼,
判定の上書き, the decision or the approver's step; the vendor's files downloaded with the session.

GET  /console/reviews/{review_id}                 ?only=problems shows what fails or needs review
POST /console/reviews/{review_id}/clarification   question_ids (ticked), message
POST /console/reviews/{review_id}/override        requirement_id, outcome, reason
POST /console/reviews/{review_id}/decision        decision, reason, conditions (one per line)
GET  /console/evidence/{evidence_id}              the file, as an attachment

Thin: every read and write is the domain services' (the same the API calls), and every form is
checked by the API's own request model, so a page refuses what the API refuses.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from service.accounts.models import User
from service.accounts.permissions import Permission
from service.catalog.loader import current_catalog
from service.checks import service as checks
from service.checks.schemas import OverrideCreate
from service.console.decision_panel import decision_panel
from service.console.guard import (
    allowed,
    forbidden,
    not_found,
    posted_by_signed_in,
    signed_in_staff,
    staff_context,
    words,
)
from service.console.rendering import console_url, render
from service.console.review_view import arrange, source_label
from service.decisions import service as decisions
from service.decisions.schemas import DecisionCreate
from service.engagements.models import Engagement
from service.errors import AppError, NotFound
from service.evidence import service as evidence
from service.questionnaire import service as questionnaire
from service.questionnaire.schemas import ClarificationCreate
from service.reviews import service as reviews
from service.reviews.states import ReviewEvent
from service.routing import Download, download_response
from service.signin.sessions import Staff
from service.vendors.models import Vendor

NOTICES = {"clarification", "override", "decision"}
# The fields each form has on the page (an error on another is told in the summary's text).
FORM_FIELDS = {
    "clarification": {"question_ids", "message"},
    "override": set(),  # one small form per verdict: its errors read best in the summary
    "decision": {"decision", "reason", "conditions"},
}


def _summary(action: str, errors: dict[str, str], message: str = "") -> dict[str, str]:
    """Errors keyed by the page's fields, the rest (and the refusal itself) as one line."""
    shown = {k: v for k, v in errors.items() if k in FORM_FIELDS[action]}
    rest = [f"{k}: {v}" for k, v in errors.items() if k not in FORM_FIELDS[action]]
    text = " ".join([message, *rest]).strip()
    return {"form": text, **shown} if text else shown


def _field_errors(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for problem in exc.errors():
        name = str(problem["loc"][0]) if problem["loc"] else "form"
        errors.setdefault(name, problem["msg"])
    return errors


async def _page(
    request: Request,
    staff: Staff,
    review_id: str,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
    posted: FormData | None = None,
) -> Response:
    principal = staff.principal
    try:
        review, verdicts = await checks.review_verdicts(principal, review_id)
    except NotFound:
        return not_found(staff)
    engagement = await Engagement.get(id=review.engagement_id)
    vendor = await Vendor.get(id=engagement.vendor_id)
    form = current_catalog().form(review.form_id, review.form_version)
    answer_set = await questionnaire.saved_answers(review)
    files = await evidence.list_evidence(principal, str(review.id))
    only_problems = request.query_params.get("only") == "problems"
    content = arrange(
        form,
        answer_set.answers if answer_set else {},
        files,
        verdicts,
        language=staff.language,
        only_problems=only_problems,
    )
    approvals = await reviews.approval_steps(review)
    signer_ids = {str(s.decided_by_id) for s in approvals.steps if s.decided_by_id}
    signers = {str(u.id): u.name for u in await User.filter(id__in=signer_ids)}
    notice = request.query_params.get("done", "")
    return render(
        "review.html",
        language=staff.language,
        status=status,
        page_title=f"{words(staff.language, 'review_title')} {engagement.number}",
        review=review,
        engagement=engagement,
        vendor=vendor,
        form=form,
        content=content,
        only_problems=only_problems,
        source_label=source_label,
        approvals=approvals,
        signers=signers,
        panel=await decision_panel(review, verdicts, staff, posted),
        may_clarify=allowed(staff, Permission.request_clarification),
        may_override=allowed(staff, Permission.override_verdict),
        errors=errors or {},
        notice=notice if notice in NOTICES else "",
        posted=posted,
        **staff_context(staff, request, "review"),
    )


async def review_get(request: Request) -> Response:
    staff = await signed_in_staff(request)
    if isinstance(staff, Response):
        return staff
    if not allowed(staff, Permission.read_answers):
        return forbidden(staff)
    return await _page(request, staff, str(request.path_params["review_id"]))


async def _act(request: Request, permission: Permission, action: str) -> Response:
    posted = await posted_by_signed_in(request)
    if isinstance(posted, Response):
        return posted
    staff, form = posted
    if not allowed(staff, permission) or not allowed(staff, Permission.read_answers):
        return forbidden(staff)
    review_id = str(request.path_params["review_id"])
    try:
        await _perform(staff, review_id, action, form)
    except ValidationError as exc:
        errors = _summary(action, _field_errors(exc))
        return await _page(request, staff, review_id, errors=errors, status=422, posted=form)
    except NotFound:
        return not_found(staff)
    except AppError as exc:
        return await _page(
            request,
            staff,
            review_id,
            errors=_summary(action, exc.fields, exc.detail),
            status=exc.status_code,
            posted=form,
        )
    target = console_url(f"/reviews/{review_id}") + f"?done={action}"
    return RedirectResponse(target, status_code=303)


async def _perform(staff: Staff, review_id: str, action: str, form: FormData) -> None:
    principal = staff.principal
    text: dict[str, Any] = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    if action == "clarification":
        clarification = ClarificationCreate.model_validate_json(
            json.dumps(
                {"question_ids": form.getlist("question_ids"), "message": text.get("message", "")}
            )
        )
        await questionnaire.request_clarification(
            principal=principal,
            review_id=review_id,
            question_ids=clarification.question_ids,
            message=clarification.message,
        )
    elif action == "override":
        override = OverrideCreate.model_validate_json(
            json.dumps({"outcome": text.get("outcome", ""), "reason": text.get("reason", "")})
        )
        await checks.override_verdict(
            principal=principal,
            review_id=review_id,
            requirement_id=text.get("requirement_id", ""),
            outcome=override.outcome,
            reason=override.reason,
        )
    else:
        conditions = [line.strip() for line in text.get("conditions", "").splitlines()]
        decision = DecisionCreate.model_validate_json(
            json.dumps(
                {
                    "decision": text.get("decision", ""),
                    "reason": text.get("reason", ""),
                    "conditions": [c for c in conditions if c],
                }
            )
        )
        await decisions.decide(
            principal=principal,
            review_id=review_id,
            decision=ReviewEvent(decision.decision),
            reason=decision.reason,
            conditions=decision.conditions,
        )


async def clarification_post(request: Request) -> Response:
    return await _act(request, Permission.request_clarification, "clarification")


async def override_post(request: Request) -> Response:
    return await _act(request, Permission.override_verdict, "override")


async def decision_post(request: Request) -> Response:
    return await _act(request, Permission.decide, "decision")


async def evidence_get(request: Request) -> Response:
    staff = await signed_in_staff(request)
    if isinstance(staff, Response):
        return staff
    if not allowed(staff, Permission.read_evidence):
        return forbidden(staff)
    try:
        served = await evidence.evidence_content(
            staff.principal, str(request.path_params["file_id"])
        )
    except NotFound:
        return not_found(staff)
    return download_response(
        Download(
            content=served.content,
            media_type=served.kind.media_type,
            filename=served.filename,
            ascii_filename=served.ascii_filename,
        )
    )
