"""Answer "is this registration number on the ISMAP list, and valid on that day?" from a snapshot.

Built once from a snapshot's entries (`IsmapIndex`), then asked per vendor answer. Every answer
names the snapshot it came from, so a verdict can say which version of the list supported it.

Matching order, per the reference design (jp-requirements §5.3):
  (a) the exact full number (C21-0008-2);
  (b) the stem (C21-0008): accepted with a "number updated" warning when the suffixes differ;
  (c) by names, only as *candidates* for a person to confirm, never as a match.
Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from rapidfuzz import fuzz

from service.ismap.listing import ListedService, current_by_stem, suffix_order
from service.ismap.text import (
    compact_number,
    parse_registration_number,
    provider_key,
    service_key,
)


@dataclass(frozen=True)
class Bilingual:
    ja: str
    en: str


@dataclass(frozen=True)
class SnapshotInfo:
    id: str
    imported_at: datetime
    sha256: str
    source: str
    published_on: date | None = None  # the list's own 「…時点」 date, when it printed one

    @property
    def label(self) -> Bilingual:
        """How a verdict names the snapshot: date, list date and the start of the hash."""
        imported = self.imported_at.date().isoformat()
        as_of_ja = f"、{self.published_on.isoformat()}時点" if self.published_on else ""
        as_of_en = f", list dated {self.published_on.isoformat()}" if self.published_on else ""
        short = self.sha256[:12]
        return Bilingual(
            ja=f"ISMAPリスト（{imported}取込{as_of_ja}、SHA-256 {short}…、ID {self.id}）",
            en=f"ISMAP list snapshot {self.id} (imported {imported}{as_of_en}, SHA-256 {short}…)",
        )


class MatchMethod(StrEnum):
    exact = "exact"  # the full number is on the list
    stem = "stem"  # the stem is on the list (with another suffix, or none was given)
    none = "none"


@dataclass(frozen=True)
class IsmapStatus:
    query: str  # the number as given, normalised
    on: date  # the day validity was judged for
    snapshot: SnapshotInfo
    match: MatchMethod
    entry: ListedService | None
    listed: bool
    valid: bool
    number_updated: bool  # matched on the stem, and the list's suffix differs from the given one
    reason: Bilingual  # why valid or not, naming the snapshot
    warnings: tuple[Bilingual, ...] = ()

    @property
    def expires_on(self) -> date | None:
        return self.entry.expires_on if self.entry else None

    def as_dict(self) -> dict[str, Any]:
        """Plain values (dates as ISO strings), e.g. for a CEL context or a JSON log."""
        entry = self.entry
        return {
            "query": self.query,
            "on": self.on.isoformat(),
            "match": self.match.value,
            "listed": self.listed,
            "valid": self.valid,
            "number_updated": self.number_updated,
            "registration_number": entry.registration_number if entry else "",
            "service_name": entry.service_name if entry else "",
            "provider_name": entry.provider_name if entry else "",
            "list_kind": entry.list_kind.value if entry else "",
            "expires_on": entry.expires_on.isoformat() if entry and entry.expires_on else "",
            "snapshot_id": self.snapshot.id,
            "snapshot_imported_at": self.snapshot.imported_at.isoformat(),
            "reason": asdict(self.reason),
            "warnings": [asdict(w) for w in self.warnings],
        }


@dataclass(frozen=True)
class Candidate:
    """A listed service whose names resemble the ones given: for a person to confirm."""

    entry: ListedService
    score: float  # 0–100
    provider_score: float
    service_score: float


class IsmapIndex:
    def __init__(self, snapshot: SnapshotInfo, entries: list[ListedService]) -> None:
        self.snapshot = snapshot
        self.entries = entries
        self._by_number = {entry.registration_number: entry for entry in entries}
        self._by_stem = current_by_stem(entries)

    def __len__(self) -> int:
        return len(self.entries)

    def status(self, registration_number: str, on: date) -> IsmapStatus:
        """Is the given number on this snapshot of the list, and is it valid on `on`?"""
        label = self.snapshot.label
        parsed = parse_registration_number(registration_number)
        query = parsed.full if parsed else compact_number(registration_number)
        if parsed is None:
            return self._absent(
                query,
                on,
                Bilingual(
                    ja=f"登録番号「{registration_number}」は番号の形式ではありません"
                    f"（例: C21-0008-2）。照合先: {label.ja}",
                    en=f"{registration_number!r} is not shaped like a registration number "
                    f"(e.g. C21-0008-2); checked against {label.en}",
                ),
            )
        entry = self._by_number.get(parsed.full)
        match = MatchMethod.exact
        if entry is None:
            entry = self._by_stem.get(parsed.stem)
            match = MatchMethod.stem
        if entry is None:
            return self._absent(
                query,
                on,
                Bilingual(
                    ja=f"登録番号 {query} は{label.ja}に掲載されていません。",
                    en=f"registration number {query} is not on the {label.en}",
                ),
            )
        warnings: list[Bilingual] = []
        number_updated = match is MatchMethod.stem and parsed.suffix is not None
        if number_updated:
            newer = suffix_order(entry) > (parsed.suffix or 0)
            why_ja = "番号が更新されています" if newer else "一覧の番号の方が古い"
            why_en = "the number was updated" if newer else "the list has an older number"
            warnings.append(
                Bilingual(
                    ja=f"申告の番号 {query} は一覧では {entry.registration_number} として掲載され"
                    f"ています（{why_ja}）。",
                    en=f"the number given, {query}, is listed as {entry.registration_number} "
                    f"({why_en})",
                )
            )
        if entry.expires_on is None:
            warnings.append(
                Bilingual(
                    ja="一覧に有効期限（監査対象期間）の記載がないため、期限を確認できません。",
                    en="the list gives no expiry (or audit period): the expiry cannot be checked",
                )
            )
        elif entry.expiry_derived:
            warnings.append(
                Bilingual(
                    ja="有効期限は監査対象期間の終了日の翌日から1年4か月として算出しました。",
                    en="the expiry was computed as 1 year 4 months after the day following the "
                    "end of the audit period",
                )
            )
        valid = entry.valid_on(on)
        return IsmapStatus(
            query=query,
            on=on,
            snapshot=self.snapshot,
            match=match,
            entry=entry,
            listed=True,
            valid=valid,
            number_updated=number_updated,
            reason=self._reason(entry, on, valid),
            warnings=tuple(warnings),
        )

    def _absent(self, query: str, on: date, reason: Bilingual) -> IsmapStatus:
        return IsmapStatus(
            query=query,
            on=on,
            snapshot=self.snapshot,
            match=MatchMethod.none,
            entry=None,
            listed=False,
            valid=False,
            number_updated=False,
            reason=reason,
        )

    def _reason(self, entry: ListedService, on: date, valid: bool) -> Bilingual:
        label = self.snapshot.label
        number, day = entry.registration_number, on.isoformat()
        if valid:
            until = entry.expires_on.isoformat() if entry.expires_on else "不明"
            return Bilingual(
                ja=f"{number}（{entry.service_name}）は{label.ja}に掲載され、{day}時点で有効です"
                f"（有効期限 {until}）。",
                en=f"{number} ({entry.service_name}) is on the {label.en} and valid on {day} "
                f"(expires {entry.expires_on.isoformat() if entry.expires_on else 'unknown'})",
            )
        if entry.registered_on is not None and on < entry.registered_on:
            return Bilingual(
                ja=f"{number} の登録日は {entry.registered_on.isoformat()} で、{day}時点では"
                f"未登録です（{label.ja}）。",
                en=f"{number} was registered on {entry.registered_on.isoformat()}, after {day} "
                f"({label.en})",
            )
        assert entry.expires_on is not None  # valid_on is only false for a known bound
        return Bilingual(
            ja=f"{number}（{entry.service_name}）は{label.ja}に掲載されていますが、有効期限 "
            f"{entry.expires_on.isoformat()} を過ぎており、{day}時点で有効ではありません。",
            en=f"{number} ({entry.service_name}) is on the {label.en} but lapsed on "
            f"{entry.expires_on.isoformat()}: not valid on {day}",
        )

    def candidates(
        self,
        provider_name: str = "",
        service_name: str = "",
        *,
        limit: int = 5,
        min_score: float = 60.0,
    ) -> list[Candidate]:
        """Listed services whose names resemble the given ones, best first. Never a match."""
        wanted_provider = provider_key(provider_name)
        wanted_service = service_key(service_name)
        if not wanted_provider and not wanted_service:
            return []
        found = []
        for entry in self._by_stem.values():
            provider_score = (
                float(fuzz.WRatio(wanted_provider, entry.provider_key)) if wanted_provider else 0.0
            )
            service_score = (
                float(fuzz.WRatio(wanted_service, service_key(entry.service_name)))
                if wanted_service
                else 0.0
            )
            if wanted_provider and wanted_service:
                score = (provider_score + service_score) / 2
            else:
                score = provider_score or service_score
            if score >= min_score:
                found.append(Candidate(entry, round(score, 1), provider_score, service_score))
        found.sort(key=lambda c: (-c.score, c.entry.registration_number))
        return found[:limit]
