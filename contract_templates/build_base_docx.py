"""Build contract_templates/base.docx: the page set-up and styles every generated contract uses.

Run from the repository root after changing a style, and commit the result:

    .venv/bin/python contract_templates/build_base_docx.py

The renderer (service/contracts/render.py) opens base.docx, empties its body and writes the
contract with these styles; the loader refuses a base .docx that lacks one of them
(REQUIRED_STYLES in service/catalog/base_document.py). Legal staff may also restyle base.docx in
Word, keeping the style names.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt
from docx.styles import BabelFish

from service.contracts.render import add_page_number

OUT = Path(__file__).resolve().parent / "base.docx"
MINCHO = "游明朝"  # Windows 8.1+ and macOS
MINCHO_FALLBACK = "ＭＳ 明朝"  # every Windows since 3.1; LibreOffice maps both to its own Mincho
GOTHIC = "游ゴシック"
LATIN = "Century"
CHAR = 10.5  # one full-width character at the body size, in points

# Fonts as Word and LibreOffice look them up: charset 80 (Shift_JIS) marks a Japanese font, so
# a reader without it substitutes a Japanese font; altName names the one to try first.
FONT_TABLE = f"""<w:fonts {nsdecls("w")}>
  <w:font w:name="{LATIN}"><w:panose1 w:val="02040604050505020304"/><w:charset w:val="00"/>
    <w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>
  <w:font w:name="{MINCHO}"><w:altName w:val="{MINCHO_FALLBACK}"/>
    <w:panose1 w:val="02020400000000000000"/><w:charset w:val="80"/>
    <w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>
  <w:font w:name="{MINCHO_FALLBACK}"><w:altName w:val="MS Mincho"/>
    <w:panose1 w:val="02020609040205080304"/><w:charset w:val="80"/>
    <w:family w:val="roman"/><w:pitch w:val="fixed"/></w:font>
  <w:font w:name="{GOTHIC}"><w:altName w:val="ＭＳ ゴシック"/>
    <w:panose1 w:val="020B0400000000000000"/><w:charset w:val="80"/>
    <w:family w:val="swiss"/><w:pitch w:val="variable"/></w:font>
