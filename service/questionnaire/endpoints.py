"""Invitations (internal) and the vendor's questionnaire API (link only, no account)."""

from __future__ import annotations

from uuid import UUID

from service.accounts.principal import Principal
from service.accounts.roles import Role
from service.questionnaire import service
from service.questionnaire.models import Invitation
from service.questionnaire.schemas import (
    AnswersUpdate,
    InvitationCreate,
    InvitationCreated,
    InvitationOut,
    Questionnaire,
    SubmissionReceipt,
)
from service.reviews.states import VENDOR_WRITABLE
from service.routing import endpoint

TAG = "questionnaire"


def invitation_out(invitation: Invitation) -> InvitationOut:
    return InvitationOut.model_validate(invitation, from_attributes=True)


@endpoint(
    "POST",
    "/api/reviews/{review_id}/invitations",
    summary="Invite the vendor: returns the link once / 事業者への回答依頼",
    tag=TAG,
    status=201,
    roles={Role.procurement},
)
async def create_invitation(
    principal: Principal, review_id: UUID, body: InvitationCreate
) -> InvitationCreated:
    issued = await service.create_invitation(
        principal=principal, review_id=str(review_id), data=body
    )
    return InvitationCreated(**invitation_out(issued.invitation).model_dump(), url=issued.url)


@endpoint(
    "DELETE",
    "/api/invitations/{invitation_id}",
    summary="Revoke a vendor link / 回答依頼リンクの無効化",
    tag=TAG,
    roles={Role.procurement},
)
async def revoke_invitation(principal: Principal, invitation_id: UUID) -> None:
    await service.revoke_invitation(principal=principal, invitation_id=str(invitation_id))


async def _questionnaire(session: service.VendorSession) -> Questionnaire:
    answer_set = await service.saved_answers(session.review)
    engagement = await session.review.engagement
    return Questionnaire(
        organization_name=await service.organization_name(session.review),
        service_name=engagement.service_name,
        status=session.review.status,
        editable=session.review.status in VENDOR_WRITABLE,
        expires_at=session.invitation.expires_at,
        form=session.form,
        answers=answer_set.answers if answer_set else {},
        submitted_at=answer_set.submitted_at if answer_set else None,
    )


@endpoint(
    "GET",
    "/api/vendor/{token}",
    summary="The questionnaire behind a link / 質問票",
    tag=TAG,
    auth="vendor",
)
async def vendor_questionnaire(token: str) -> Questionnaire:
    return await _questionnaire(await service.open_link(token))


@endpoint(
    "PATCH",
    "/api/vendor/{token}/answers",
    summary="Save a draft of answers / 回答の一時保存",
    tag=TAG,
    auth="vendor",
)
async def vendor_save_answers(token: str, body: AnswersUpdate) -> Questionnaire:
    session = await service.open_link(token)
    await service.save_draft(session=session, answers=body.answers)
    return await _questionnaire(session)


@endpoint(
    "POST",
    "/api/vendor/{token}/submit",
    summary="Submit the answers (locks them) / 回答の提出",
    tag=TAG,
    auth="vendor",
)
async def vendor_submit(token: str) -> SubmissionReceipt:
    session = await service.open_link(token)
    review = await service.submit(session=session)
    assert review.submitted_at is not None
    return SubmissionReceipt(
        receipt_number=service.receipt_number(review),
        submitted_at=review.submitted_at,
        status=review.status,
    )
