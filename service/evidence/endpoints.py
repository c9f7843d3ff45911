"""Staff access to the evidence vendors uploaded (role-checked, scoped to the organization)."""

from __future__ import annotations

from uuid import UUID

from service.accounts.permissions import Permission, roles_for
from service.accounts.principal import Principal
from service.evidence import service
from service.evidence.inspect import MEDIA_TYPES
from service.evidence.schemas import EvidenceOut
from service.routing import Download, endpoint

TAG = "evidence"
# Legal works from the contract; the evidence is for those who vet, decide and audit.
READERS = roles_for(Permission.read_evidence)


@endpoint(
    "GET",
    "/api/reviews/{review_id}/evidence",
    summary="Evidence files of a review / 提出資料の一覧",
    tag=TAG,
    roles=READERS,
)
async def list_evidence(principal: Principal, review_id: UUID) -> list[EvidenceOut]:
    rows = await service.list_evidence(principal, str(review_id))
    return [EvidenceOut.model_validate(row, from_attributes=True) for row in rows]


@endpoint(
    "GET",
    "/api/evidence/{evidence_id}/content",
    summary="Download an evidence file / 提出資料のダウンロード",
    tag=TAG,
    roles=READERS,
    download_types=tuple(MEDIA_TYPES.values()),
)
async def download_evidence(principal: Principal, evidence_id: UUID) -> Download:
    evidence, content = await service.evidence_content(principal, str(evidence_id))
    return Download(
        content=content, media_type=evidence.media_type, filename=evidence.original_name
    )
