"""Paths to the ISMAP list fixtures, and unique copies of them for tests sharing one database."""

from __future__ import annotations

import uuid
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ismap"
LIST_A_XLSX = FIXTURES / "ismap_list_2025-04.xlsx"
LIST_A_CSV = FIXTURES / "ismap_list_2025-04.csv"
LIST_B_XLSX = FIXTURES / "ismap_list_2025-10.xlsx"


def unique_csv(path: Path = LIST_A_CSV) -> bytes:
    """The CSV with a footnote row naming a fresh id: same services, a hash no test saw before.

    Snapshots are global, so a test that needs "its" snapshot to be the latest imports bytes
    nobody imported yet.
    """
    footnote = f"※ copy {uuid.uuid4().hex}\r\n".encode("cp932")
    return path.read_bytes() + footnote


def csv_of(rows: list[list[str]]) -> bytes:
    return "\r\n".join(",".join(row) for row in rows).encode("utf-8") + b"\r\n"


def unique_xlsx(path: Path = LIST_B_XLSX) -> bytes:
    """The workbook re-saved with a fresh id on its notes sheet (same services, new hash)."""
    import io

    from openpyxl import load_workbook

    workbook = load_workbook(path)
    workbook["注意事項"]["A10"] = f"copy {uuid.uuid4().hex}"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
