"""Contracts API for legal (契約担当)."""

from __future__ import annotations

from uuid import UUID

from service.accounts.permissions import Permission, roles_for
from service.accounts.principal import Principal
from service.accounts.roles import Role
from service.contracts import service
from service.contracts.models import Contract
from service.contracts.schemas import (
    ContractDiffOut,
    ContractOut,
    ContractRef,
    GenerateQuery,
    LegalReviewItem,
)
from service.contracts.settings import ContractSettings
from service.engagements.models import Engagement
from service.reviews.models import Review
from service.routing import Download, endpoint

TAG = "contracts"
READERS = roles_for(Permission.read_contracts)


def contract_out(contract: Contract) -> ContractOut:
    out = ContractOut.model_validate(
        {
            "id": contract.id,
            "review_id": contract.review_id,
            "version": contract.version,
            "title": contract.title,
            "template_id": contract.template_id,
            "template_version": contract.template_version,
            "parts": contract.parts,
            "clauses": contract.clauses,
            "values": contract.values,
            "conditions": contract.conditions,
            "mandated_not_carried": contract.mandated_not_carried,
            "legal_review": [],
            "sha256": contract.sha256,
            "created_at": contract.created_at,
        }
    )
    out.legal_review = [
        LegalReviewItem(part=clause.part, clause=clause.id, title=clause.title, note=note)
        for clause in out.clauses
        for note in clause.legal_review
    ]
    return out


def contract_ref(contract: Contract) -> ContractRef:
    return ContractRef.model_validate(contract, from_attributes=True)


@endpoint(
    "GET",
    "/api/organizations/{organization_id}/contract-settings",
    summary="What contracts say about the organization, and its own terms / 契約書の団体設定",
    tag=TAG,
)
async def get_contract_settings(principal: Principal, organization_id: UUID) -> ContractSettings:
    return await service.get_contract_settings(principal, str(organization_id))


@endpoint(
    "PATCH",
    "/api/organizations/{organization_id}/contract-settings",
    summary="Change contract settings (only those named; null clears one) / 契約書の団体設定の変更",
    tag=TAG,
    roles={Role.admin},
)
async def update_contract_settings(
    principal: Principal, organization_id: UUID, body: ContractSettings
) -> ContractSettings:
    return await service.update_contract_settings(principal, str(organization_id), body)


@endpoint(
    "POST",
    "/api/reviews/{review_id}/contracts",
    summary="Generate the contract; again = a new version / 契約書の作成・再作成",
    tag=TAG,
    status=201,
    roles=roles_for(Permission.generate_contract),
)
async def generate_contract(
    principal: Principal, review_id: UUID, query: GenerateQuery
) -> ContractOut:
    return contract_out(
        await service.generate_contract(
            principal=principal,
            review_id=str(review_id),
            responsibility_matrix=query.responsibility_matrix,
        )
    )


@endpoint(
    "GET",
    "/api/reviews/{review_id}/contracts",
    summary="Contract versions of a review, oldest first / 契約書の版の一覧",
    tag=TAG,
    roles=READERS,
)
async def list_contracts(principal: Principal, review_id: UUID) -> list[ContractOut]:
    return [contract_out(c) for c in await service.list_contracts(principal, str(review_id))]


@endpoint(
    "GET",
    "/api/contracts/{contract_id}",
    summary="One contract version: clauses, values, SHA-256 / 契約書の版",
    tag=TAG,
    roles=READERS,
)
async def get_contract(principal: Principal, contract_id: UUID) -> ContractOut:
    return contract_out(await service.get_contract(principal, str(contract_id)))


@endpoint(
    "GET",
    "/api/contracts/{contract_id}/document",
    summary="Download the .docx / 契約書のダウンロード",
    tag=TAG,
    roles=READERS,
)
async def download_contract(principal: Principal, contract_id: UUID) -> Download:
    contract = await service.get_contract(principal, str(contract_id))
    review = await Review.get(id=contract.review_id)
    engagement = await Engagement.get(id=review.engagement_id)
    suffix = f"{engagement.number}_v{contract.version}.docx"
    return Download(
        content=bytes(contract.content),
        media_type=service.DOCX,
        filename=f"{contract.title}_{suffix}",
        ascii_filename=f"contract_{suffix}",
    )


@endpoint(
    "GET",
    "/api/contracts/{contract_id}/diff/{base_contract_id}",
    summary="What changed from the base version to this one / 版の比較",
    tag=TAG,
    roles=READERS,
)
async def diff_contracts(
    principal: Principal, contract_id: UUID, base_contract_id: UUID
) -> ContractDiffOut:
    base, contract, changes = await service.compare_contracts(
        principal, str(contract_id), str(base_contract_id)
    )
    return ContractDiffOut.model_validate(
        {
            "base": contract_ref(base),
            "contract": contract_ref(contract),
            "same_document": base.sha256 == contract.sha256,
            **service.changes_as_dict(changes),
        }
    )