</w:fonts>"""


def set_fonts(element: Any, east_asian: str = MINCHO) -> None:
    """Latin text in Century, Japanese in Mincho, on a style's or the defaults' run properties."""
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attribute), LATIN)
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:hint"), "eastAsia")
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)


def paragraph_style(
    document: Any,
    name: str,
    *,
    size: float = CHAR,
    bold: bool = False,
    align: WD_ALIGN_PARAGRAPH | None = None,
    left: float = 0,
    first_line: float = 0,
    before: float = 0,
    after: float = 0,
    keep_with_next: bool = False,
    page_break_before: bool = False,
    east_asian: str = MINCHO,
) -> None:
    style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = document.styles["Normal"]
    style.quick_style = True
    style.font.size = Pt(size)
    style.font.bold = bold
    set_fonts(style.element, east_asian)
    layout = style.paragraph_format
    if align is not None:
        layout.alignment = align
    layout.left_indent = Pt(left)
    layout.first_line_indent = Pt(first_line)
    layout.space_before = Pt(before)
    layout.space_after = Pt(after)
    layout.keep_with_next = keep_with_next
    layout.page_break_before = page_break_before
    layout.widow_control = True


def build() -> bytes:
    document = Document()
    body = document.element.body
    for paragraph in list(body.iterchildren(qn("w:p"))):
        body.remove(paragraph)

    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(25)
    section.left_margin = section.right_margin = Mm(25)
    section.header_distance = section.footer_distance = Mm(12)

    # Document defaults: Japanese language for East Asian text (line breaking, punctuation).
    defaults = document.styles.element.find(qn("w:docDefaults"))
    run_defaults = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    language = run_defaults.find(qn("w:lang"))
    if language is None:
        language = OxmlElement("w:lang")
        run_defaults.append(language)
    language.set(qn("w:val"), "en-US")
    language.set(qn("w:eastAsia"), "ja-JP")

    normal = document.styles["Normal"]
    normal.font.size = Pt(CHAR)
    set_fonts(normal.element)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.15
    for name in ("Header", "Footer"):
        set_fonts(document.styles[name].element)
        document.styles[name].font.size = Pt(9)

    paragraph_style(
        document,
        "Contract Title",
        size=16,
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        after=18,
        east_asian=GOTHIC,
    )
    paragraph_style(document, "Contract Parties", left=CHAR * 2, after=2)
    paragraph_style(document, "Contract Preamble", first_line=CHAR, before=12, after=12)
    paragraph_style(
        document,
        "Part Title",
        size=14,
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        after=12,
        page_break_before=True,
        east_asian=GOTHIC,
    )
    paragraph_style(
        document, "Article Heading", bold=True, before=8, keep_with_next=True, east_asian=GOTHIC
    )
    # The first 項 carries no number and starts one character in; later ones hang their number.
    paragraph_style(document, "Article Lead", first_line=CHAR)
    paragraph_style(document, "Article Paragraph", left=CHAR, first_line=-CHAR)
    paragraph_style(document, "Article Item", left=CHAR * 3, first_line=-CHAR * 2)
    paragraph_style(
        document, "Signature Lead", first_line=CHAR, before=18, after=12, keep_with_next=True
    )
    paragraph_style(
        document,
        "Annex Heading",
        size=12,
        bold=True,
        after=12,
        page_break_before=True,
        east_asian=GOTHIC,
    )
    paragraph_style(document, "Annex Item", left=CHAR * 2, first_line=-CHAR * 2, after=4)

    # Header (the renderer writes the title and engagement number) and footer (page number).
    section.header.is_linked_to_previous = False
    header = section.header.paragraphs[0]
    header.style = document.styles["Header"]
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    section.footer.is_linked_to_previous = False
    footer = section.footer.paragraphs[0]
    footer.style = document.styles["Footer"]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    add_page_number(footer)

    _prune(document)
    package = document.part.package
    for part in package.iter_parts():
        if str(part.partname) == "/word/fontTable.xml":
            part._blob = FONT_TABLE.encode("utf-8")
    # The stock template's thumbnail shows an empty page; a contract is better without it.
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package.rels[rel_id]
    document.core_properties.title = "情報セキュリティ特記事項（書式）"
    document.core_properties.author = "vetting service"
    document.core_properties.last_modified_by = "vetting service"
    document.core_properties.comments = "contract_templates/build_base_docx.py"

    buffer = io.BytesIO()
    document.save(buffer)
    return _stable_zip(buffer.getvalue())


KEEP_STYLES = {
    "Normal",
    "Header",
    "Header Char",
    "Footer",
    "Footer Char",
    "Default Paragraph Font",
    "Normal Table",
    "No List",
    "Table Grid",
}
DROP_PART_RELS = {
    "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects",
    RT.CUSTOM_XML,
    RT.WEB_SETTINGS,
}


def _prune(document: Any) -> None:
    """Keep only the styles contracts use: the stock template carries some 800 kB of others,
    which every generated contract would otherwise parse and compress again."""
    styles = document.styles.element
    latent = styles.find(qn("w:latentStyles"))
    if latent is not None:
        styles.remove(latent)
    ours = {"Contract", "Part", "Article", "Signature", "Annex"}
    for style in list(styles.iterchildren(qn("w:style"))):
        name = BabelFish.internal2ui(style.find(qn("w:name")).get(qn("w:val")))
        if name not in KEEP_STYLES and name.split(" ")[0] not in ours:
            styles.remove(style)
    for rel_id, rel in list(document.part.rels.items()):
        if rel.reltype in DROP_PART_RELS:
            del document.part.rels[rel_id]


def _stable_zip(content: bytes) -> bytes:
    """The same bytes on every build: fixed member times, so git sees only real changes."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            member.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(member, source.read(info.filename))
    return out.getvalue()


if __name__ == "__main__":
    OUT.write_bytes(build())
    # Prove the result opens and carries the styles before anyone commits it.
    check = Document(str(OUT))
    assert check.styles["Article Paragraph"].paragraph_format.first_line_indent == Pt(-CHAR)
    print(f"wrote {OUT}")
