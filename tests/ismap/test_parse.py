"""The fixture lists (XLSX and CSV) read into the same registered services."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest

from service.ismap import workbook
from service.ismap.listing import ListKind
from service.ismap.parse import parse_list
from service.ismap.workbook import ListFormatError
from tests.ismap.fixtures import LIST_A_CSV, LIST_A_XLSX, csv_of


def test_xlsx_fixture_reads_every_service() -> None:
    parsed = parse_list(LIST_A_XLSX.read_bytes())
    by_number = {e.registration_number: e for e in parsed.entries}
    assert len(by_number) == 15
    assert parsed.published_on == date(2025, 4, 1)  # from the title row
    assert parsed.problems == []  # the notes sheet and the footnote are not problems
    assert [(layout.sheet, layout.header_row) for layout in parsed.layouts] == [
        ("ISMAPクラウドサービスリスト", 5),  # two header rows (4 and 5) under a title
        ("ISMAP-LIU", 2),
    ]

    aws_like = by_number["C21-0008-2"]
    assert (aws_like.stem, aws_like.suffix) == ("C21-0008", 2)
    assert aws_like.registered_on == date(2021, 3, 12)  # 令和3年3月12日
    assert aws_like.expires_on == date(2025, 8, 1)  # 令和7年8月1日
    assert not aws_like.expiry_derived
    assert aws_like.provider_key == "examplecloudservicesjapan"

    # Full-width number, name and 和暦 abbreviations.
    city = by_number["C22-0031-1"]
    assert city.service_name == "CityDesk SaaS"
    assert (city.registered_on, city.expires_on) == (date(2022, 6, 1), date(2025, 11, 1))
    # Long marks typed in the number.
    assert by_number["C22-0045-2"].registered_on == date(2022, 8, 10)
    # Excel serial numbers.
    serials = by_number["C21-0015-2"]
    assert (serials.registered_on, serials.expires_on) == (date(2021, 10, 29), date(2025, 12, 1))
    # Only the audit period: expiry = 2024-12-31 + 1 day + 1 year 4 months.
    derived = by_number["C23-0071-1"]
    assert derived.expires_on == date(2026, 5, 1)
    assert derived.expiry_derived
    # Real date cells, and a line break kept in the scope.
    assert by_number["C21-0001-3"].registered_on == date(2021, 3, 12)
    assert "\n" in by_number["C21-0001-3"].scope
    # ISMAP-LIU from its own sheet (no 区分 column there).
    liu = {e.registration_number for e in parsed.entries if e.list_kind is ListKind.ismap_liu}
    assert liu == {"L23-0002-1", "L24-0005-1"}
    assert by_number["L24-0005-1"].sheet == "ISMAP-LIU"
    assert by_number["L24-0005-1"].row == 4


def test_csv_fixture_gives_the_same_services_as_the_xlsx() -> None:
    def facts(content: bytes) -> set[tuple[object, ...]]:
        return {
            (
                e.registration_number,
                e.service_name,
                e.provider_key,
                e.registered_on,
                e.expires_on,
                e.audit_period_start,
                e.audit_period_end,
                e.list_kind,
                e.scope.replace("\n", " "),
            )
            for e in parse_list(content).entries
        }

    # The CSV is Shift_JIS, with other header names, another column order, the audit period in
    # one cell and 区分 as a column.
    assert facts(LIST_A_CSV.read_bytes()) == facts(LIST_A_XLSX.read_bytes())


def test_unusable_rows_are_reported_and_the_rest_imported() -> None:
    content = csv_of(
        [
            ["登録番号", "サービス名", "事業者名", "有効期限", "区分"],
            ["C21-0008-2", "Example Cloud Platform", "Example合同会社", "2025/8/1", "ISMAP"],
            ["ISMAP-123", "壊れた番号", "株式会社A", "2025/8/1", "ISMAP"],
            ["C22-0001-1", "期限が読めない", "株式会社B", "来年", "ISMAP"],
            ["C22-0002-1", "", "株式会社C", "2025/8/1", "ISMAP"],
            ["C21-0008-2", "二重", "株式会社D", "2025/8/1", "ISMAP"],
            ["", "番号なし", "株式会社E", "2025/8/1", "ISMAP"],
            ["C22-0003-1", "区分不明", "株式会社F", "2025/8/1", "その他"],
            ["※ 注記の行"],
        ]
    )
    parsed = parse_list(content)
    assert [e.registration_number for e in parsed.entries] == [
        "C21-0008-2",
        "C22-0001-1",
        "C22-0003-1",
    ]
    unknown_expiry = parsed.entries[1]
    assert unknown_expiry.expires_on is None
    problems = {(p.row, p.column): p.en for p in parsed.problems}
    assert "not in the expected form" in problems[(3, "登録番号")]
    assert "cannot read as a date" in problems[(4, "有効期限")]
    assert "no known expiry" in problems[(4, "")]
    assert "service_name is empty" in problems[(5, "サービス名")]
    assert "appears twice" in problems[(6, "登録番号")]
    assert "no registration number" in problems[(7, "登録番号")]
    assert "unknown list kind" in problems[(8, "区分")]
    assert len(problems) == 7  # the footnote row is not a problem
    assert all(p.ja for p in parsed.problems)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old Excel format"),
        (b"<!DOCTYPE html><html><body>ISMAP</body></html>", "HTML page"),
        (b"PK\x03\x04 not really a zip", "damaged"),
        ("登録番号,サービス名,事業者名\n".encode(), "not a single registered service"),
        ("登録番号,サービス名,事業者名\nISMAP,x,y\n".encode(), "not a single registered service"),
        (b"\x82\xa0\xff\xfe\x00\x81", "cannot decode"),  # neither UTF-8 nor Shift_JIS
    ],
)
def test_files_that_are_not_a_list_are_refused(content: bytes, reason: str) -> None:
    with pytest.raises(ListFormatError) as caught:
        parse_list(content)
    assert reason in caught.value.en
    assert caught.value.ja


def test_a_zip_that_would_unpack_huge_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workbook, "MAX_UNPACKED_BYTES", 100_000)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 100_001)
    assert len(out.getvalue()) < 1000  # small on the wire
    with pytest.raises(ListFormatError) as caught:
        parse_list(out.getvalue())
    assert "unpack" in caught.value.en
