"""One registered service as the ISMAP list states it, apart from how it is stored.

The parser produces these, the diff compares them, the matching index answers from them; the
database rows are converted to and from this shape in service.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class ListKind(StrEnum):
    ismap = "ISMAP"
    ismap_liu = "ISMAP-LIU"  # ISMAP for Low-Impact Use (SaaS for low-impact work), since 2022-11


@dataclass(frozen=True)
class ListedService:
    registration_number: str  # full, normalised: C21-0008-2
    stem: str  # C21-0008
    suffix: int | None  # 2
    service_name: str
    provider_name: str
    provider_key: str  # provider name without legal form, case or punctuation
    registered_on: date | None
    expires_on: date | None
    audit_period_start: date | None
    audit_period_end: date | None
    # True when the list gave only the audit period and the expiry was computed from it.
    expiry_derived: bool
    scope: str  # 言明対象範囲 / サービス概要
    list_kind: ListKind
    sheet: str  # where it came from, so an operator can find the row in the file
    row: int  # 1-based row number in that sheet

    def valid_on(self, day: date) -> bool:
        """Registered on `day` by the list's own dates (an unknown bound does not count against)."""
        if self.registered_on is not None and day < self.registered_on:
            return False
        return self.expires_on is None or day <= self.expires_on


def suffix_order(entry: ListedService) -> int:
    """Sort key: the newest update of a stem has the highest suffix (none counts as oldest)."""
    return -1 if entry.suffix is None else entry.suffix


def current_by_stem(entries: list[ListedService]) -> dict[str, ListedService]:
    """The newest entry per stem (a list may still carry an older number of the same service)."""
    by_stem: dict[str, ListedService] = {}
    for entry in entries:
        held = by_stem.get(entry.stem)
        if held is None or suffix_order(entry) > suffix_order(held):
            by_stem[entry.stem] = entry
    return by_stem
