"""Changes between two snapshots: added, removed, renewed, renamed, expiring, expired."""

from __future__ import annotations

from datetime import date

from service.ismap.diff import Change, ChangeKind, diff_lists
from service.ismap.parse import parse_list
from tests.ismap.fixtures import LIST_A_XLSX, LIST_B_XLSX


def events(changes: list[Change], kind: ChangeKind) -> list[str]:
    return [c.registration_number for c in changes if c.kind is kind]


def test_changes_between_the_april_and_october_lists() -> None:
    before = parse_list(LIST_A_XLSX.read_bytes()).entries
    after = parse_list(LIST_B_XLSX.read_bytes()).entries
    changes = diff_lists(before, after, today=date(2025, 10, 1), expiring_within_days=90)

    assert events(changes, ChangeKind.added) == ["C25-0140-1"]
    assert events(changes, ChangeKind.removed) == ["C22-0052-1"]
    (renewed,) = [c for c in changes if c.kind is ChangeKind.renewed]
    assert (renewed.previous_number, renewed.registration_number) == ("C21-0008-2", "C21-0008-3")
    assert (renewed.previous_expires_on, renewed.expires_on) == (date(2025, 8, 1), date(2026, 8, 1))
    (renamed,) = [c for c in changes if c.kind is ChangeKind.renamed]
    assert renamed.registration_number == "C23-0067-1"
    assert renamed.previous_name is not None and "クラウド型文書管理" in renamed.previous_name
    # Lapsed before 2025-10-01 and still printed.
    assert events(changes, ChangeKind.expired) == ["C23-0088-1", "C24-0102-1", "L23-0002-1"]
    # Lapsing by 2025-12-30.
    assert events(changes, ChangeKind.expiring) == ["C21-0015-2", "C22-0031-1"]
    assert "C21-0008-2 → C21-0008-3" in renewed.describe()


def test_the_window_for_expiring_is_a_parameter() -> None:
    after = parse_list(LIST_B_XLSX.read_bytes()).entries
    short = diff_lists(None, after, today=date(2025, 10, 1), expiring_within_days=31)
    assert events(short, ChangeKind.expiring) == ["C22-0031-1"]  # 2025-11-01 only
    edge = diff_lists(None, after, today=date(2025, 11, 1), expiring_within_days=1)
    assert events(edge, ChangeKind.expiring) == ["C22-0031-1"]  # valid on its expiry day


def test_first_snapshot_reports_only_expiry_events() -> None:
    entries = parse_list(LIST_A_XLSX.read_bytes()).entries
    changes = diff_lists(None, entries, today=date(2025, 4, 1))
    assert {c.kind for c in changes} <= {ChangeKind.expired, ChangeKind.expiring}
    assert events(changes, ChangeKind.expired) == ["C23-0088-1"]
    assert events(changes, ChangeKind.expiring) == ["L23-0002-1"]  # 2025-05-01


def test_the_same_list_twice_has_no_changes_but_expiries() -> None:
    entries = parse_list(LIST_A_XLSX.read_bytes()).entries
    changes = diff_lists(entries, entries, today=date(2025, 4, 1))
    assert {c.kind for c in changes} == {ChangeKind.expired, ChangeKind.expiring}
