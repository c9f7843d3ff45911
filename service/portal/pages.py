"""The vendor portal's pages: thin handlers over questionnaire.service, rendered on the server.

GET  /v/{token}      exchange the link for a session cookie, then redirect to /v/
GET  /v/             overview with progress per section
GET  /v/s/{section}  one section's questions;  POST saves it (multipart, files included)
GET  /v/confirm      every answer read back, what is missing;  POST /v/submit submits
GET  /v/receipt      the printable confirmation with the receipt number (受付番号)
POST /v/language     Japanese / English;  POST /v/logout  ends the session
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from service import throttling
from service.catalog.forms import Question, QuestionType, Section
from service.catalog.text import Text
from service.config import get_settings
from service.errors import NotFound, ValidationFailed
from service.evidence import service as evidence_service
from service.evidence.inspect import EvidenceRefused
from service.evidence.models import Evidence
from service.evidence.storage import UploadTooLarge
from service.portal import sessions
from service.portal.answer_input import SectionInput, blank_row_slots, read_section
from service.portal.form_reader import PostedForm, discard, read_form
from service.portal.i18n import Language, Translator, size_text
from service.portal.rendering import message_page, portal_url, render
from service.portal.sessions import Portal
from service.portal.view import (
    AttachedFile,
    QuestionView,
    form_progress,
    given,
    missing_required,
    next_section,
    previous_section,
    question_view,
    section_progress,
    visible_questions,
)
from service.questionnaire import service as questionnaire
from service.questionnaire.models import Clarification, Submission
from service.reviews.states import VENDOR_WRITABLE
from service.throttling import SecretKind

REQUIRED = Text(ja="この質問は回答が必須です。", en="This question is required.")
LINK_TOKEN = re.compile(r"vl_[A-Za-z0-9_-]{20,100}")


async def _portal(request: Request) -> Portal:
    cookie = request.cookies.get(sessions.cookie_name())
    if cookie is None:  # nothing presented, nothing guessed
        return await sessions.resume_session(None)
    # The session cookie is a secret like the link it was exchanged for, with the same budget.
    async with throttling.guard(request, SecretKind.vendor_link):
        return await sessions.resume_session(cookie)


@dataclass
class Page:
    """What every page of one session shows around its own content."""

    portal: Portal
    answers: dict[str, Any]
    prefilled_from_round: int | None
    clarification: Clarification | None
    latest_submission: Submission | None
    evidence: dict[str, Evidence]
    context: dict[str, Any]

    @property
    def editable(self) -> bool:
        return self.portal.vendor.review.status in VENDOR_WRITABLE


async def _page(portal: Portal, current: str, here: str) -> Page:
    vendor = portal.vendor
    answer_set = await questionnaire.saved_answers(vendor.review)
    answers = dict(answer_set.answers) if answer_set else {}
    clarification = await questionnaire.open_clarification(vendor.review)
    latest = await questionnaire.latest_submission(vendor.review)
    file_ids = [
        i
        for q in vendor.form.questions
        if q.type == QuestionType.file
        for source in (answers, latest.answers if latest else {})
        for i in (source.get(q.id) or [])
    ]
    evidence = await evidence_service.evidence_of(str(vendor.review.id), file_ids)
    asked = set(clarification.question_ids) if clarification else set()
    form = vendor.form
    engagement = await vendor.review.engagement
    editable = vendor.review.status in VENDOR_WRITABLE
    context = {
        "portal": portal,
        "csrf": portal.session.csrf_token,
        "here": here,
        "current": current,
        "form": form,
        "organization_name": await questionnaire.organization_name(vendor.review),
        "service_name": engagement.service_name,
        "editable": editable,
        "expires_at": vendor.invitation.expires_at,
        "progress": form_progress(form, answers),
        "nav": [
            {
                "section": s,
                "progress": section_progress(s, answers),
                "clarify": editable and any(q.id in asked for q in s.questions),
            }
            for s in form.sections
        ],
        "clarification": clarification,
        "clarification_questions": [
            {"section": s, "question": q}
            for s in form.sections
            for q in s.questions
            if q.id in asked
        ],
        "prefilled_from_round": answer_set.prefilled_from_round if answer_set else None,
        "evidence": evidence,
        "answers": answers,
        "latest_submission": latest,
    }
    return Page(
        portal=portal,
        answers=answers,
        prefilled_from_round=answer_set.prefilled_from_round if answer_set else None,
        clarification=clarification,
        latest_submission=latest,
        evidence=evidence,
        context=context,
    )


def _show(page: Page, template: str, status: int = 200, **extra: Any) -> Response:
    return render(
        template, language=page.portal.language, status=status, **{**page.context, **extra}
    )


# --- the link ----------------------------------------------------------------------------------


async def open_link(request: Request) -> Response:
    """The invitation link: swap the token for a session cookie and leave the token behind."""
    token = request.path_params["token"]
    if not LINK_TOKEN.fullmatch(token):
        raise NotFound("no such page")
    language: Language = "en" if request.query_params.get("lang") == "en" else "ja"
    async with throttling.guard(request, SecretKind.vendor_link):
        secret, session = await sessions.start_session(
            token, language=language, replacing=request.cookies.get(sessions.cookie_name())
        )
    response = RedirectResponse(portal_url("/"), status_code=303)
    lifetime = int((session.expires_at - session.created_at).total_seconds())
    response.set_cookie(
        sessions.cookie_name(),
        secret,
        max_age=max(lifetime, 60),
        path="/",
        secure=sessions.https(),
        httponly=True,
        samesite="lax",
    )
    return response


# --- overview ----------------------------------------------------------------------------------


async def home(request: Request) -> Response:
    portal = await _portal(request)
    page = await _page(portal, "home", portal_url("/"))
    form = portal.vendor.form
    unfinished = [s for s in form.sections if section_progress(s, page.answers).missing_required]
    resume = unfinished[0] if unfinished else form.sections[0]
    translate = Translator(portal.language)
    return _show(page, "home.html", page_title=translate.text(form.title), resume_section=resume)


# --- one section -------------------------------------------------------------------------------


def _section(portal: Portal, section_id: str) -> Section:
    section = next((s for s in portal.vendor.form.sections if s.id == section_id), None)
    if section is None:
        raise NotFound("no such section")
    return section


def _attached(page: Page, question: Question, answers: dict[str, Any]) -> list[AttachedFile]:
    files: list[AttachedFile] = []
    if question.type != QuestionType.file:
        return files
    for evidence_id in answers.get(question.id) or []:
        row = page.evidence.get(evidence_id)
        if row is not None:
            files.append(AttachedFile(evidence_id, row.original_name, row.size, row.sha256))
    return files


def _section_page(
    page: Page,
    section: Section,
    *,
    posted: PostedForm | None = None,
    errors: dict[str, Text] | None = None,
    status: int = 200,
    notice: str = "",
    check: bool = False,
    extra_rows: dict[str, int] | None = None,
    **flags: Any,
) -> Response:
    answers = page.answers
    errors = dict(errors or {})
    shown = visible_questions(section, answers)
    if check:  # arrived from the confirmation page: say which required questions are open
        present = given(answers)
        for q in shown:
            if q.is_required(present) and q.id not in present and q.id not in errors:
                errors[q.id] = REQUIRED
    asked = set(page.clarification.question_ids) if page.clarification else set()
    views: list[QuestionView] = [
        question_view(
            q,
            answers=answers,
            posted=posted.fields if posted else None,
            error=errors.get(q.id),
            clarify=page.editable and q.id in asked,
            files=_attached(page, q, answers),
            extra_rows=(extra_rows or {}).get(q.id, 0),
        )
        for q in shown
    ]
    translate = Translator(page.portal.language)
    return _show(
        page,
        "section.html",
        status=status,
        page_title=f"{section.id}. {translate.text(section.title)}",
        section=section,
        section_progress=section_progress(section, answers),
        views=views,
        error_list=[v for v in views if v.error is not None],
        # Errors of questions no longer on the page (e.g. hidden meanwhile) are still said.
        other_errors=[e for key, e in errors.items() if key not in {v.id for v in views}],
        notice=notice,
        next_section=next_section(page.portal.vendor.form, section),
        previous_section=previous_section(page.portal.vendor.form, section),
        saved=flags.get("saved", False),
        more=flags.get("more", False),
        uploads_dropped=flags.get("uploads_dropped", False),
    )


async def section_get(request: Request) -> Response:
    portal = await _portal(request)
    section = _section(portal, request.path_params["section_id"])
    page = await _page(portal, section.id, portal_url(f"/s/{section.id}"))
    query = request.query_params
    extra_rows: dict[str, int] = {}
    question_id, _, count = query.get("add", "").partition(":")
    if count.isdigit():
        extra_rows[question_id] = min(int(count), 20)
    return _section_page(
        page,
        section,
        saved=query.get("saved") == "1",
        more=query.get("more") == "1",
        check=query.get("check") == "1",
        extra_rows=extra_rows,
    )


async def _read(request: Request, portal: Portal) -> PostedForm:
    settings = get_settings()
    return await read_form(
        request,
        csrf_ok=lambda token: sessions.csrf_matches(portal.session, token),
        store=evidence_service.evidence_store(),
        file_limit=settings.upload_max_bytes,
        field_limit=settings.max_body_bytes,
    )


async def _check_uploads(
    posted: PostedForm, questions: dict[str, Question], detach: dict[str, list[str]], page: Page
) -> tuple[list[tuple[str, evidence_service.CheckedUpload]], dict[str, Text]]:
    """Every new file checked by content and against its question; errors by question."""
    checked: list[tuple[str, evidence_service.CheckedUpload]] = []
    errors: dict[str, Text] = {}
    for upload in posted.uploads:
        question = questions.get(upload.question_id)
        if question is None or question.type != QuestionType.file:
            continue  # not a file question this page showed: ignored, and removed below
        try:
            item = await evidence_service.check_upload(upload, question)
        except EvidenceRefused as refused:
            name = upload.raw_name
            errors[question.id] = Text(
                ja=f"「{name}」: {refused.message.ja}", en=f"“{name}”: {refused.message.en}"
            )
            continue
        checked.append((question.id, item))
    for question_id, question in questions.items():
        if question.type != QuestionType.file or question_id in errors:
            continue
        kept = [
            i for i in page.answers.get(question_id) or [] if i not in detach.get(question_id, [])
        ]
        new = [item for qid, item in checked if qid == question_id]
        known = {page.evidence[i].sha256 for i in kept if i in page.evidence}
        hashes = [item.upload.sha256 for item in new]
        if len(set(hashes)) != len(hashes) or known & set(hashes):
            errors[question_id] = Text(
                ja="同じ内容のファイルが既に添付されています。",
                en="A file with the same content is already attached.",
            )
        elif len(kept) + len(new) > question.max_files:
            errors[question_id] = Text(
                ja=f"この質問に添付できるファイルは {question.max_files} 件までです。",
                en=f"This question takes at most {question.max_files} files.",
            )
    return checked, errors


def _after_save(
    action: str, page: Page, section: Section, before: set[str], posted: PostedForm
) -> str:
    form = page.portal.vendor.form
    here = f"/s/{section.id}"
    if action.startswith("add_row:"):
        question = next((q for q in section.questions if q.id == action[8:]), None)
        if question is not None and question.type == QuestionType.rows:
            # Blank rows the vendor left stay, and one more comes on top.
            blanks = blank_row_slots(question, posted.fields)
            return portal_url(f"{here}?saved=1&add={question.id}:{blanks}#q-{question.id}")
    if action != "next":
        return portal_url(f"{here}?saved=1")
    present = given(page.answers)
    appeared = [
        q
        for q in visible_questions(section, page.answers)
        if q.id not in before and q.id not in present
    ]
    if appeared:  # the answers just saved brought up more questions here: stay for them
        return portal_url(f"{here}?saved=1&more=1#q-{appeared[0].id}")
    following = next_section(form, section)
    return portal_url(f"/s/{following.id}" if following else "/confirm")


async def section_post(request: Request) -> Response:
    portal = await _portal(request)
    section = _section(portal, request.path_params["section_id"])
    page = await _page(portal, section.id, portal_url(f"/s/{section.id}"))
    if not page.editable:
        return message_page("conflict", 409)
    try:
        posted = await _read(request, portal)
    except UploadTooLarge as too_large:
        # The rest of the request is not read: nothing of it is kept.
        limit = size_text(too_large.limit)
        error = Text(
            ja=f"ファイルが大きすぎます（1ファイル {limit} まで）。入力内容は保存されていません。",
            en=f"The file is too large (up to {limit} per file). Nothing was saved.",
        )
        response = _section_page(page, section, errors={too_large.question_id: error}, status=413)
        response.headers["connection"] = "close"
        return response
    try:
        return await _save_section(request, page, section, posted)
    finally:
        discard(posted)  # files not placed as evidence are removed from incoming/


async def _save_section(
    request: Request, page: Page, section: Section, posted: PostedForm
) -> Response:
    portal = page.portal
    action = posted.get("action", "save")
    if action == "language":
        await sessions.set_language(portal.session, "en" if portal.language == "ja" else "ja")
    before_visible = {q.id for q in visible_questions(section, page.answers)}
    shown_ids = set(posted.get("shown").split(",")) & before_visible
    shown = [q for q in section.questions if q.id in shown_ids]
    reading: SectionInput = read_section(shown, posted.fields, current=page.answers)
    checked, upload_errors = await _check_uploads(
        posted, {q.id: q for q in shown}, reading.detach, page
    )
    errors = {**upload_errors, **reading.errors}
    if not errors:
        try:
            await questionnaire.save_draft(
                session=portal.vendor,
                answers=reading.answers,
                uploads=checked,
                detach=reading.detach,
            )
        except ValidationFailed as failed:
            errors = {
                key.removeprefix("answers."): Text(ja=reason, en=reason)
                for key, reason in failed.fields.items()
            }
    if errors:
        return _section_page(
            page,
            section,
            posted=posted,
            errors=errors,
            status=422,
            uploads_dropped=bool(posted.uploads),
        )
    saved = await questionnaire.saved_answers(portal.vendor.review)
    page.answers = dict(saved.answers) if saved else {}
    target = _after_save(action, page, section, before_visible, posted)
    return RedirectResponse(target, status_code=303)


# --- confirmation, submission, receipt ---------------------------------------------------------


def _summary(form_sections: list[Section], answers: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"section": s, "questions": visible_questions(s, answers)}
        for s in form_sections
        if visible_questions(s, answers)
    ]


async def confirm_get(request: Request) -> Response:
    portal = await _portal(request)
    return await _confirm_page(portal)


async def _confirm_page(portal: Portal, *, submit_failed: bool = False) -> Response:
    page = await _page(portal, "confirm", portal_url("/confirm"))
    form = portal.vendor.form
    translate = Translator(portal.language)
    return _show(
        page,
        "confirm.html",
        status=422 if submit_failed else 200,
        page_title=translate("confirm_title"),
        missing=missing_required(form, page.answers),
        summary=_summary(form.sections, page.answers),
        submit_failed=submit_failed,
    )


async def submit_post(request: Request) -> Response:
    portal = await _portal(request)
    posted = await _read(request, portal)
    discard(posted)
    if portal.vendor.review.status not in VENDOR_WRITABLE:
        return message_page("conflict", 409)
    try:
        await questionnaire.submit(session=portal.vendor)
    except ValidationFailed:
        return await _confirm_page(portal, submit_failed=True)
    return RedirectResponse(portal_url("/receipt"), status_code=303)


async def receipt_get(request: Request) -> Response:
    portal = await _portal(request)
    page = await _page(portal, "receipt", portal_url("/receipt"))
    submission = page.latest_submission
    if submission is None:
        return RedirectResponse(portal_url("/"), status_code=303)
    form = portal.vendor.form
    translate = Translator(portal.language)
    return _show(
        page,
        "receipt.html",
        page_title=f"{translate('receipt_number')} {submission.receipt_number}",
        submission=submission,
        answers=submission.answers,
        summary=_summary(form.sections, submission.answers),
    )


# --- language and sign-out ---------------------------------------------------------------------


def _safe_next(raw: str) -> str:
    """Only our own portal pages: never an address elsewhere (no open redirect)."""
    base = portal_url("/")
    if raw.startswith(base) and "//" not in raw[1:] and "\\" not in raw:
        return raw
    return base


async def language_post(request: Request) -> Response:
    portal = await _portal(request)
    posted = await _read(request, portal)
    discard(posted)
    await sessions.set_language(portal.session, posted.get("lang"))
    return RedirectResponse(_safe_next(posted.get("next")), status_code=303)


async def logout_post(request: Request) -> Response:
    portal = await _portal(request)
    posted = await _read(request, portal)
    discard(posted)
    await sessions.end_session(portal)
    response = message_page("signed_out", 200)
    response.delete_cookie(
        sessions.cookie_name(), path="/", secure=sessions.https(), httponly=True, samesite="lax"
    )
    return response
