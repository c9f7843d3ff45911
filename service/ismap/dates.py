"""Dates as the ISMAP list writes them: 西暦, 和暦 (令和/平成, 元年), Excel serials, date cells.

Pure: no I/O. `parse_list_date` returns None for an empty cell and raises `DateProblem` (with a
Japanese and English message) for text that is not a date, so the importer can say which cell.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from service.jst import add_months

# Excel's 1900 date system counts from 1899-12-30 (it keeps Lotus's phantom 1900-02-29).
_EXCEL_EPOCH = date(1899, 12, 30)
# Serials from 1982 to 2104: wide enough for any registration, narrow enough not to take a
# stray number (a row count, a year) for a date.
_SERIAL_RANGE = (30000, 74999)


@dataclass(frozen=True)
class Era:
    name: str
    first_day: date
    last_day: date | None


ERAS = {
    "令和": Era("令和", date(2019, 5, 1), None),
    "平成": Era("平成", date(1989, 1, 8), date(2019, 4, 30)),
    "昭和": Era("昭和", date(1926, 12, 25), date(1989, 1, 7)),
}
# One-letter abbreviations used in forms: R6.4.1, H31.3.31.
_ERA_LETTERS = {"R": "令和", "H": "平成", "S": "昭和"}


class DateProblem(ValueError):
    def __init__(self, ja: str, en: str) -> None:
        super().__init__(en)
        self.ja = ja
        self.en = en


_WESTERN = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s|T|$)")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_JAPANESE = re.compile(
    r"^(令和|平成|昭和|[RHS])\s*(元|\d{1,2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$"
)
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")


def parse_list_date(value: object) -> date | None:
    """A cell's date, whatever its spelling; None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise DateProblem(f"日付ではありません: {value}", f"not a date: {value}")
    if isinstance(value, int | float):
        return _from_serial(float(value))
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(value))).strip().upper()
    if not text or text in {"-", "—", "なし", "N/A"}:
        return None
    if match := _WESTERN.match(text + " "):
        return _make(int(match[1]), int(match[2]), int(match[3]), text)
    if match := _COMPACT.match(text):
        return _make(int(match[1]), int(match[2]), int(match[3]), text)
    if match := _JAPANESE.match(text):
        era = ERAS[_ERA_LETTERS.get(match[1], match[1])]
        era_year = 1 if match[2] == "元" else int(match[2])
        if era_year < 1:
            raise DateProblem(
                f"{era.name}0年はありません: {value}", f"no year 0 in an era: {value}"
            )
        day = _make(era.first_day.year + era_year - 1, int(match[3]), int(match[4]), text)
        if day < era.first_day or (era.last_day is not None and day > era.last_day):
            raise DateProblem(
                f"{era.name}の期間外の日付です: {value}",
                f"{value} falls outside the {era.name} era",
            )
        return day
    if _SERIAL.match(text):
        return _from_serial(float(text))
    raise DateProblem(f"日付として読めません: {value}", f"cannot read as a date: {value}")


def _make(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DateProblem(f"存在しない日付です: {text}", f"no such date: {text}") from None


def _from_serial(serial: float) -> date:
    if not _SERIAL_RANGE[0] <= serial <= _SERIAL_RANGE[1]:
        raise DateProblem(
            f"Excelの日付シリアル値として範囲外です: {serial:g}",
            f"not a plausible Excel date serial: {serial:g}",
        )
    return _EXCEL_EPOCH + timedelta(days=int(serial))


# 2023/4/1～2024/3/31, 令和5年4月1日から令和6年3月31日まで, 2023-04-01 ~ 2024-03-31
_RANGE_SEPARATOR = re.compile(r"\s*(?:~|〜|～|から|至|–|—|\s-\s)\s*")


def parse_period(value: object) -> tuple[date | None, date | None]:
    """An audit period written in one cell: (start, end); (None, None) for an empty cell."""
    if value is None:
        return None, None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text:
        return None, None
    parts = [p for p in _RANGE_SEPARATOR.split(text) if p]
    if len(parts) != 2:
        raise DateProblem(
            f"期間として読めません（開始～終了の形で記載してください）: {value}",
            f"cannot read as a period (start ~ end): {value}",
        )
    start, end = (parse_list_date(part.removeprefix("自").removesuffix("まで")) for part in parts)
    return start, end


def expiry_from_audit_period(audit_end: date) -> date:
    """The registration is valid until 1 year 4 months after the day after the audited period."""
    return add_months(audit_end + timedelta(days=1), 16)


_AS_OF = re.compile(
    r"((?:令和|平成|[RH])\s*(?:元|\d{1,2})\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
    r"|\d{4}\s*[年/.-]\s*\d{1,2}\s*[月/.-]\s*\d{1,2}\s*日?)\s*(?:時点|現在|更新)"
)

_AS_OF_EN = re.compile(r"as\s+of\s+(\d{4}[/.-]\d{1,2}[/.-]\d{1,2})", re.IGNORECASE)


def published_date_in(text: str) -> date | None:
    """The list's own date in a title line (「令和7年4月1日時点」, 「2025/4/1現在」, "as of …")."""
    text = unicodedata.normalize("NFKC", text)
    match = _AS_OF.search(text) or _AS_OF_EN.search(text)
    if match is None:
        return None
    try:
        return parse_list_date(match[1])
    except DateProblem:
        return None
