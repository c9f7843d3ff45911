"""Staff access to the evidence vendors uploaded (role-checked, scoped to the organization)."""

from __future__ import annotations

from uuid import UUID

from service.accounts.permissions import Permission, roles_for
from service.accounts.principal import Principal
from service.evidence import service
from service.evidence.inspect import MEDIA_TYPES, EvidenceKind, served_name
from service.evidence.models import Evidence
from service.evidence.schemas import EvidenceOut
from service.routing import Download, endpoint

TAG = "evidence"
# Legal works from the contract; the evidence is for those who vet, decide and audit.
READERS = roles_for(Permission.read_evidence)


def evidence_out(row: Evidence) -> EvidenceOut:
    kind = EvidenceKind.of_media_type(row.media_type)
    download_name = served_name(row.original_name, kind) if kind else row.original_name
    return EvidenceOut(
        id=row.id,
        review_id=row.review_id,
        question_id=row.question_id,
        sha256=row.sha256,
        size=row.size,
        media_type=row.media_type,
        original_name=row.original_name,
        download_name=download_name,
        copied_from_id=row.copied_from_id,
        uploaded_at=row.uploaded_at,
    )


@endpoint(
    "GET",
    "/api/reviews/{review_id}/evidence",
    summary="Evidence files of a review / 提出資料の一覧",
    tag=TAG,
    roles=READERS,
)
async def list_evidence(principal: Principal, review_id: UUID) -> list[EvidenceOut]:
    rows = await service.list_evidence(principal, str(review_id))
    return [evidence_out(row) for row in rows]


@endpoint(
    "GET",
    "/api/evidence/{evidence_id}/content",
    summary="Download an evidence file / 提出資料のダウンロード",
    tag=TAG,
    roles=READERS,
    download_types=tuple(MEDIA_TYPES.values()),
)
async def download_evidence(principal: Principal, evidence_id: UUID) -> Download:
    served = await service.evidence_content(principal, str(evidence_id))
    # The type and extension are those of the content, never the vendor's: a PDF named r.html
    # is handed out as r.pdf, application/pdf, as an attachment (routing adds nosniff).
    return Download(
        content=served.content,
        media_type=served.kind.media_type,
        filename=served.filename,
        ascii_filename=served.ascii_filename,
    )
