"""Render a ResolvedContract as .docx on a base document. The only module that imports python-docx.

The base .docx (contract_templates/base.docx, built by build_base_docx.py there) carries the
page set-up and the styles named in REQUIRED_STYLES; this module empties its body and writes the
contract with them. Numbers are written as text (第1条, 2, (1)), as Japanese contracts print
them, so they read the same in Word, LibreOffice and any text extraction.
"""

from __future__ import annotations

import copy
import io
import re
import zipfile
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm

from service.contracts.document import Article, Party, ResolvedContract

FULL_WIDTH_SPACE = "\u3000"
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
# XML 1.0 cannot carry most control characters, nor lone surrogates (a JSON string may hold
# "\ud800"); a vendor answer must not break the file.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# Text-direction overrides and isolates can make a clause read differently from what it says.
# Requests refuse them (service/request_model.py); one stored before that, or coming from a data
# file, is shown as its code point, never applied.
_BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def clean(text: str) -> str:
    visible = _BIDI_CONTROL.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)
    return _NOT_XML.sub("", visible)


def _open(base: bytes) -> Any:
    try:
        return Document(io.BytesIO(base))
    except Exception as exc:  # python-docx raises zip, XML and package errors alike
        raise ValueError(f"cannot be opened ({type(exc).__name__}: {exc})") from None


def check_base_document(base: bytes) -> None:
    """Raise ValueError saying what is wrong with a base .docx (the loader names the file)."""
    document = _open(base)
    names = {s.name for s in document.styles if s.type == WD_STYLE_TYPE.PARAGRAPH}
    missing = [name for name in REQUIRED_STYLES if name not in names]
    if missing:
        raise ValueError(f"paragraph style(s) missing: {missing}")
    if TABLE_STYLE not in {s.name for s in document.styles if s.type == WD_STYLE_TYPE.TABLE}:
        raise ValueError(f"table style '{TABLE_STYLE}' missing")


def add_page_number(paragraph: Any) -> None:
    """－ PAGE － as a field (also used by build_base_docx.py for the base's footer)."""
    paragraph.add_run("－ ")
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1")):
        if kind is not None:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == "1":
            element = OxmlElement("w:t")
            element.text = text
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run._r.append(end)
    paragraph.add_run(" －")


class _Writer:
    """Appends paragraphs to the body with the base document's styles.

    Builds the paragraph XML directly: python-docx's `add_paragraph(style=…)` looks the style
    up again for every paragraph, which was most of the time spent on a 30-clause contract.
    """

    def __init__(self, document: Any) -> None:
        self.body = document.element.body
        self.section = self.body.find(qn("w:sectPr"))
        # One prototype paragraph per style, copied for each paragraph written.
        self.prototypes: dict[str, Any] = {}
        for name in REQUIRED_STYLES:
            paragraph = OxmlElement("w:p")
            properties = _child(paragraph, "w:pPr")
            _child(properties, "w:pStyle").set(qn("w:val"), document.styles[name].style_id)
            text = _child(_child(paragraph, "w:r"), "w:t")
            text.set(XML_SPACE, "preserve")
            self.prototypes[name] = paragraph

    def add(self, style: str, text: str) -> Any:
        paragraph = copy.deepcopy(self.prototypes[style])
        run = paragraph[1]
        text = clean(text)
        if "\n" in text or "\t" in text:
            run.remove(run[0])
            _run_text(run, text)
        else:
            run[0].text = text
        self.section.addprevious(paragraph)
        return paragraph

    def article(self, number: int, article: Article) -> None:
        self.add("Article Heading", f"第{number}条（{article.title}）")
        for index, paragraph in enumerate(article.paragraphs):
            if index == 0:
                self.add("Article Lead", paragraph.text)
            else:
                self.add("Article Paragraph", f"{index + 1}{FULL_WIDTH_SPACE}{paragraph.text}")
            for item_number, item in enumerate(paragraph.items, start=1):
                self.add("Article Item", f"({item_number}){FULL_WIDTH_SPACE}{item}")


def _child(parent: Any, tag: str) -> Any:
    child = OxmlElement(tag)
    parent.append(child)
    return child


