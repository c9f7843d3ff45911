"""Read the bytes of a downloaded list (XLSX or CSV) into plain grids of cell values.

The only module that opens workbooks. The format is told by the bytes, not the file name: an
XLSX is a ZIP archive; an old .xls or an HTML page (the portal itself, not its download) is refused
with a message saying what to do instead.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

from openpyxl import load_workbook

# A sheet stops after this many empty rows in a row: formatting often reaches row 1,048,576.
_EMPTY_RUN_LIMIT = 200
MAX_ROWS_PER_SHEET = 20_000
# An XLSX is compressed XML; refuse one that would unpack to more than this (a "zip bomb").
MAX_UNPACKED_BYTES = 200 * 1024 * 1024


class ListFormatError(ValueError):
    """The file is not a list we can read; `ja` and `en` say why and what to do."""

    def __init__(self, ja: str, en: str) -> None:
        super().__init__(en)
        self.ja = ja
        self.en = en


@dataclass(frozen=True)
class Sheet:
    name: str
    rows: list[list[object]]


def read_sheets(content: bytes) -> list[Sheet]:
    """Every sheet of an XLSX, or the one table of a CSV."""
    if not content.strip():
        raise ListFormatError("ファイルが空です。", "the file is empty")
    if content.startswith(b"PK\x03\x04"):
        return _read_xlsx(content)
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise ListFormatError(
            "Excel 97-2003 形式 (.xls) は読み込めません。"
            "Excelで .xlsx または CSV として保存し直してください。",
            "the old Excel format (.xls) cannot be read; save it as .xlsx or CSV and import again",
        )
    head = content[:512].lstrip().lower()
    if head.startswith((b"<!doctype", b"<html", b"<?xml")) or b"<html" in head:
        raise ListFormatError(
            "HTMLページが届きました（一覧のファイルではありません）。ポータルからExcelファイルをダウンロードして取り込んでください。",
            "this is an HTML page, not the list; download the Excel file from the portal and "
            "import that file",
        )
    return [Sheet(name="CSV", rows=_read_csv(content))]


def _read_xlsx(content: bytes) -> list[Sheet]:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise ListFormatError(
            "XLSXファイルが壊れています。", "the XLSX file is damaged (not a valid ZIP)"
        ) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise ListFormatError(
            "XLSXファイルの展開後のサイズが大きすぎます。",
            f"the XLSX would unpack to {unpacked} bytes, over {MAX_UNPACKED_BYTES}",
        )
    try:
        # Not read-only: merged header cells are only known in the normal mode.
        workbook = load_workbook(io.BytesIO(content), data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise ListFormatError(
            f"XLSXファイルを開けません: {type(exc).__name__}",
            f"cannot open the XLSX file: {type(exc).__name__}: {exc}",
        ) from None
    sheets = []
    for worksheet in workbook.worksheets:
        rows: list[list[object]] = []
        empty_run = 0
        for values in worksheet.iter_rows(values_only=True):
            row: list[object] = list(values)
            empty_run = 0 if any(v not in (None, "") for v in row) else empty_run + 1
            if empty_run > _EMPTY_RUN_LIMIT or len(rows) >= MAX_ROWS_PER_SHEET:
                break
            rows.append(row)
        sheets.append(Sheet(name=worksheet.title, rows=rows))
    workbook.close()
    return sheets


def _decode(content: bytes) -> str:
    # Japanese CSVs come as UTF-8 (often with a BOM) or as Shift_JIS from Excel (cp932).
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ListFormatError(
        "CSVの文字コードが読めません（UTF-8 または Shift_JIS にしてください）。",
        "cannot decode the CSV (use UTF-8 or Shift_JIS)",
    )


def _read_csv(content: bytes) -> list[list[object]]:
    text = _decode(content)
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            text[:8192], delimiters=",\t;"
        )
    except csv.Error:
        dialect = csv.excel
    try:
        rows: list[list[object]] = [list(row) for row in csv.reader(io.StringIO(text), dialect)]
    except csv.Error as exc:
        raise ListFormatError(f"CSVを読めません: {exc}", f"cannot read the CSV: {exc}") from None
    if len(rows) > MAX_ROWS_PER_SHEET:
        raise ListFormatError(
            f"行数が多すぎます（上限 {MAX_ROWS_PER_SHEET} 行）。",
            f"too many rows (limit {MAX_ROWS_PER_SHEET})",
        )
    return rows
