"""Turn the bytes of a downloaded ISMAP list into registered services and a list of problems.

Every sheet is looked at; a sheet without a recognisable header (a notes sheet) is skipped. A row
that cannot be used is reported with its sheet, row and reason instead of stopping the import, so
one mistyped date does not hold back the other few hundred services; a file in which no service
can be read is refused. Pure apart from reading the given bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from service.ismap.dates import (
    DateProblem,
    expiry_from_audit_period,
    parse_list_date,
    parse_period,
    published_date_in,
)
from service.ismap.headers import Column, HeaderLayout, find_header
from service.ismap.listing import ListedService, ListKind
from service.ismap.text import (
    compact_number,
    normalize_block,
    normalize_text,
    parse_registration_number,
    provider_key,
)
from service.ismap.workbook import ListFormatError, Sheet, read_sheets


@dataclass(frozen=True)
class RowProblem:
    sheet: str
    row: int  # 1-based, as Excel shows it
    column: str  # the header text of the cell at fault, or "" for the whole row
    ja: str
    en: str

    def describe(self) -> str:
        where = f"{self.sheet}!{self.row}" + (f" [{self.column}]" if self.column else "")
        return f"{where}: {self.ja} / {self.en}"


@dataclass(frozen=True)
class SheetLayout:
    sheet: str
    header_row: int  # 1-based
    columns: dict[str, str]  # field → the header text it was found under


@dataclass
class ParsedList:
    entries: list[ListedService] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    layouts: list[SheetLayout] = field(default_factory=list)
    published_on: date | None = None  # the list's own date from a title line, when it has one


def parse_list(content: bytes) -> ParsedList:
    """Every registered service in the file; raises ListFormatError when there is none."""
    result = ParsedList()
    seen_numbers: set[str] = set()
    for sheet in read_sheets(content):
        layout = find_header(sheet.rows)
        if layout is None:
            continue
        title = " ".join(
            normalize_text(cell) for row in sheet.rows[: layout.header_row] for cell in row if cell
        )
        result.published_on = result.published_on or published_date_in(title)
        result.layouts.append(
            SheetLayout(
                sheet=sheet.name,
                header_row=layout.header_row + 1,
                columns={column.value: label for column, label in layout.labels.items()},
            )
        )
        default_kind = _kind_from_context(sheet.name, title)
        for index in range(layout.first_data_row, len(sheet.rows)):
            entry = _read_row(sheet, index, layout, default_kind, result.problems)
            if entry is None:
                continue
            if entry.registration_number in seen_numbers:
                result.problems.append(
                    RowProblem(
                        sheet.name,
                        index + 1,
                        layout.labels[Column.registration_number],
                        f"登録番号 {entry.registration_number} が重複しています（先の行を採用）。",
                        f"registration number {entry.registration_number} appears twice "
                        "(the first row is kept)",
                    )
                )
                continue
            seen_numbers.add(entry.registration_number)
            result.entries.append(entry)
    if not result.layouts:
        raise ListFormatError(
            "見出し行が見つかりません（登録番号・クラウドサービスの名称・クラウドサービス事業者の名称の列が必要です）。",
            "no header row found: the list needs columns for the registration number, the "
            "service name and the provider name",
        )
    if not result.entries:
        raise ListFormatError(
            "登録されたサービスを1件も読み取れませんでした。",
            "not a single registered service could be read from the file",
        )
    return result


def _kind_from_context(sheet_name: str, title: str) -> ListKind:
    """A sheet or title naming ISMAP-LIU holds LIU registrations unless a column says otherwise."""
    context = compact_number(sheet_name + " " + title)
    return ListKind.ismap_liu if "LIU" in context else ListKind.ismap


def parse_list_kind(value: object) -> ListKind | None:
    text = compact_number(value)
    if "LIU" in text or "LOWIMPACT" in text:
        return ListKind.ismap_liu
    if "ISMAP" in text:
        return ListKind.ismap
    return None


def _read_row(
    sheet: Sheet,
    index: int,
    layout: HeaderLayout,
    default_kind: ListKind,
    problems: list[RowProblem],
) -> ListedService | None:
    row = sheet.rows[index]
    row_number = index + 1

    def cell(column: Column) -> object:
        position = layout.columns.get(column)
        if position is None or position >= len(row):
            return None
        value = row[position]
        return None if isinstance(value, str) and not value.strip() else value

    def problem(column: Column | None, ja: str, en: str) -> None:
        label = layout.labels.get(column, "") if column else ""
        problems.append(RowProblem(sheet.name, row_number, label, ja, en))

    def read_date(column: Column) -> date | None:
        try:
            return parse_list_date(cell(column))
        except DateProblem as exc:
            problem(column, exc.ja, exc.en)
            return None

    filled = [value for value in row if value not in (None, "")]
    if not filled:
        return None
    raw_number = cell(Column.registration_number)
    number = parse_registration_number(raw_number)
    if len(filled) == 1 and number is None:
        return None  # a footnote (※…) or a caption: one cell is never a registered service
    if raw_number is None:
        problem(Column.registration_number, "登録番号がありません。", "no registration number")
        return None
    if number is None:
        problem(
            Column.registration_number,
            f"登録番号の形式が想定と違います: {normalize_text(raw_number)}",
            f"registration number not in the expected form (e.g. C21-0008-2): "
            f"{normalize_text(raw_number)}",
        )
        return None
    service_name = normalize_text(cell(Column.service_name))
    provider_name = normalize_text(cell(Column.provider_name))
    if not service_name or not provider_name:
        missing = Column.service_name if not service_name else Column.provider_name
        problem(missing, "名称が空欄です。", f"{missing.value} is empty")
        return None

    registered_on = read_date(Column.registered_on)
    expires_on = read_date(Column.expires_on)
    audit_start = read_date(Column.audit_period_start)
    audit_end = read_date(Column.audit_period_end)
    if Column.audit_period in layout.columns and audit_end is None:
        try:
            audit_start, audit_end = parse_period(cell(Column.audit_period))
        except DateProblem as exc:
            problem(Column.audit_period, exc.ja, exc.en)
    expiry_derived = False
    if expires_on is None and audit_end is not None:
        expires_on = expiry_from_audit_period(audit_end)
        expiry_derived = True
    if expires_on is None:
        problem(
            None,
            "有効期限も監査対象期間も読み取れないため、有効期限は不明として取り込みました。",
            "neither an expiry nor an audit period could be read: imported with no known expiry",
        )

    kind = default_kind
    raw_kind = cell(Column.list_kind)
    if raw_kind is not None:
        parsed_kind = parse_list_kind(raw_kind)
        if parsed_kind is None:
            problem(
                Column.list_kind,
                f"区分が読めません（{normalize_text(raw_kind)}）。"
                f"{default_kind.value} として扱います。",
                f"unknown list kind {normalize_text(raw_kind)!r}; taken as {default_kind.value}",
            )
        else:
            kind = parsed_kind

    return ListedService(
        registration_number=number.full,
        stem=number.stem,
        suffix=number.suffix,
        service_name=service_name,
        provider_name=provider_name,
        provider_key=provider_key(provider_name),
        registered_on=registered_on,
        expires_on=expires_on,
        audit_period_start=audit_start,
        audit_period_end=audit_end,
        expiry_derived=expiry_derived,
        scope=normalize_block(cell(Column.scope)),
        list_kind=kind,
        sheet=sheet.name,
        row=row_number,
    )


def problem_lines(problems: Sequence[RowProblem]) -> list[str]:
    return [p.describe() for p in problems]