def _run_text(run: Any, text: str) -> None:
    """Text into a run: line breaks and tabs as Word writes them, spaces kept."""
    for line_number, line in enumerate(text.split("\n")):
        if line_number:
            _child(run, "w:br")
        for piece_number, piece in enumerate(line.split("\t")):
            if piece_number:
                _child(run, "w:tab")
            if piece:
                node = _child(run, "w:t")
                node.text = piece
                node.set(XML_SPACE, "preserve")


def _party_lines(party: Party) -> list[str]:
    lines = [f"住所{FULL_WIDTH_SPACE}{party.address}", f"名称{FULL_WIDTH_SPACE}{party.name}"]
    # 乙's representative writes (or stamps) the name when signing.
    representative = party.representative or FULL_WIDTH_SPACE * 10
    lines.append(f"代表者{FULL_WIDTH_SPACE}{representative}{FULL_WIDTH_SPACE * 4}印")
    return lines


def _signature_table(document: Any, contract: ResolvedContract) -> None:
    table = document.add_table(rows=2, cols=2)
    table.style = document.styles[TABLE_STYLE]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = (Mm(35), Mm(125))
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row, party in zip(table.rows, (contract.party_a, contract.party_b), strict=True):
        # A party's block never breaks across pages.
        _child(row._tr.get_or_add_trPr(), "w:cantSplit")
        label, details = row.cells
        label.width, details.width = widths
        label.paragraphs[0].add_run(clean(f"{party.label}（{party.role}）"))
        lines = _party_lines(party)
        details.paragraphs[0].add_run(clean(lines[0]))
        for line in lines[1:]:
            details.add_paragraph().add_run(clean(line))
    # Both parties on one page: the first row keeps with the next.
    for cell in table.rows[0].cells:
        for paragraph in cell.paragraphs:
            paragraph.paragraph_format.keep_with_next = True


def _header_and_footer(document: Any, contract: ResolvedContract) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    # base.docx brings its header and footer (cheaper than creating the parts each time).
    header = section.header.paragraphs[0]
    for run in list(header.runs):
        run._r.getparent().remove(run._r)
    header.style = document.styles["Header"]
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    header.add_run(clean(f"{contract.title}{FULL_WIDTH_SPACE}{contract.engagement_number}"))
    footer = section.footer
    fields = [node.text or "" for node in footer._element.iter(qn("w:instrText"))]
    if not any(field.split()[:1] == ["PAGE"] for field in fields):
        paragraph = footer.paragraphs[0]
        paragraph.style = document.styles["Footer"]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        add_page_number(paragraph)


def render_contract(contract: ResolvedContract, base: bytes) -> bytes:
    """The contract as .docx bytes; the same contract and base give the same bytes."""
    document = _open(base)
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    write = _Writer(document)
    _header_and_footer(document, contract)

    write.add("Contract Title", contract.title)
    write.add("Contract Parties", f"件名{FULL_WIDTH_SPACE}{contract.subject}")
    for party in (contract.party_a, contract.party_b):
        write.add(
            "Contract Parties", f"{party.role}（{party.label}）{FULL_WIDTH_SPACE}{party.name}"
        )
    for index, part in enumerate(contract.parts):
        if index > 0:
            write.add("Part Title", part.title)
        write.add("Contract Preamble", part.preamble)
        for number, article in enumerate(part.articles, start=1):
            write.article(number, article)

    write.add("Signature Lead", contract.closing)
    _signature_table(document, contract)

    if contract.conditions:
        write.add("Annex Heading", "別紙　承認条件")
        for number, condition in enumerate(contract.conditions, start=1):
            write.add("Annex Item", f"{number}{FULL_WIDTH_SPACE}{condition}")

    properties = document.core_properties
    properties.title = clean(contract.title)[:255]
    properties.identifier = clean(contract.engagement_number)[:255]
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_times(buffer.getvalue())


def _fixed_times(content: bytes) -> bytes:
    """Rewrite the zip with fixed member times so that equal contracts hash equal."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(member, source.read(info.filename))
    return out.getvalue()
