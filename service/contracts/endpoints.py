"""Contracts API for legal (契約担当)."""

from __future__ import annotations

from uuid import UUID

from service.accounts.principal import Principal
from service.accounts.roles import Role
from service.contracts import service
from service.contracts.models import Contract
from service.contracts.schemas import ContractOut
from service.engagements.models import Engagement
from service.reviews.models import Review
from service.routing import Download, endpoint

TAG = "contracts"


def contract_out(contract: Contract) -> ContractOut:
    return ContractOut.model_validate(contract, from_attributes=True)


@endpoint(
    "POST",
    "/api/reviews/{review_id}/contracts",
    summary="Generate the contract (a new version) / 契約書の作成",
    tag=TAG,
    status=201,
    roles={Role.legal},
)
async def generate_contract(principal: Principal, review_id: UUID) -> ContractOut:
    return contract_out(
        await service.generate_contract(principal=principal, review_id=str(review_id))
    )


@endpoint(
    "GET", "/api/reviews/{review_id}/contracts", summary="Contract versions of a review", tag=TAG
)
async def list_contracts(principal: Principal, review_id: UUID) -> list[ContractOut]:
    return [contract_out(c) for c in await service.list_contracts(principal, str(review_id))]


@endpoint(
    "GET",
    "/api/contracts/{contract_id}/document",
    summary="Download the .docx / 契約書のダウンロード",
    tag=TAG,
    roles={Role.legal, Role.security, Role.approver, Role.procurement, Role.auditor},
)
async def download_contract(principal: Principal, contract_id: UUID) -> Download:
    contract = await service.get_contract(principal, str(contract_id))
    review = await Review.get(id=contract.review_id)
    engagement = await Engagement.get(id=review.engagement_id)
    filename = f"{contract.title}_{engagement.number}_v{contract.version}.docx"
    return Download(content=bytes(contract.content), media_type=service.DOCX, filename=filename)
