"""ISMAP list API: snapshots, the status of a registration number, name candidates, imports."""

from __future__ import annotations

from dataclasses import asdict
from uuid import UUID

from service.accounts.principal import Principal
from service.accounts.roles import Role
from service.ismap import service
from service.ismap.listing import ListedService
from service.ismap.models import IsmapSnapshot
from service.ismap.schemas import (
    CandidateOut,
    CandidatesQuery,
    ChangeOut,
    EntryOut,
    ImportOut,
    ImportRequest,
    LayoutOut,
    ProblemOut,
    SnapshotDetailOut,
    SnapshotOut,
    SnapshotRefOut,
    StatusOut,
    StatusQuery,
    TextOut,
)
from service.routing import endpoint

TAG = "ismap"


def _label(snapshot: IsmapSnapshot) -> TextOut:
    return TextOut.model_validate(asdict(service.snapshot_info(snapshot).label))


def snapshot_out(snapshot: IsmapSnapshot, *, latest_id: UUID | None) -> SnapshotOut:
    return SnapshotOut(
        id=snapshot.id,
        source=snapshot.source,
        sha256=snapshot.sha256,
        size_bytes=snapshot.size_bytes,
        imported_at=snapshot.imported_at,
        imported_by=snapshot.imported_by,
        published_on=snapshot.published_on,
        row_count=snapshot.row_count,
        problem_count=len(snapshot.problems),
        previous_snapshot_id=snapshot.previous_snapshot_id,
        change_counts=service.change_counts(snapshot),
        is_latest=snapshot.id == latest_id,
        label=_label(snapshot),
    )


def snapshot_detail_out(snapshot: IsmapSnapshot, *, latest_id: UUID | None) -> SnapshotDetailOut:
    return SnapshotDetailOut(
        **snapshot_out(snapshot, latest_id=latest_id).model_dump(),
        layouts=[LayoutOut.model_validate(layout) for layout in snapshot.layouts],
        problems=[ProblemOut.model_validate(problem) for problem in snapshot.problems],
        changes=[ChangeOut.model_validate(change) for change in snapshot.changes],
    )


def entry_out(entry: ListedService) -> EntryOut:
    return EntryOut.model_validate(entry, from_attributes=True)


async def _latest_id() -> UUID | None:
    latest = await service.latest_snapshot()
    return latest.id if latest else None


@endpoint(
    "GET",
    "/api/ismap/snapshots",
    summary="Imported snapshots of the ISMAP list, newest first / ISMAPリストの取込履歴",
    tag=TAG,
)
async def list_ismap_snapshots(principal: Principal) -> list[SnapshotOut]:
    latest_id = await _latest_id()
    return [snapshot_out(s, latest_id=latest_id) for s in await service.list_snapshots()]


@endpoint(
    "GET",
    "/api/ismap/snapshots/{snapshot_id}",
    summary="One snapshot: how it was read, unreadable rows, changes / 取込結果の詳細",
    tag=TAG,
)
async def get_ismap_snapshot(principal: Principal, snapshot_id: UUID) -> SnapshotDetailOut:
    snapshot = await service.get_snapshot(str(snapshot_id))
    return snapshot_detail_out(snapshot, latest_id=await _latest_id())


@endpoint(
    "GET",
    "/api/ismap/status",
    summary="Is a registration number on the latest ISMAP list and valid? / 登録番号の照合",
    tag=TAG,
)
async def ismap_status(principal: Principal, query: StatusQuery) -> StatusOut:
    status = await service.registration_status(query.number, query.on)
    snapshot = status.snapshot
    return StatusOut(
        query=status.query,
        on=status.on,
        match=status.match,
        listed=status.listed,
        valid=status.valid,
        number_updated=status.number_updated,
        expires_on=status.expires_on,
        entry=entry_out(status.entry) if status.entry else None,
        reason=TextOut.model_validate(asdict(status.reason)),
        warnings=[TextOut.model_validate(asdict(w)) for w in status.warnings],
        snapshot=SnapshotRefOut(
            id=UUID(snapshot.id),
            imported_at=snapshot.imported_at,
            published_on=snapshot.published_on,
            sha256=snapshot.sha256,
            label=TextOut.model_validate(asdict(snapshot.label)),
        ),
    )


@endpoint(
    "GET",
    "/api/ismap/candidates",
    summary="Listed services resembling a provider / service name: to confirm, never automatic "
    "/ 名称による候補（要確認）",
    tag=TAG,
)
async def ismap_candidates(principal: Principal, query: CandidatesQuery) -> list[CandidateOut]:
    found = await service.find_candidates(query.provider, query.service)
    return [
        CandidateOut(
            score=c.score,
            provider_score=c.provider_score,
            service_score=c.service_score,
            entry=entry_out(c.entry),
        )
        for c in found
    ]


@endpoint(
    "POST",
    "/api/ismap/imports",
    summary="Import the ISMAP list from a URL or an uploaded file (operator admin); the same file "
    "again makes no new snapshot (duplicate: true) / ISMAPリストの取込",
    tag=TAG,
    roles={Role.admin},
    operator_only=True,
)
async def import_ismap_list(principal: Principal, body: ImportRequest) -> ImportOut:
    if body.url is not None:
        outcome = await service.import_from_url(
            principal=principal, url=body.url, expiring_within_days=body.expiring_within_days
        )
    else:
        assert body.filename is not None
        outcome = await service.import_list(
            principal=principal,
            content=body.content(),
            source=body.filename,
            expiring_within_days=body.expiring_within_days,
        )
    latest_id = await _latest_id()
    detail = snapshot_detail_out(outcome.snapshot, latest_id=latest_id)
    if outcome.duplicate:
        when = outcome.snapshot.imported_at.date().isoformat()
        message = TextOut(
            ja=f"同じ内容のファイルは {when} に取込済みです（スナップショット {detail.id}）。"
            "新しいスナップショットは作成していません。",
            en=f"the same file was imported on {when} as snapshot {detail.id}; "
            "no new snapshot was made",
        )
        detail.changes = []  # nothing changed now; the stored changes are those of that import
    else:
        message = TextOut(
            ja=f"{outcome.snapshot.row_count}件を取り込みました。",
            en=f"imported {outcome.snapshot.row_count} registered services",
        )
    return ImportOut(duplicate=outcome.duplicate, message=message, snapshot=detail)
