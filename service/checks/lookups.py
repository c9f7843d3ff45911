"""Registry look-ups that checks call from CEL, answered from data loaded before evaluation.

`ismap(answers.ismap_registration)` asks the ISMAP list snapshot the caller preloaded
(`service.ismap.service.current_index()`), judged on the day the caller names. Nothing here
reads the database or the clock, so evaluating a profile stays pure and repeatable; every call
is recorded so that the verdict's inputs can name the snapshot it was matched against.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from service.ismap.matching import Bilingual, IsmapIndex, IsmapStatus
from service.ismap.text import find_registration_number

NO_LIST_REASON = Bilingual(
    ja="ISMAPリストが取り込まれていないため、登録を照合できません。運用管理者がリストを取り込んだ後に"
    "再評価してください。",
    en="No ISMAP list has been imported, so the registration could not be checked; import the "
    "list (vetting ismap import) and re-evaluate.",
)


@dataclass(frozen=True)
class IsmapLookup:
    """One call of `ismap(…)`: what was asked, and the answer (None: no list imported)."""

    given: str
    status: IsmapStatus | None

    @property
    def reason(self) -> Bilingual:
        return self.status.reason if self.status is not None else NO_LIST_REASON

    def as_input(self) -> dict[str, Any]:
        """What the verdict records: the answer and the snapshot (id, dates, hash) behind it."""
        if self.status is None:
            return {"given": self.given, "list_imported": False}
        status, snapshot = self.status, self.status.snapshot
        entry = status.entry
        return {
            "given": self.given,
            "list_imported": True,
            "number": status.query,
            "on": status.on.isoformat(),
            "match": status.match.value,
            "listed": status.listed,
            "valid": status.valid,
            "registration_number": entry.registration_number if entry else "",
            "expires_on": entry.expires_on.isoformat() if entry and entry.expires_on else "",
            "snapshot": {
                "id": snapshot.id,
                "published_on": (
                    snapshot.published_on.isoformat() if snapshot.published_on else None
                ),
                "imported_at": snapshot.imported_at.isoformat(),
                "sha256": snapshot.sha256,
                "source": snapshot.source,
            },
            "warnings": [asdict(w) for w in status.warnings],
        }


@dataclass
class RegistryLookups:
    """The look-up functions for one review's evaluation, over preloaded registry data.

    `on` is the day ISMAP validity is judged for (the evaluation day in Japan); without an
    index every `ismap()` call says no list is imported, and the verdict needs a person.
    """

    ismap_index: IsmapIndex | None = None
    on: date | None = None
    calls: list[IsmapLookup] = field(default_factory=list)
    # One review's checks may ask about the same number more than once (~60 µs a look-up).
    _seen: dict[str, tuple[IsmapLookup, dict[str, Any]]] = field(default_factory=dict)

    def functions(self) -> dict[str, Callable[..., Any]]:
        return {"ismap": self.ismap}

    def ismap(self, value: object) -> dict[str, Any]:
        """The CEL view of a registration: listed / valid / lapsed, and how it matched."""
        given = "" if value is None else str(value)
        seen = self._seen.get(given)
        if seen is not None:
            self.calls.append(seen[0])
            return seen[1]
        view = self._look_up(given)
        self._seen[given] = (self.calls[-1], view)
        return view

    def _look_up(self, given: str) -> dict[str, Any]:
        # A small map: CEL converts a returned map key by key (~4 µs each). Names, dates and
        # the snapshot are in the verdict's inputs (IsmapLookup.as_input), not needed by checks.
        if self.ismap_index is None or self.on is None:
            self.calls.append(IsmapLookup(given, None))
            return dict.fromkeys(("listed", "valid", "lapsed", "number_updated"), False) | {
                "match": "none",
                "registration_number": "",
                "list_kind": "",
            }
        status = self.ismap_index.status(find_registration_number(given) or given, self.on)
        self.calls.append(IsmapLookup(given, status))
        entry = status.entry
        return {
            "listed": status.listed,
            "valid": status.valid,
            "lapsed": bool(entry and entry.expires_on and self.on > entry.expires_on),
            "match": status.match.value,
            "registration_number": entry.registration_number if entry else "",
            "list_kind": entry.list_kind.value if entry else "",
            "number_updated": status.number_updated,
        }

    def take_calls(self) -> list[IsmapLookup]:
        """The calls since the last take: one requirement's look-ups."""
        calls, self.calls = self.calls, []
        return calls
