"""render_contract: a ResolvedContract as a Japanese A4 .docx on the base document, reopened with
python-docx."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import replace
from typing import Any

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm

from service.contracts.document import Article, Paragraph, Part, Party, ResolvedContract
from service.contracts.render import check_base_document, render_contract
from tests.contracts.sample import base_docx

HEADING = re.compile(r"^第(\d+)条（(.+)）$")
LONG = ("長文テキスト0123456789" * 700)[:10_000]


def contract(**overrides: Any) -> ResolvedContract:
    terms = Part(
        template_id="cloud-security-terms",
        template_version=2,
        title="クラウドサービス利用に係る情報セキュリティ特記事項",
        preamble="テスト市（以下「甲」という。）と株式会社みなと（以下「乙」という。）は、次のとおり合意する。",
        articles=[
            Article(
                clause_id="K01",
                clause_version=1,
                title="情報セキュリティポリシー等の遵守",
                paragraphs=[
                    Paragraph("乙は、甲の情報セキュリティポリシーを遵守しなければならない。"),
                    Paragraph("乙は、責任者を定め、甲に届け出なければならない。"),
                    Paragraph("責任者を変更したときも、同様とする。"),
                ],
            ),
            Article(
                clause_id="K05",
                clause_version=1,
                title="従事者に対する教育",
                paragraphs=[
                    Paragraph(
                        "乙は、次に掲げる事項を教育しなければならない。",
                        ["特記事項の内容", "秘密の適正な取扱い", "事故の報告の手順"],
                    ),
                    Paragraph("乙は、教育の実施状況を甲に報告しなければならない。", ["年1回以上"]),
                ],
            ),
            Article(
                clause_id="K13",
                clause_version=1,
                title="違反した場合の措置",
                paragraphs=[Paragraph("甲は、是正を乙に求めることができる。")],
            ),
        ],
    )
    annex = Part(
        template_id="personal-data-terms",
        template_version=1,
        title="個人情報取扱特記事項",
        preamble="甲及び乙は、個人情報の保護について次のとおり定める。",
        articles=[
            Article(
                clause_id="PK01",
                clause_version=1,
                title="安全管理措置",
                paragraphs=[Paragraph("乙は、安全管理措置を講じなければならない。")],
            ),
            Article(
                clause_id="PK02",
                clause_version=1,
                title="漏えい等の報告",
                paragraphs=[Paragraph("乙は、直ちに報告しなければならない。")],
            ),
        ],
    )
    fields: dict[str, Any] = {
        "title": "クラウドサービス利用に係る情報セキュリティ特記事項",
        "engagement_number": "ENG-2027-0042",
        "subject": "電子申請クラウド",
        "party_a": Party(
            "甲", "利用者", "テスト市", "熊本県人吉市麓町16番地", "テスト市長　山田太郎"
        ),
        "party_b": Party("乙", "提供者", "株式会社みなと", "東京都千代田区霞が関1-1-1", ""),
        "parts": [terms, annex],
        "closing": "本書2通を作成し、甲乙記名押印の上、各自1通を保有する。",
        "conditions": [],
    }
    fields.update(overrides)
    return ResolvedContract(**fields)


def rendered(resolved: ResolvedContract) -> Any:
    return Document(io.BytesIO(render_contract(resolved, base_docx())))


def texts(document: Any) -> list[str]:
    return [p.text for p in document.paragraphs]


def styles(document: Any) -> list[str]:
    return [p.style.name for p in document.paragraphs]


def article_blocks(paragraphs: list[str]) -> list[tuple[int, str, list[str]]]:
    """(number, title, the paragraphs that follow) for each 第N条 heading."""
    blocks: list[tuple[int, str, list[str]]] = []
    for text in paragraphs:
        match = HEADING.match(text)
        if match:
            blocks.append((int(match.group(1)), match.group(2), []))
        elif blocks:
            blocks[-1][2].append(text)
    return blocks


def test_page_is_a4_portrait() -> None:
    section = rendered(contract()).sections[0]
    assert abs(section.page_width - Mm(210)) <= Mm(1)
    assert abs(section.page_height - Mm(297)) <= Mm(1)


def test_east_asian_font_with_a_fallback() -> None:
    content = render_contract(contract(), base_docx())
    document = Document(io.BytesIO(content))
    fonts = document.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "游明朝"
    assert fonts.get(qn("w:ascii")) == "Century"
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        table = package.read("word/fontTable.xml").decode()
        styles_xml = package.read("word/styles.xml").decode()
    # The font table marks 游明朝 as a Japanese font (charset 80) and names ＭＳ 明朝 to use
    # where it is missing.
    entry = re.search(r'<w:font w:name="游明朝">(.*?)</w:font>', table, re.S)
    assert entry, table
    assert 'w:altName w:val="ＭＳ 明朝"' in entry.group(1)
    assert 'w:charset w:val="80"' in entry.group(1)
    assert 'w:eastAsia="ja-JP"' in styles_xml


def test_title_parties_preamble_then_articles_with_the_base_styles() -> None:
    document = rendered(contract())
    paragraphs = texts(document)
    assert paragraphs[:5] == [
        "クラウドサービス利用に係る情報セキュリティ特記事項",
        "件名\u3000電子申請クラウド",
        "利用者（甲）\u3000テスト市",
        "提供者（乙）\u3000株式会社みなと",
        "テスト市（以下「甲」という。）と株式会社みなと（以下「乙」という。）は、次のとおり合意する。",
    ]
    assert styles(document)[:6] == [
        "Contract Title",
        "Contract Parties",
        "Contract Parties",
        "Contract Parties",
        "Contract Preamble",
        "Article Heading",
    ]


def test_articles_paragraphs_and_items_are_numbered() -> None:
    blocks = article_blocks(texts(rendered(contract())))
    assert [(n, title) for n, title, _ in blocks[:3]] == [
        (1, "情報セキュリティポリシー等の遵守"),
        (2, "従事者に対する教育"),
        (3, "違反した場合の措置"),
    ]
    assert blocks[0][2] == [
        "乙は、甲の情報セキュリティポリシーを遵守しなければならない。",
        "2\u3000乙は、責任者を定め、甲に届け出なければならない。",
        "3\u3000責任者を変更したときも、同様とする。",
    ]
    assert blocks[1][2] == [
        "乙は、次に掲げる事項を教育しなければならない。",
        "(1)\u3000特記事項の内容",
        "(2)\u3000秘密の適正な取扱い",
        "(3)\u3000事故の報告の手順",
        "2\u3000乙は、教育の実施状況を甲に報告しなければならない。",
        "(1)\u3000年1回以上",
    ]


def test_each_annex_has_its_title_on_a_new_page_and_numbers_from_1() -> None:
    document = rendered(contract())
    paragraphs = texts(document)
    index = paragraphs.index("個人情報取扱特記事項")
    assert document.paragraphs[index].style.name == "Part Title"
    assert document.paragraphs[index].style.paragraph_format.page_break_before
    assert paragraphs[index + 1] == "甲及び乙は、個人情報の保護について次のとおり定める。"
    blocks = article_blocks(paragraphs[index:])
    assert [(n, title) for n, title, _ in blocks] == [(1, "安全管理措置"), (2, "漏えい等の報告")]


def test_header_holds_the_title_and_engagement_number() -> None:
    section = rendered(contract()).sections[0]
    header = "".join(p.text for p in section.header.paragraphs)
    assert header == "クラウドサービス利用に係る情報セキュリティ特記事項\u3000ENG-2027-0042"


def test_footer_holds_a_page_number_field() -> None:
    footer = rendered(contract()).sections[0].footer._element
    instructions = [node.text for node in footer.iter(qn("w:instrText"))]
    assert [text.strip() for text in instructions] == ["PAGE"]
    kinds = [node.get(qn("w:fldCharType")) for node in footer.iter(qn("w:fldChar"))]
    assert kinds == ["begin", "separate", "end"]


def test_annex_of_conditions_only_when_there_are_some() -> None:
    assert not any("別紙" in text for text in texts(rendered(contract())))

    conditions = ["利用開始までにTLS 1.1以前を無効化すること。", "再委託先を事前に届け出ること。"]
    document = rendered(contract(conditions=conditions))
    paragraphs = texts(document)
    annex = paragraphs.index("別紙\u3000承認条件")
    assert paragraphs[annex + 1 :] == [
        "1\u3000利用開始までにTLS 1.1以前を無効化すること。",
        "2\u3000再委託先を事前に届け出ること。",
    ]
    heading = document.paragraphs[annex]
    assert heading.style.name == "Annex Heading"
    assert heading.style.paragraph_format.page_break_before  # 別紙 starts on a new page
    # It comes after the signature table.
    body = list(document.element.body)
    table_at = next(i for i, el in enumerate(body) if el.tag == qn("w:tbl"))
    assert body.index(heading._element) > table_at


def test_signature_table_names_both_parties() -> None:
    document = rendered(contract())
    assert texts(document)[-1] == "本書2通を作成し、甲乙記名押印の上、各自1通を保有する。"
    assert len(document.tables) == 1
    rows = [[cell.text for cell in row.cells] for row in document.tables[0].rows]
    assert rows[0][0] == "甲（利用者）"
    assert rows[0][1].split("\n") == [
        "住所\u3000熊本県人吉市麓町16番地",
        "名称\u3000テスト市",
        "代表者\u3000テスト市長　山田太郎\u3000\u3000\u3000\u3000印",
    ]
    assert rows[1][0] == "乙（提供者）"
    assert rows[1][1].split("\n")[:2] == [
        "住所\u3000東京都千代田区霞が関1-1-1",
        "名称\u3000株式会社みなと",
    ]
    assert rows[1][1].endswith("印")
    # A party's block does not break across pages.
    for row in document.tables[0].rows:
        assert row._tr.trPr.find(qn("w:cantSplit")) is not None


def test_control_characters_emoji_surrogates_and_long_text_render() -> None:
    nasty = "\x00\x07\x0b\x0c\x1b\ud800\ufffe"
    base = contract()
    resolved = replace(
        base,
        title=f"特記事項{nasty}🙂",
        party_a=replace(base.party_a, name=f"テスト市{nasty}"),
        party_b=replace(base.party_b, name="株式会社\x1bテスト𠮷野家", address="住所\x0b\x0c1-1"),
        parts=[
            Part(
                template_id="t",
                template_version=1,
                title="特記事項",
                preamble=f"前文{nasty}です🙂",
                articles=[
                    Article(
                        clause_id="K01",
                        clause_version=1,
                        title=f"表題{nasty}",
                        paragraphs=[
                            Paragraph(LONG, [f"号{nasty}🙂", "𠮷", "改行\nの後\tタブ"]),
                            Paragraph("第二項\x00"),
                        ],
                    )
                ],
            )
        ],
        conditions=[f"条件{nasty}🙂"],
    )
    content = render_contract(resolved, base_docx())
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        xml = package.read("word/document.xml").decode("utf-8")
    for control in ("\x00", "\x07", "\x0b", "\x0c", "\x1b", "\ufffe"):
        assert control not in xml

    document = Document(io.BytesIO(content))
    paragraphs = texts(document)
    assert paragraphs[0] == "特記事項🙂"
    assert "前文です🙂" in paragraphs
    assert "第1条（表題）" in paragraphs
    assert LONG in paragraphs and len(LONG) == 10_000
    assert "(1)\u3000号🙂" in paragraphs
    assert "(2)\u3000𠮷" in paragraphs
    assert "(3)\u3000改行\nの後\tタブ" in paragraphs
    assert "2\u3000第二項" in paragraphs
    assert "1\u3000条件🙂" in paragraphs
    rows = [[cell.text for cell in row.cells] for row in document.tables[0].rows]
    assert "名称\u3000テスト市" in rows[0][1]
    assert "名称\u3000株式会社テスト𠮷野家" in rows[1][1]
    assert "住所\u3000住所1-1" in rows[1][1]
    assert document.sections[0].header.paragraphs[0].text.startswith("特記事項🙂")


@pytest.mark.parametrize("count", [0, 1, 30])
def test_any_number_of_articles(count: int) -> None:
    articles = [
        Article(
            clause_id=f"K{n:02}",
            clause_version=1,
            title=f"条項{n}",
            paragraphs=[Paragraph("本文")],
        )
        for n in range(1, count + 1)
    ]
    base = contract()
    resolved = replace(base, parts=[replace(base.parts[0], articles=articles)])
    blocks = article_blocks(texts(rendered(resolved)))
    assert [number for number, _, _ in blocks] == list(range(1, count + 1))


def test_the_same_contract_gives_the_same_bytes() -> None:
    first = render_contract(contract(), base_docx())
    second = render_contract(contract(), base_docx())
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()
    changed = render_contract(contract(conditions=["条件"]), base_docx())
    assert changed != first


def test_base_document_checks() -> None:
    check_base_document(base_docx())  # the shipped one is fine
    with pytest.raises(ValueError, match="cannot be opened"):
        check_base_document(b"PK\x03\x04 not really a zip")
    truncated = base_docx()[: len(base_docx()) // 2]
    with pytest.raises(ValueError, match="cannot be opened"):
        check_base_document(truncated)
    plain = io.BytesIO()
    Document().save(plain)  # a valid .docx without our styles
    with pytest.raises(ValueError, match="Article Heading"):
        check_base_document(plain.getvalue())


def test_a_base_without_header_and_footer_still_gets_them() -> None:
    document = Document(io.BytesIO(base_docx()))
    section = document.sections[0]
    section.header.is_linked_to_previous = True  # drops the base's header and footer
    section.footer.is_linked_to_previous = True
    bare = io.BytesIO()
    document.save(bare)
    check_base_document(bare.getvalue())
    result = Document(io.BytesIO(render_contract(contract(), bare.getvalue()))).sections[0]
    assert result.header.paragraphs[0].text.endswith("ENG-2027-0042")
    instructions = [n.text.strip() for n in result.footer._element.iter(qn("w:instrText"))]
    assert instructions == ["PAGE"]


def test_text_direction_controls_are_shown_never_applied() -> None:
    # "…gpj.exe" spelled backwards behind U+202E would read as something else in Word.
    base = contract()
    resolved = replace(
        base,
        party_b=replace(
            base.party_b, name="株式会社\u202eabc\u202c", address="住所\u20661-1\u2069"
        ),
        conditions=["条件\u202d逆\u202c"],
    )
    content = render_contract(resolved, base_docx())
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        xml = package.read("word/document.xml").decode("utf-8")
    for control in ("\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2069"):
        assert control not in xml
    assert "株式会社[U+202E]abc[U+202C]" in xml
    assert "住所[U+2066]1-1[U+2069]" in xml
    assert "条件[U+202D]逆[U+202C]" in xml
