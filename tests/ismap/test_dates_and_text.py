"""Dates as the list writes them, and the normalisation of numbers, names and cell text."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from service.ismap.dates import (
    DateProblem,
    expiry_from_audit_period,
    parse_list_date,
    parse_period,
    published_date_in,
)
from service.ismap.text import (
    normalize_block,
    normalize_text,
    parse_registration_number,
    provider_key,
)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        # 西暦
        ("2024/04/01", date(2024, 4, 1)),
        ("2024/4/1", date(2024, 4, 1)),
        ("2024-04-01", date(2024, 4, 1)),
        ("2024.4.1", date(2024, 4, 1)),
        ("2024年4月1日", date(2024, 4, 1)),
        ("2024 年 4 月 1 日", date(2024, 4, 1)),
        ("２０２４／４／１", date(2024, 4, 1)),  # full-width digits and slashes
        ("2024-04-01 00:00:00", date(2024, 4, 1)),  # a date cell exported as text
        ("2024-04-01T09:30:00", date(2024, 4, 1)),
        ("20240401", date(2024, 4, 1)),
        # 和暦
        ("令和6年4月1日", date(2024, 4, 1)),
        ("令和６年４月１日", date(2024, 4, 1)),
        ("㋿6年4月1日", date(2024, 4, 1)),  # the one-character era sign
        ("令和元年5月1日", date(2019, 5, 1)),  # first day of 令和
        ("令和元年12月31日", date(2019, 12, 31)),
        ("令和2年1月1日", date(2020, 1, 1)),
        ("平成31年4月30日", date(2019, 4, 30)),  # last day of 平成
        ("平成元年1月8日", date(1989, 1, 8)),
        ("平成30年3月31日", date(2018, 3, 31)),
        ("R6.4.1", date(2024, 4, 1)),
        ("R6/4/1", date(2024, 4, 1)),
        ("r6.4.1", date(2024, 4, 1)),
        ("H31.3.31", date(2019, 3, 31)),
        # Excel serial numbers (1900 date system), as a number or as its text
        (45383, date(2024, 4, 1)),
        (45383.75, date(2024, 4, 1)),  # a date with a time of day
        ("45383", date(2024, 4, 1)),
        (43586, date(2019, 5, 1)),
        # real date cells
        (date(2024, 4, 1), date(2024, 4, 1)),
        (datetime(2024, 4, 1, 13, 0), date(2024, 4, 1)),
        # empty
        (None, None),
        ("", None),
        ("　", None),
        ("-", None),
    ],
)
def test_dates_in_every_spelling(written: object, expected: date | None) -> None:
    assert parse_list_date(written) == expected


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("令和元年4月30日", "outside the 令和 era"),  # 令和 began on 2019-05-01
        ("平成31年5月1日", "outside the 平成 era"),
        ("令和0年1月1日", "no year 0"),
        ("2024/2/30", "no such date"),
        ("2023/2/29", "no such date"),
        ("R6.13.1", "no such date"),
        ("来年度", "cannot read as a date"),
        ("2024/4", "cannot read as a date"),
        (12, "not a plausible Excel date serial"),  # a stray number is not a date
        (2024, "not a plausible Excel date serial"),
        (True, "not a date"),
    ],
)
def test_what_is_not_a_date_says_why(written: object, reason: str) -> None:
    with pytest.raises(DateProblem) as caught:
        parse_list_date(written)
    assert reason in caught.value.en
    assert caught.value.ja  # and in Japanese


def test_leap_day_in_japanese_era() -> None:
    assert parse_list_date("令和6年2月29日") == date(2024, 2, 29)
    with pytest.raises(DateProblem):
        parse_list_date("令和5年2月29日")


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2023/4/1～2024/3/31", (date(2023, 4, 1), date(2024, 3, 31))),
        ("2023/4/1〜2024/3/31", (date(2023, 4, 1), date(2024, 3, 31))),  # wave dash
        ("2023-04-01 ~ 2024-03-31", (date(2023, 4, 1), date(2024, 3, 31))),
        ("2023-04-01 - 2024-03-31", (date(2023, 4, 1), date(2024, 3, 31))),
        ("令和5年4月1日から令和6年3月31日まで", (date(2023, 4, 1), date(2024, 3, 31))),
        ("自 令和5年4月1日 至 令和6年3月31日", (date(2023, 4, 1), date(2024, 3, 31))),
        ("", (None, None)),
    ],
)
def test_audit_period_in_one_cell(written: str, expected: tuple[date, date]) -> None:
    assert parse_period(written) == expected


def test_audit_period_needs_two_dates() -> None:
    with pytest.raises(DateProblem):
        parse_period("2023/4/1")


@pytest.mark.parametrize(
    ("audit_end", "expiry"),
    [
        (date(2024, 3, 31), date(2025, 8, 1)),  # 4/1 + 1 year 4 months
        (date(2024, 9, 30), date(2026, 2, 1)),
        (date(2023, 10, 30), date(2025, 2, 28)),  # 10/31 + 16 months: clamped to February
        (date(2022, 10, 30), date(2024, 2, 29)),  # ... to a leap February
        (date(2024, 12, 31), date(2026, 5, 1)),  # across the year end
    ],
)
def test_expiry_is_one_year_four_months_after_the_day_after_the_audit(
    audit_end: date, expiry: date
) -> None:
    assert expiry_from_audit_period(audit_end) == expiry


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("ISMAPクラウドサービスリスト（令和7年4月1日時点）", date(2025, 4, 1)),
        ("ISMAPクラウドサービスリスト 2025/10/1 現在", date(2025, 10, 1)),
        ("令和7年4月1日更新", date(2025, 4, 1)),
        ("ISMAPクラウドサービスリスト", None),
    ],
)
def test_the_lists_own_date_from_its_title(title: str, expected: date | None) -> None:
    assert published_date_in(title) == expected


@pytest.mark.parametrize(
    ("typed", "stem", "suffix", "full"),
    [
        ("C21-0008-2", "C21-0008", 2, "C21-0008-2"),
        ("Ｃ２１－０００８－２", "C21-0008", 2, "C21-0008-2"),  # full width
        ("C21ー0008ー2", "C21-0008", 2, "C21-0008-2"),  # long marks typed by the IME
        ("C21―0008‐2", "C21-0008", 2, "C21-0008-2"),  # horizontal bar, hyphen
        (" c21-0008-2 ", "C21-0008", 2, "C21-0008-2"),
        ("C21 - 0008 - 02", "C21-0008", 2, "C21-0008-2"),
        ("C21-0008", "C21-0008", None, "C21-0008"),
        ("L24-0005-1", "L24-0005", 1, "L24-0005-1"),
    ],
)
def test_registration_numbers_split_into_stem_and_suffix(
    typed: str, stem: str, suffix: int | None, full: str
) -> None:
    number = parse_registration_number(typed)
    assert number is not None
    assert (number.stem, number.suffix, number.full) == (stem, suffix, full)


@pytest.mark.parametrize("typed", ["", "ISMAP登録済み", "C21-8-2", "21-0008-2", "C21-0008-2-1"])
def test_what_is_not_a_registration_number(typed: str) -> None:
    assert parse_registration_number(typed) is None


def test_cell_text_is_normalised() -> None:
    assert normalize_text("　ＣｉｔｙＤｅｓｋ　　ＳａａＳ\n") == "CityDesk SaaS"
    assert normalize_text("ｸﾗｳﾄﾞｻｰﾋﾞｽ") == "クラウドサービス"  # half-width kana
    assert normalize_text("クラウドサ－ビス") == "クラウドサービス"  # a dash after kana is ー
    assert normalize_text("ABC–123") == "ABC-123"  # an en dash between letters is a hyphen
    assert normalize_block("一行目\r\n\r\n　二行目　") == "一行目\n二行目"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("株式会社ひのでクラウド", "ひのでクラウド株式会社"),
        ("株式会社ひのでクラウド", "（株）ひのでクラウド"),
        ("株式会社ひのでクラウド", "㈱ひのでクラウド"),
        ("North Harbor Systems, Inc.", "NORTH HARBOR SYSTEMS INC"),
        ("Example Cloud Services Japan合同会社", "Example Cloud Services Japan G.K."),
        (
            "Example Cloud Services Japan合同会社",
            "ＥｘａｍｐｌｅＣｌｏｕｄ　Ｓｅｒｖｉｃｅｓ　Ｊａｐａｎ",
        ),
    ],
)
def test_provider_key_ignores_legal_form_case_and_spacing(a: str, b: str) -> None:
    assert provider_key(a) == provider_key(b)


def test_provider_key_keeps_words_that_merely_contain_a_legal_form() -> None:
    assert provider_key("Incubate Ltd.") == "incubate"
    assert provider_key("株式会社ひのでクラウド") != provider_key("株式会社ひのでデータ")
