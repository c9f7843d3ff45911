"""The ISMAP list: import snapshots (the only writer), and answer look-ups from the latest one.

For the policy engine: `await current_index()` gives the matching index of the latest snapshot
(or None before the first import); `index.status(number, on)` names that snapshot in its reason.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from tortoise.exceptions import IntegrityError

from service.accounts.principal import Principal
from service.audit.service import record
from service.config import get_settings
from service.errors import Forbidden, NotFound, PayloadTooLarge, ValidationFailed
from service.ismap import fetch
from service.ismap.diff import DEFAULT_EXPIRING_WITHIN_DAYS, Change, diff_lists
from service.ismap.listing import ListedService
from service.ismap.matching import Candidate, IsmapIndex, IsmapStatus, SnapshotInfo
from service.ismap.models import IsmapEntry, IsmapSnapshot
from service.ismap.parse import ParsedList, parse_list
from service.ismap.workbook import ListFormatError
from service.jobs import transaction
from service.jst import today_jst

log = logging.getLogger(__name__)


@dataclass
class ImportOutcome:
    snapshot: IsmapSnapshot
    duplicate: bool  # these bytes were imported before; `snapshot` is that earlier one
    changes: list[Change] = field(default_factory=list)
    is_latest: bool = True


# --- import ----------------------------------------------------------------------------------


def _require_operator_admin(principal: Principal) -> None:
    if not principal.is_operator_admin:
        raise Forbidden(
            "only an admin of the operator organization may import the ISMAP list / "
            "ISMAPリストの取込は運用管理組織の管理者のみ行えます"
        )


async def import_from_source(
    *,
    principal: Principal,
    source: str,
    expiring_within_days: int = DEFAULT_EXPIRING_WITHIN_DAYS,
    max_bytes: int | None = None,
) -> ImportOutcome:
    """Import a list from an http(s) URL or a file path (the console's FILE|URL)."""
    if fetch.is_url(source):
        return await import_from_url(
            principal=principal,
            url=source,
            expiring_within_days=expiring_within_days,
            max_bytes=max_bytes,
        )
    _require_operator_admin(principal)
    cap = max_bytes or get_settings().ismap_max_bytes
    path = Path(source)
    return await import_list(
        principal=principal,
        content=fetch.read_file(path, max_bytes=cap),
        source=path.name,
        expiring_within_days=expiring_within_days,
        max_bytes=cap,
    )


async def import_from_url(
    *,
    principal: Principal,
    url: str,
    expiring_within_days: int = DEFAULT_EXPIRING_WITHIN_DAYS,
    max_bytes: int | None = None,
) -> ImportOutcome:
    """Download the list (never a local path: the API must not read the server's files)."""
    _require_operator_admin(principal)
    settings = get_settings()
    cap = max_bytes or settings.ismap_max_bytes
    content = await fetch.download(
        url, max_bytes=cap, timeout_seconds=settings.ismap_fetch_timeout_seconds
    )
    return await import_list(
        principal=principal,
        content=content,
        source=url,
        expiring_within_days=expiring_within_days,
        max_bytes=cap,
    )


async def import_list(
    *,
    principal: Principal,
    content: bytes,
    source: str,
    expiring_within_days: int = DEFAULT_EXPIRING_WITHIN_DAYS,
    today: date | None = None,
    max_bytes: int | None = None,
) -> ImportOutcome:
    """Keep `content` as a new snapshot and report its changes; the same bytes again are not kept
    twice."""
    _require_operator_admin(principal)
    cap = max_bytes or get_settings().ismap_max_bytes
    if len(content) > cap:
        raise PayloadTooLarge(
            f"the file is {len(content)} bytes, over the limit of {cap} / ファイルが大きすぎます"
        )
    sha256 = hashlib.sha256(content).hexdigest()
    existing = await IsmapSnapshot.get_or_none(sha256=sha256)
    if existing is not None:
        return await _duplicate(existing)
    try:
        parsed = parse_list(content)
    except ListFormatError as exc:
        raise ValidationFailed(f"{exc.ja} / {exc.en}", fields={"file": exc.en}) from None

    previous = await latest_snapshot()
    previous_entries = (
        [entry_view(e) for e in await IsmapEntry.filter(snapshot_id=previous.id)]
        if previous
        else None
    )
    changes = diff_lists(
        previous_entries,
        parsed.entries,
        today=today or today_jst(),
        expiring_within_days=expiring_within_days,
    )
    try:
        snapshot = await _store(
            principal, parsed, content, sha256, source, previous, changes, expiring_within_days
        )
    except IntegrityError:
        # Imported by someone else between our look-up and our insert.
        raced = await IsmapSnapshot.get_or_none(sha256=sha256)
        if raced is None:
            raise
        return await _duplicate(raced)
    log.info("ISMAP snapshot %s: %d services from %s", snapshot.id, snapshot.row_count, source)
    return ImportOutcome(snapshot=snapshot, duplicate=False, changes=changes)


async def _duplicate(existing: IsmapSnapshot) -> ImportOutcome:
    latest = await latest_snapshot()
    is_latest = latest is not None and latest.id == existing.id
    return ImportOutcome(snapshot=existing, duplicate=True, is_latest=is_latest)


async def _store(
    principal: Principal,
    parsed: ParsedList,
    content: bytes,
    sha256: str,
    source: str,
    previous: IsmapSnapshot | None,
    changes: list[Change],
    expiring_within_days: int,
) -> IsmapSnapshot:
    async with transaction() as conn:
        snapshot = await IsmapSnapshot.create(
            source=source[:2000],
            sha256=sha256,
            size_bytes=len(content),
            imported_at=datetime.now(UTC),
            imported_by=principal.actor.label[:200],
            published_on=parsed.published_on,
            row_count=len(parsed.entries),
            layouts=[asdict(layout) for layout in parsed.layouts],
            problems=[asdict(problem) for problem in parsed.problems],
            previous_snapshot_id=previous.id if previous else None,
            changes=[change_json(change) for change in changes],
            expiring_within_days=expiring_within_days,
            using_db=conn,
        )
        await IsmapEntry.bulk_create(
            [IsmapEntry(snapshot_id=snapshot.id, **asdict(entry)) for entry in parsed.entries],
            batch_size=500,
            using_db=conn,
        )
        await record(
            conn,
            organization_id=principal.organization_id,
            actor=principal.actor,
            action="ismap.snapshot_imported",
            object_type="ismap_snapshot",
            object_id=str(snapshot.id),
            data={
                "source": snapshot.source,
                "sha256": sha256,
                "size_bytes": len(content),
                "row_count": snapshot.row_count,
                "problem_count": len(parsed.problems),
                "previous_snapshot_id": str(previous.id) if previous else None,
                "changes": change_counts(snapshot),
            },
        )
    return snapshot


def change_json(change: Change) -> dict[str, Any]:
    data = asdict(change)
    for key, value in data.items():
        if isinstance(value, date):
            data[key] = value.isoformat()
    data["kind"] = change.kind.value
    return data


def change_counts(snapshot: IsmapSnapshot) -> dict[str, int]:
    return dict(Counter(str(change["kind"]) for change in snapshot.changes))


# --- reading ---------------------------------------------------------------------------------


async def latest_snapshot() -> IsmapSnapshot | None:
    return await IsmapSnapshot.all().order_by("-imported_at", "-id").first()


async def list_snapshots() -> list[IsmapSnapshot]:
    return await IsmapSnapshot.all().order_by("-imported_at", "-id")


async def get_snapshot(snapshot_id: str) -> IsmapSnapshot:
    snapshot = await IsmapSnapshot.get_or_none(id=snapshot_id)
    if snapshot is None:
        raise NotFound("no such ISMAP snapshot")
    return snapshot


def snapshot_info(snapshot: IsmapSnapshot) -> SnapshotInfo:
    return SnapshotInfo(
        id=str(snapshot.id),
        imported_at=snapshot.imported_at,
        sha256=snapshot.sha256,
        source=snapshot.source,
        published_on=snapshot.published_on,
    )


def entry_view(entry: IsmapEntry) -> ListedService:
    return ListedService(
        registration_number=entry.registration_number,
        stem=entry.stem,
        suffix=entry.suffix,
        service_name=entry.service_name,
        provider_name=entry.provider_name,
        provider_key=entry.provider_key,
        registered_on=entry.registered_on,
        expires_on=entry.expires_on,
        audit_period_start=entry.audit_period_start,
        audit_period_end=entry.audit_period_end,
        expiry_derived=entry.expiry_derived,
        scope=entry.scope,
        list_kind=entry.list_kind,
        sheet=entry.sheet,
        row=entry.row,
    )


async def index_for(snapshot: IsmapSnapshot) -> IsmapIndex:
    entries = await IsmapEntry.filter(snapshot_id=snapshot.id).order_by("sheet", "row")
    return IsmapIndex(snapshot_info(snapshot), [entry_view(e) for e in entries])


# One index per process, rebuilt only when a newer snapshot appears: a batch re-evaluating many
# reviews pays for loading the list once, and every process still sees another's import.
_cached_index: IsmapIndex | None = None


async def current_index() -> IsmapIndex | None:
    """The matching index of the latest snapshot; None while no list has been imported."""
    global _cached_index
    latest = await latest_snapshot()
    if latest is None:
        return None
    if _cached_index is None or _cached_index.snapshot.id != str(latest.id):
        _cached_index = await index_for(latest)
    return _cached_index


async def _require_index() -> IsmapIndex:
    index = await current_index()
    if index is None:
        raise NotFound(
            "no ISMAP list has been imported yet / ISMAPリストがまだ取り込まれていません"
        )
    return index


async def registration_status(number: str, on: date | None = None) -> IsmapStatus:
    """The status of a registration number in the latest snapshot, on `on` (default today)."""
    index = await _require_index()
    return index.status(number, on or today_jst())


async def find_candidates(provider: str, service: str) -> list[Candidate]:
    """Listed services resembling the names: suggestions for a person, never a match."""
    index = await _require_index()
    return index.candidates(provider, service)
