"""What changed between two snapshots of the ISMAP list, and what is about to lapse.

Services are compared by the stem of their registration number (C21-0008 of C21-0008-2): the
suffix changes when a registration is updated, the stem stays with the service. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from service.ismap.listing import ListedService, current_by_stem

DEFAULT_EXPIRING_WITHIN_DAYS = 90


class ChangeKind(StrEnum):
    added = "added"  # stem not in the previous snapshot
    removed = "removed"  # stem no longer in the list
    renewed = "renewed"  # same stem, new suffix or new validity dates
    renamed = "renamed"  # same stem, the service or provider name changed
    expiring = "expiring"  # valid today, lapses within the warning window
    expired = "expired"  # still printed in the list, but its expiry has passed


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    stem: str
    registration_number: str  # the number in the new snapshot (the old one for `removed`)
    service_name: str
    provider_name: str
    expires_on: date | None
    previous_number: str | None = None
    previous_expires_on: date | None = None
    previous_name: str | None = None  # "service / provider" before a rename

    def describe(self) -> str:
        """One line for the console."""
        text = f"{self.kind.value:<8} {self.registration_number:<12} {self.service_name}"
        text += f"（{self.provider_name}）"
        if self.kind is ChangeKind.renewed:
            text += (
                f"  {self.previous_number} → {self.registration_number}, 有効期限 "
                f"{_day(self.previous_expires_on)} → {_day(self.expires_on)}"
            )
        elif self.kind is ChangeKind.renamed:
            text += f"  旧: {self.previous_name}"
        elif self.kind in (ChangeKind.expiring, ChangeKind.expired):
            text += f"  有効期限 {_day(self.expires_on)}"
        return text


def _day(value: date | None) -> str:
    return value.isoformat() if value else "不明"


def _change(
    kind: ChangeKind,
    entry: ListedService,
    *,
    previous: ListedService | None = None,
) -> Change:
    return Change(
        kind=kind,
        stem=entry.stem,
        registration_number=entry.registration_number,
        service_name=entry.service_name,
        provider_name=entry.provider_name,
        expires_on=entry.expires_on,
        previous_number=previous.registration_number if previous else None,
        previous_expires_on=previous.expires_on if previous else None,
        previous_name=f"{previous.service_name} / {previous.provider_name}" if previous else None,
    )


def diff_lists(
    previous: Sequence[ListedService] | None,
    current: Sequence[ListedService],
    *,
    today: date,
    expiring_within_days: int = DEFAULT_EXPIRING_WITHIN_DAYS,
) -> list[Change]:
    """Changes from `previous` (None for the first snapshot: nothing to compare) to `current`.

    `expiring` and `expired` are judged on `today` for the current snapshot alone.
    """
    changes: list[Change] = []
    now = current_by_stem(list(current))
    if previous is not None:
        before = current_by_stem(list(previous))
        for stem in sorted(now.keys() - before.keys()):
            changes.append(_change(ChangeKind.added, now[stem]))
        for stem in sorted(before.keys() - now.keys()):
            changes.append(_change(ChangeKind.removed, before[stem]))
        for stem in sorted(now.keys() & before.keys()):
            new, old = now[stem], before[stem]
            if (new.suffix, new.registered_on, new.expires_on) != (
                old.suffix,
                old.registered_on,
                old.expires_on,
            ):
                changes.append(_change(ChangeKind.renewed, new, previous=old))
            if (new.service_name, new.provider_key) != (old.service_name, old.provider_key):
                changes.append(_change(ChangeKind.renamed, new, previous=old))
    horizon = today + timedelta(days=expiring_within_days)
    for stem in sorted(now):
        entry = now[stem]
        if entry.expires_on is None:
            continue
        if entry.expires_on < today:
            changes.append(_change(ChangeKind.expired, entry))
        elif entry.expires_on <= horizon:
            changes.append(_change(ChangeKind.expiring, entry))
    return changes
