"""The header row is found by name wherever it sits, and columns by name in any order."""

from __future__ import annotations

import io
import random
from datetime import date

import pytest
from openpyxl import Workbook

from service.ismap.headers import Column, classify, find_header
from service.ismap.parse import parse_list
from service.ismap.workbook import ListFormatError

BASE_HEADER = {
    Column.registration_number: "登録番号",
    Column.service_name: "クラウドサービスの名称",
    Column.provider_name: "クラウドサービス事業者の名称",
    Column.registered_on: "登録日",
    Column.expires_on: "有効期限",
    Column.scope: "言明対象範囲",
    Column.list_kind: "区分",
}
ROW = {
    Column.registration_number: "C21-0008-2",
    Column.service_name: "Example Cloud Platform",
    Column.provider_name: "Example Cloud Services Japan合同会社",
    Column.registered_on: "令和3年3月12日",
    Column.expires_on: "2025/8/1",
    Column.scope: "コンピュート、ストレージ",
    Column.list_kind: "ISMAP",
}


@pytest.mark.parametrize(
    ("cell", "column"),
    [
        ("登録番号", Column.registration_number),
        ("登録No.", Column.registration_number),
        ("登録ＮＯ", Column.registration_number),
        ("Registration No.", Column.registration_number),
        ("Registration Number", Column.registration_number),
        ("クラウドサービスの名称", Column.service_name),
        ("クラウドサービス名", Column.service_name),
        ("サービス名称", Column.service_name),
        ("Cloud Service Name", Column.service_name),
        ("クラウドサービス事業者の名称", Column.provider_name),
        ("クラウド\nサービス\n事業者名", Column.provider_name),  # line breaks in the cell
        ("事業者名", Column.provider_name),
        ("Cloud Service Provider", Column.provider_name),
        ("登録日", Column.registered_on),
        ("登録年月日", Column.registered_on),
        ("Registration Date", Column.registered_on),
        ("有効期限", Column.expires_on),
        ("有効期限（監査対象期間終了日の翌日から1年4か月）", Column.expires_on),
        ("Expiry Date", Column.expires_on),
        ("監査対象期間", Column.audit_period),
        ("監査対象期間（開始日）", Column.audit_period_start),
        ("監査対象期間 終了日", Column.audit_period_end),
        ("Audit Period Start", Column.audit_period_start),
        ("言明対象範囲", Column.scope),
        ("サービス概要", Column.scope),
        ("区分", Column.list_kind),
        ("種別", Column.list_kind),
    ],
)
def test_alias_variants_name_their_column(cell: str, column: Column) -> None:
    found = classify(cell)
    assert found is not None
    assert found[0] is column


@pytest.mark.parametrize("cell", ["", "備考", "所在地", "No.", "ISMAPクラウドサービスリスト", None])
def test_other_cells_name_no_column(cell: str | None) -> None:
    assert classify(cell) is None


@pytest.mark.parametrize("seed", range(8))
def test_shuffled_columns_under_title_rows(seed: int) -> None:
    shuffle = random.Random(seed)
    columns = list(BASE_HEADER)
    shuffle.shuffle(columns)
    extra = ["備考"] if seed % 2 else []  # a column we do not know is ignored
    blank_rows = [[None] * 3 for _ in range(seed % 3)]
    grid: list[list[object]] = [
        ["ISMAPクラウドサービスリスト（令和7年4月1日時点）"],
        *blank_rows,
        ["※ 登録番号順"],
        [BASE_HEADER[c] for c in columns] + extra,
        [ROW[c] for c in columns] + ["-"] * len(extra),
    ]
    layout = find_header(grid)
    assert layout is not None
    assert layout.header_row == len(grid) - 2
    assert layout.first_data_row == len(grid) - 1
    assert layout.columns == {c: columns.index(c) for c in columns}


def test_a_title_that_mentions_a_column_is_not_the_header() -> None:
    grid: list[list[object]] = [
        ["登録番号・クラウドサービスの名称の一覧"],
        ["登録No", "サービス名", "事業者名", "登録日"],
        ["C21-0008-2", "Example Cloud Platform", "Example合同会社", "2021/3/12"],
    ]
    layout = find_header(grid)
    assert layout is not None
    assert layout.header_row == 1


def test_header_over_two_rows_with_merged_parent() -> None:
    grid: list[list[object]] = [
        ["登録番号", "クラウドサービスの名称", "事業者名", "監査対象期間", None, "言明対象範囲"],
        [None, None, None, "開始日", "終了日", None],
        ["C21-0008-2", "Example Cloud Platform", "Example合同会社", "2023/4/1", "2024/3/31", ""],
    ]
    layout = find_header(grid)
    assert layout is not None
    assert (layout.header_row, layout.first_data_row) == (1, 2)
    assert layout.columns[Column.audit_period_start] == 3
    assert layout.columns[Column.audit_period_end] == 4


def test_no_header_without_the_required_columns() -> None:
    grid: list[list[object]] = [
        ["登録番号", "登録日", "有効期限"],  # no service or provider name
        ["C21-0008-2", "2021/3/12", "2025/8/1"],
    ]
    assert find_header(grid) is None


def test_shuffled_xlsx_with_english_headers_and_audit_period_only() -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Cloud service list (as of 2025/4/1)"])
    sheet.append([])
    sheet.append(
        [
            "Audit Period End",
            "Cloud Service Provider",
            "Registration No.",
            "Audit Period Start",
            "Cloud Service Name",
        ]
    )
    sheet.append(
        [
            date(2024, 3, 31),
            "North Harbor Systems, Inc.",
            "C23-0094-1",
            date(2023, 4, 1),
            "Harbor CRM Cloud",
        ]
    )
    out = io.BytesIO()
    workbook.save(out)
    parsed = parse_list(out.getvalue())
    (entry,) = parsed.entries
    assert entry.registration_number == "C23-0094-1"
    assert entry.service_name == "Harbor CRM Cloud"
    assert entry.provider_name == "North Harbor Systems, Inc."
    assert (entry.audit_period_start, entry.audit_period_end) == (
        date(2023, 4, 1),
        date(2024, 3, 31),
    )
    assert entry.expires_on == date(2025, 8, 1)
    assert entry.expiry_derived
    assert parsed.published_on == date(2025, 4, 1)


def test_a_file_without_any_header_is_refused() -> None:
    with pytest.raises(ListFormatError) as caught:
        parse_list("名前,値\nA,1\n".encode())
    assert "no header row" in caught.value.en
    assert "見出し行" in caught.value.ja
