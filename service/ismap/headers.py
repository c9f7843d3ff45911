"""Find the header row of a sheet of the ISMAP list and which column holds what.

Columns are found by name, never by position: each header cell is compared with an alias
dictionary, each row near the top of the sheet is scored by how many fields it names, and the best
row that names the three required fields wins. A title row above the header, a header split over
two rows (「監査対象期間」 merged above 「開始日」「終了日」) and shuffled columns are all fine.
Pure: works on a grid of cell values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from service.ismap.text import header_key, normalize_text


class Column(StrEnum):
    registration_number = "registration_number"
    service_name = "service_name"
    provider_name = "provider_name"
    registered_on = "registered_on"
    expires_on = "expires_on"
    audit_period_start = "audit_period_start"
    audit_period_end = "audit_period_end"
    audit_period = "audit_period"  # start and end written in one cell
    scope = "scope"
    list_kind = "list_kind"


REQUIRED = frozenset({Column.registration_number, Column.service_name, Column.provider_name})

# Spellings seen or expected in the list and in re-typed copies of it, compared after header_key
# (lower case, no spaces, brackets or punctuation).
ALIASES: dict[Column, tuple[str, ...]] = {
    Column.registration_number: (
        "登録番号",
        "ismap登録番号",
        "登録no",
        "登録ナンバー",
        "登録id",
        "registrationno",
        "registrationnumber",
    ),
    Column.service_name: (
        "クラウドサービスの名称",
        "クラウドサービス名称",
        "クラウドサービス名",
        "サービスの名称",
        "サービス名称",
        "サービス名",
        "cloudservicename",
        "servicename",
    ),
    Column.provider_name: (
        "クラウドサービス事業者の名称",
        "クラウドサービス事業者名",
        "クラウドサービス事業者",
        "事業者の名称",
        "事業者名称",
        "事業者名",
        "申請者の名称",
        "申請者名",
        "提供事業者",
        "cloudserviceprovidername",
        "cloudserviceprovider",
        "providername",
        "provider",
    ),
    Column.registered_on: (
        "登録日",
        "登録年月日",
        "登録日付",
        "初回登録日",
        "registrationdate",
        "dateofregistration",
        "registered",
    ),
    Column.expires_on: (
        "有効期限",
        "登録有効期限",
        "登録の有効期限",
        "有効期間満了日",
        "expirydate",
        "expirationdate",
        "validuntil",
        "expiry",
    ),
    Column.audit_period_start: (
        "監査対象期間開始日",
        "監査対象期間の開始日",
        "監査対象期間開始",
        "監査期間開始日",
        "auditperiodstart",
        "auditperiodstartdate",
    ),
    Column.audit_period_end: (
        "監査対象期間終了日",
        "監査対象期間の終了日",
        "監査対象期間終了",
        "監査期間終了日",
        "auditperiodend",
        "auditperiodenddate",
    ),
    Column.audit_period: ("監査対象期間", "監査期間", "auditperiod"),
    Column.scope: (
        "言明対象範囲",
        "言明の対象範囲",
        "言明対象",
        "サービス概要",
        "クラウドサービスの概要",
        "概要",
        "対象範囲",
        "scope",
        "serviceoverview",
        "description",
    ),
    Column.list_kind: ("区分", "登録区分", "制度区分", "種別", "制度", "category", "listtype"),
}

# A second header row under a merged 「監査対象期間」 names only the part: 開始日 / 終了日.
_SUB_LABELS = {
    "開始日": "開始日",
    "開始": "開始日",
    "自": "開始日",
    "from": "開始日",
    "start": "開始日",
    "終了日": "終了日",
    "終了": "終了日",
    "至": "終了日",
    "to": "終了日",
    "end": "終了日",
}

# How many rows from the top may hold the header (title lines, notes, blank rows above it).
SCAN_ROWS = 30


@dataclass(frozen=True)
class HeaderLayout:
    header_row: int  # 0-based index of the (last) header row
    first_data_row: int  # 0-based
    columns: dict[Column, int]  # column → 0-based cell index
    labels: dict[Column, str]  # the header text that was matched, for reports


def classify(cell: object) -> tuple[Column, int, int] | None:
    """(column, strength, alias length) for a header cell; None when it names no known column.

    Strength 3 = the whole cell is an alias, 2 = it starts with one, 1 = it contains one; a longer
    alias beats a shorter one at the same strength (監査対象期間終了日 before 監査対象期間).
    """
    key = header_key(cell)
    if not key:
        return None
    best: tuple[Column, int, int] | None = None
    for column, aliases in ALIASES.items():
        for alias in aliases:
            if key == alias:
                strength = 3
            elif key.startswith(alias):
                strength = 2
            elif alias in key and len(alias) >= 3:
                strength = 1
            else:
                continue
            if best is None or (strength, len(alias)) > (best[1], best[2]):
                best = (column, strength, len(alias))
    return best


def _assign(labels: Sequence[str]) -> tuple[dict[Column, int], dict[Column, str]]:
    """Map each column to its best-matching cell (the first of equally good ones)."""
    chosen: dict[Column, tuple[int, int, int]] = {}  # column → (strength, alias length, index)
    for index, label in enumerate(labels):
        found = classify(label)
        if found is None:
            continue
        column, strength, length = found
        held = chosen.get(column)
        if held is None or (strength, length) > (held[0], held[1]):
            chosen[column] = (strength, length, index)
    columns = {column: index for column, (_, _, index) in chosen.items()}
    return columns, {column: labels[index] for column, index in columns.items()}


def _row_text(row: Sequence[object]) -> list[str]:
    return [normalize_text(cell) for cell in row]


def _with_sub_labels(upper: list[str], lower: list[str]) -> list[str] | None:
    """Combine a header row with a row of sub-labels under it, or None when there is none."""
    subs = {i: _SUB_LABELS.get(header_key(text)) for i, text in enumerate(lower)}
    if not any(subs.values()) or any(text and not subs[i] for i, text in enumerate(lower)):
        return None  # the lower row is data (or something else), not sub-labels
    combined = list(upper) + [""] * max(0, len(lower) - len(upper))
    parent = ""
    for i in range(len(combined)):
        if combined[i]:
            parent = combined[i]
        sub = subs.get(i)
        if sub:
            # A merged parent cell is empty to the right of its first column: carry it over.
            combined[i] = (combined[i] or parent) + sub
    return combined


def find_header(rows: Sequence[Sequence[object]]) -> HeaderLayout | None:
    """The best header near the top of a sheet, or None when no row names the required columns."""
    best: tuple[int, HeaderLayout] | None = None
    top = [_row_text(row) for row in rows[:SCAN_ROWS]]
    for index, labels in enumerate(top):
        layouts = []
        columns, matched = _assign(labels)
        layouts.append(HeaderLayout(index, index + 1, columns, matched))
        if index + 1 < len(top):
            combined = _with_sub_labels(labels, top[index + 1])
            if combined is not None:
                columns, matched = _assign(combined)
                layouts.append(HeaderLayout(index + 1, index + 2, columns, matched))
        for layout in layouts:
            if not set(layout.columns) >= REQUIRED:
                continue
            score = len(layout.columns)
            if best is None or score > best[0]:
                best = (score, layout)
    return best[1] if best else None
