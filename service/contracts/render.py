"""Render a ResolvedContract as .docx. The only module that imports python-docx."""

from __future__ import annotations

import io
import re

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from service.contracts.document import ResolvedContract

MINCHO = "游明朝"  # Word on Windows and macOS; LibreOffice substitutes its own Mincho
LATIN = "Century"
FULL_WIDTH_SPACE = "\u3000"
# XML 1.0 cannot carry most control characters; a vendor answer must not break the file.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _set_fonts(style: object) -> None:
    font = style.font  # type: ignore[attr-defined]
    font.name = LATIN
    font.size = Pt(10.5)
    rpr = style.element.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), MINCHO)
    fonts.set(qn("w:hint"), "eastAsia")


def _page_number_field(paragraph: object) -> None:
    run = paragraph.add_run()  # type: ignore[attr-defined]
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


def _numbered(paragraph_index: int, text: str) -> str:
    # 項: the first paragraph carries no number, the following ones 2, 3 …
    return text if paragraph_index == 0 else f"{paragraph_index + 1}{FULL_WIDTH_SPACE}{text}"


def render_contract(contract: ResolvedContract) -> bytes:
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(25))
    _set_fonts(document.styles["Normal"])

    header = section.header.paragraphs[0]
    header.text = _clean(f"{contract.title}　{contract.engagement_number}")
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_number_field(footer)

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title_run = title.add_run(_clean(contract.title))
    title_run.bold = True
    title_run.font.size = Pt(14)

    document.add_paragraph(_clean(contract.preamble))

    for number, article in enumerate(contract.articles, start=1):
        heading = document.add_paragraph()
        heading.add_run(_clean(f"第{number}条（{article.title}）")).bold = True
        for index, (text, items) in enumerate(article.paragraphs):
            body = document.add_paragraph(_clean(_numbered(index, text)))
            body.paragraph_format.first_line_indent = Mm(3.7) if index == 0 else None
            for item_number, item in enumerate(items, start=1):
                line = document.add_paragraph(_clean(f"({item_number}){FULL_WIDTH_SPACE}{item}"))
                line.paragraph_format.left_indent = Mm(7.4)

    closing = "本特記事項の締結を証するため、本書2通を作成し、甲乙記名押印の上、各自1通を保有する。"
    document.add_paragraph(closing)
    table = document.add_table(rows=3, cols=2)
    table.style = "Table Grid"
    cells = [
        ("甲", "乙"),
        (contract.party_a, contract.party_b),
        ("（記名押印）", f"{contract.party_b_address}\n（記名押印）"),
    ]
    for row, values in zip(table.rows, cells, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = _clean(value)

    if contract.conditions:
        document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        annex = document.add_paragraph()
        annex.add_run("別紙　承認条件").bold = True
        for number, condition in enumerate(contract.conditions, start=1):
            document.add_paragraph(_clean(f"{number}{FULL_WIDTH_SPACE}{condition}"))

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
