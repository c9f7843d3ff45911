"""The base .docx a contract is rendered on: the styles it must carry, checked when the catalog
loads. With contracts/render.py, the only modules that import python-docx."""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.enum.style import WD_STYLE_TYPE

REQUIRED_STYLES = (
    "Contract Title",
    "Contract Parties",
    "Contract Preamble",
    "Part Title",
    "Article Heading",
    "Article Lead",
    "Article Paragraph",
    "Article Item",
    "Signature Lead",
    "Annex Heading",
    "Annex Item",
    "Header",
    "Footer",
)
TABLE_STYLE = "Table Grid"


def open_document(base: bytes) -> Any:
    try:
        return Document(io.BytesIO(base))
    except Exception as exc:  # python-docx raises zip, XML and package errors alike
        raise ValueError(f"cannot be opened ({type(exc).__name__}: {exc})") from None


def check_base_document(base: bytes) -> None:
    """Raise ValueError saying what is wrong with a base .docx (the loader names the file)."""
    document = open_document(base)
    names = {s.name for s in document.styles if s.type == WD_STYLE_TYPE.PARAGRAPH}
    missing = [name for name in REQUIRED_STYLES if name not in names]
    if missing:
        raise ValueError(f"paragraph style(s) missing: {missing}")
    if TABLE_STYLE not in {s.name for s in document.styles if s.type == WD_STYLE_TYPE.TABLE}:
        raise ValueError(f"table style '{TABLE_STYLE}' missing")
