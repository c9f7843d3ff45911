"""Opening review rounds, invitations, clarifications (internal) and the vendor's questionnaire
API (link only)."""

from __future__ import annotations

from uuid import UUID

from service.accounts.permissions import Permission, roles_for
from service.accounts.principal import Principal
from service.questionnaire import clarifications, service
from service.questionnaire.models import Clarification, Invitation, Submission
from service.questionnaire.schemas import (
    AnswersUpdate,
    ClarificationCreate,
    ClarificationOut,
    InvitationCreate,
    InvitationCreated,
    InvitationOut,
    InvitationResend,
    Questionnaire,
    SubmissionOut,
    SubmissionReceipt,
    VendorClarification,
)
from service.reviews.schemas import ReviewOut
from service.reviews.service import get_review
from service.reviews.states import VENDOR_WRITABLE
from service.routing import endpoint

TAG = "questionnaire"
# Procurement sends links; the security reviewer may replace or withdraw them too.


def invitation_out(invitation: Invitation) -> InvitationOut:
    return InvitationOut.model_validate(invitation, from_attributes=True)


def issued_out(issued: service.IssuedInvitation) -> InvitationCreated:
    return InvitationCreated(
        **invitation_out(issued.invitation).model_dump(), url=issued.url, api_url=issued.api_url
    )


def clarification_out(clarification: Clarification) -> ClarificationOut:
    return ClarificationOut.model_validate(clarification, from_attributes=True)


@endpoint(
    "POST",
    "/api/engagements/{engagement_id}/reviews",
    summary="Open a review round / 審査ラウンドを開始",
    tag="reviews",
    status=201,
    roles=roles_for(Permission.open_round),
)
async def open_review(principal: Principal, engagement_id: UUID) -> ReviewOut:
    review = await service.open_review(principal=principal, engagement_id=str(engagement_id))
    return ReviewOut.model_validate(review, from_attributes=True)


@endpoint(
    "POST",
    "/api/reviews/{review_id}/invitations",
    summary="Invite the vendor: returns the link once / 事業者への回答依頼",
    tag=TAG,
    status=201,
    roles=roles_for(Permission.invite_vendor),
)
async def create_invitation(
    principal: Principal, review_id: UUID, body: InvitationCreate
) -> InvitationCreated:
    issued = await service.create_invitation(
        principal=principal, review_id=str(review_id), data=body
    )
    return issued_out(issued)


@endpoint(
    "GET",
    "/api/reviews/{review_id}/invitations",
    summary="Links issued for a review (never the secret) / 回答依頼リンクの一覧",
    tag=TAG,
)
async def list_invitations(principal: Principal, review_id: UUID) -> list[InvitationOut]:
    return [invitation_out(i) for i in await service.list_invitations(principal, str(review_id))]


@endpoint(
    "POST",
    "/api/invitations/{invitation_id}/resend",
    summary="Replace a link: a new one is returned once, the old one stops / リンクの再発行",
    tag=TAG,
    status=201,
    roles=roles_for(Permission.manage_links),
)
async def resend_invitation(
    principal: Principal, invitation_id: UUID, body: InvitationResend
) -> InvitationCreated:
    issued = await service.resend_invitation(
        principal=principal,
        invitation_id=str(invitation_id),
        expires_in_days=body.expires_in_days,
    )
    return issued_out(issued)


@endpoint(
    "DELETE",
    "/api/invitations/{invitation_id}",
    summary="Revoke a vendor link / 回答依頼リンクの無効化",
    tag=TAG,
    roles=roles_for(Permission.manage_links),
)
async def revoke_invitation(principal: Principal, invitation_id: UUID) -> None:
    await service.revoke_invitation(principal=principal, invitation_id=str(invitation_id))


@endpoint(
    "POST",
    "/api/reviews/{review_id}/clarifications",
    summary="Send the answers back with a request on chosen questions / 確認依頼",
    tag=TAG,
    status=201,
    roles=roles_for(Permission.request_clarification),
)
async def request_clarification(
    principal: Principal, review_id: UUID, body: ClarificationCreate
) -> ClarificationOut:
    clarification = await clarifications.request_clarification(
        principal=principal,
        review_id=str(review_id),
        question_ids=body.question_ids,
        message=body.message,
    )
    return clarification_out(clarification)


@endpoint(
    "GET",
    "/api/reviews/{review_id}/clarifications",
    summary="Clarification requests of a review / 確認依頼の一覧",
    tag=TAG,
)
async def list_clarifications(principal: Principal, review_id: UUID) -> list[ClarificationOut]:
    rows = await clarifications.list_clarifications(principal, str(review_id))
    return [clarification_out(c) for c in rows]


@endpoint(
    "GET",
    "/api/reviews/{review_id}/submissions",
    summary="Every submission of the answers, as locked / 提出履歴",
    tag=TAG,
    roles=roles_for(Permission.read_answers),
)
async def list_submissions(principal: Principal, review_id: UUID) -> list[SubmissionOut]:
    review = await get_review(principal, str(review_id))
    rows = await Submission.filter(review_id=review.id).order_by("number")
    return [SubmissionOut.model_validate(s, from_attributes=True) for s in rows]


async def _questionnaire(session: service.VendorSession) -> Questionnaire:
    answer_set = await service.saved_answers(session.review)
    engagement = await session.review.engagement
    clarification = await service.open_clarification(session.review)
    return Questionnaire(
        organization_name=await service.organization_name(session.review),
        service_name=engagement.service_name,
        status=session.review.status,
        editable=session.review.status in VENDOR_WRITABLE,
        expires_at=session.invitation.expires_at,
        form=session.form,
        answers=answer_set.answers if answer_set else {},
        submitted_at=answer_set.submitted_at if answer_set else None,
        clarification=VendorClarification.model_validate(clarification, from_attributes=True)
        if clarification
        else None,
        prefilled_from_round=answer_set.prefilled_from_round if answer_set else None,
    )


@endpoint(
    "GET",
    "/api/vendor/{token}",
    summary="The questionnaire behind a link / 質問票",
    tag=TAG,
    auth="vendor",
    opens=service.open_link,
)
async def vendor_questionnaire(token: str, opened: service.VendorSession) -> Questionnaire:
    return await _questionnaire(opened)


@endpoint(
    "PATCH",
    "/api/vendor/{token}/answers",
    summary="Save a draft of answers / 回答の一時保存",
    tag=TAG,
    auth="vendor",
    opens=service.open_link,
)
async def vendor_save_answers(
    token: str, opened: service.VendorSession, body: AnswersUpdate
) -> Questionnaire:
    await service.save_draft(session=opened, answers=body.answers)
    return await _questionnaire(opened)


@endpoint(
    "POST",
    "/api/vendor/{token}/submit",
    summary="Submit the answers (locks them) / 回答の提出",
    tag=TAG,
    auth="vendor",
    opens=service.open_link,
)
async def vendor_submit(token: str, opened: service.VendorSession) -> SubmissionReceipt:
    session = opened
    submission = await service.submit(session=session)
    return SubmissionReceipt(
        receipt_number=submission.receipt_number,
        submitted_at=submission.submitted_at,
        status=session.review.status,
    )
