"""What `vetting ismap …` prints: an import's result and changes, a registration's status."""

from __future__ import annotations

from collections import Counter

from service.ismap.diff import ChangeKind
from service.ismap.matching import IsmapStatus
from service.ismap.service import ImportOutcome, snapshot_info

_ORDER = [kind.value for kind in ChangeKind]


def print_import(outcome: ImportOutcome) -> None:
    snapshot = outcome.snapshot
    label = snapshot_info(snapshot).label
    if outcome.duplicate:
        latest = "最新" if outcome.is_latest else "最新ではありません / not the latest"
        print(f"already imported / 取込済み: {label.ja}")
        print(f"  same SHA-256 {snapshot.sha256}; no new snapshot was made ({latest})")
        return
    print(f"imported / 取込完了: {label.ja}")
    print(f"  snapshot {snapshot.id}  services: {snapshot.row_count}  source: {snapshot.source}")
    print(f"  sha256 {snapshot.sha256}")
    for layout in snapshot.layouts:
        columns = ", ".join(f"{name}={text}" for name, text in layout["columns"].items())
        print(f"  sheet {layout['sheet']!r}, header row {layout['header_row']}: {columns}")
    if snapshot.problems:
        print(f"rows not used or with problems / 読み取れなかった箇所: {len(snapshot.problems)}")
        for problem in snapshot.problems:
            where = f"{problem['sheet']}!{problem['row']}"
            column = f" [{problem['column']}]" if problem["column"] else ""
            print(f"  {where}{column}: {problem['ja']} / {problem['en']}")
    if snapshot.previous_snapshot_id is None:
        print("first snapshot: nothing to compare with / 初回の取込のため差分はありません")
    counts = Counter(change.kind.value for change in outcome.changes)
    summary = ", ".join(f"{kind} {counts[kind]}" for kind in _ORDER if counts[kind])
    print(f"changes / 変更: {summary or 'none / なし'}")
    for change in outcome.changes:
        print(f"  {change.describe()}")


def print_status(status: IsmapStatus) -> None:
    verdict = "VALID / 有効" if status.valid else "NOT VALID / 無効"
    print(f"{status.query}: {verdict} on {status.on.isoformat()} (match: {status.match.value})")
    print(f"  {status.reason.ja}")
    print(f"  {status.reason.en}")
    for warning in status.warnings:
        print(f"  ! {warning.ja} / {warning.en}")
