"""Matching a vendor's claimed registration number against one snapshot of the list."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from service.ismap.matching import IsmapIndex, MatchMethod, SnapshotInfo
from service.ismap.parse import parse_list
from tests.ismap.fixtures import LIST_A_XLSX

SNAPSHOT = SnapshotInfo(
    id="0b7f3c1e-5d2a-4c1b-9e8f-2a6d4c3b1a00",
    imported_at=datetime(2025, 4, 2, 1, 30, tzinfo=UTC),
    sha256="ab12cd34ef56" + "0" * 52,
    source="ismap_list_2025-04.xlsx",
    published_on=date(2025, 4, 1),
)
ON = date(2025, 4, 10)


@pytest.fixture(scope="module")
def index() -> IsmapIndex:
    return IsmapIndex(SNAPSHOT, parse_list(LIST_A_XLSX.read_bytes()).entries)


def test_exact_number_is_listed_and_valid(index: IsmapIndex) -> None:
    status = index.status("C21-0008-2", ON)
    assert status.match is MatchMethod.exact
    assert (status.listed, status.valid, status.number_updated) == (True, True, False)
    assert status.entry is not None and status.entry.service_name == "Example Cloud Platform"
    assert status.expires_on == date(2025, 8, 1)
    assert status.warnings == ()
    assert SNAPSHOT.id in status.reason.en and SNAPSHOT.id in status.reason.ja
    assert "有効です" in status.reason.ja


def test_number_typed_full_width_matches_exactly(index: IsmapIndex) -> None:
    status = index.status("Ｃ２１－０００８－２", ON)
    assert (status.query, status.match, status.valid) == ("C21-0008-2", MatchMethod.exact, True)


def test_stem_alone_matches_without_warning(index: IsmapIndex) -> None:
    status = index.status("C21-0008", ON)
    assert status.match is MatchMethod.stem
    assert status.entry is not None and status.entry.registration_number == "C21-0008-2"
    assert (status.valid, status.number_updated, status.warnings) == (True, False, ())


def test_an_older_suffix_matches_on_the_stem_with_number_updated(index: IsmapIndex) -> None:
    status = index.status("C21-0008-1", ON)  # the vendor still quotes last year's number
    assert status.match is MatchMethod.stem
    assert (status.listed, status.valid, status.number_updated) == (True, True, True)
    assert status.entry is not None and status.entry.registration_number == "C21-0008-2"
    (warning,) = status.warnings
    assert "C21-0008-2" in warning.ja and "updated" in warning.en


def test_a_renewed_suffix_newer_than_the_list_still_matches_the_stem(index: IsmapIndex) -> None:
    status = index.status("C21-0008-3", ON)  # renewed after this snapshot was taken
    assert (status.match, status.number_updated) == (MatchMethod.stem, True)
    assert "older number" in status.warnings[0].en


def test_exact_match_wins_over_a_newer_entry_of_the_same_stem() -> None:
    entries = parse_list(LIST_A_XLSX.read_bytes()).entries
    old = next(e for e in entries if e.registration_number == "C21-0008-2")
    newer = replace(old, registration_number="C21-0008-3", suffix=3, expires_on=date(2026, 8, 1))
    both = IsmapIndex(SNAPSHOT, [*entries, newer])
    assert both.status("C21-0008-2", ON).entry == old
    assert both.status("C21-0008", ON).entry == newer  # the stem goes to the newest
    assert both.status("C21-0008-1", ON).entry == newer


def test_lapsed_registration_is_not_valid_and_names_the_snapshot(index: IsmapIndex) -> None:
    status = index.status("C23-0088-1", ON)  # expired 2025-02-01, still printed
    assert (status.listed, status.valid) == (True, False)
    assert status.expires_on == date(2025, 2, 1)
    assert "2025-02-01" in status.reason.ja and "有効ではありません" in status.reason.ja
    assert "lapsed on 2025-02-01" in status.reason.en
    for text in (status.reason.ja, status.reason.en):
        assert SNAPSHOT.id in text
        assert "2025-04-02" in text  # imported on
        assert "ab12cd34ef56" in text  # the start of the hash
    assert "2025-04-01時点" in status.reason.ja


def test_validity_is_judged_on_the_day_asked(index: IsmapIndex) -> None:
    assert index.status("C23-0088-1", date(2025, 2, 1)).valid  # the expiry day itself
    assert not index.status("C23-0088-1", date(2025, 2, 2)).valid
    before = index.status("C24-0123-1", date(2024, 11, 14))  # registered 2024-11-15
    assert (before.listed, before.valid) == (True, False)
    assert "2024-11-15" in before.reason.en


def test_derived_expiry_is_said(index: IsmapIndex) -> None:
    status = index.status("C23-0071-1", ON)
    assert status.valid and status.expires_on == date(2026, 5, 1)
    assert any("1 year 4 months" in w.en for w in status.warnings)
    assert not index.status("C23-0071-1", date(2026, 5, 2)).valid


def test_absent_number_is_not_valid_and_names_the_snapshot(index: IsmapIndex) -> None:
    status = index.status("C99-0001-1", ON)
    assert (status.listed, status.valid, status.match, status.entry) == (
        False,
        False,
        MatchMethod.none,
        None,
    )
    assert "掲載されていません" in status.reason.ja
    assert SNAPSHOT.id in status.reason.ja and SNAPSHOT.id in status.reason.en


@pytest.mark.parametrize("typed", ["", "ISMAP登録済み", "申請中"])
def test_something_that_is_not_a_number_is_not_valid(index: IsmapIndex, typed: str) -> None:
    status = index.status(typed, ON)
    assert (status.listed, status.valid) == (False, False)
    assert "not shaped like a registration number" in status.reason.en


def test_status_as_plain_values(index: IsmapIndex) -> None:
    values = index.status("C21-0008-1", ON).as_dict()
    assert values["valid"] is True and values["number_updated"] is True
    assert values["registration_number"] == "C21-0008-2"
    assert values["expires_on"] == "2025-08-01"
    assert values["snapshot_id"] == SNAPSHOT.id
    assert values["reason"]["ja"]


@pytest.mark.parametrize(
    ("provider", "service", "expected_first"),
    [
        ("ひのでクラウド株式会社", "", "C21-0001-3"),
        ("", "ことのは 電子申請", "C22-0045-2"),
        ("NORTH HARBOR SYSTEMS INC", "Harbor CRM", "C23-0094-1"),
        ("株式会社ふみばこ", "文書管理クラウド", "C23-0067-1"),
    ],
)
def test_candidates_by_name_are_suggestions(
    index: IsmapIndex, provider: str, service: str, expected_first: str
) -> None:
    found = index.candidates(provider, service)
    assert found, "expected at least one candidate"
    assert found[0].entry.registration_number == expected_first
    assert found == sorted(found, key=lambda c: -c.score)


def test_no_candidates_for_unrelated_names(index: IsmapIndex) -> None:
    assert index.candidates("全く関係のない団体", "給食献立表") == []
    assert index.candidates("", "") == []
