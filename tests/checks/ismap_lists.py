"""ISMAP lists for policy tests: one that lists the service of the documented example answers.

The example answers name C99-9999-1; `example_list_csv()` lists it as valid until 2099, so the
ISMAP check (CLD2-SEL-14) passes for the good answers on any evaluation day.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, date, datetime

from service.checks.lookups import RegistryLookups
from service.ismap.matching import IsmapIndex, SnapshotInfo
from service.ismap.parse import parse_list
from tests.ismap.fixtures import csv_of

HEADER = [
    "クラウドサービス名称",
    "事業者名",
    "登録No.",
    "区分",
    "監査対象期間",
    "有効期限",
    "登録年月日",
]
EXAMPLE_ROWS = [
    [
        *("みなと行政クラウド 標準プラン", "みなと行政クラウド株式会社", "C99-9999-1", "ISMAP"),
        *("2024/4/1～2025/3/31", "2099/3/31", "2020/4/1"),
    ],
    [
        *("やまびこメール", "有限会社やまびこネット", "C23-0088-1", "ISMAP"),
        *("2022/10/1～2023/9/30", "2025/2/1", "2023/5/15"),
    ],
]


def example_list_csv() -> bytes:
    """A list naming the example answers' service; a fresh footnote makes its hash new."""
    return csv_of([HEADER, *EXAMPLE_ROWS, [f"※ copy {uuid.uuid4().hex}"]])


def index_of(content: bytes, snapshot_id: str = "test-snapshot") -> IsmapIndex:
    parsed = parse_list(content)
    snapshot = SnapshotInfo(
        id=snapshot_id,
        imported_at=datetime(2026, 4, 1, tzinfo=UTC),
        sha256=hashlib.sha256(content).hexdigest(),
        source="test.csv",
        published_on=parsed.published_on,
    )
    return IsmapIndex(snapshot, parsed.entries)


def example_lookups(on: date = date(2026, 4, 1)) -> RegistryLookups:
    """Look-ups over the example list, judged on `on`."""
    return RegistryLookups(ismap_index=index_of(example_list_csv()), on=on)
