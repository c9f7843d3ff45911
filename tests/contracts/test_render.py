"""render_contract: a ResolvedContract as a Japanese A4 .docx, reopened with python-docx."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm

from service.contracts.document import Article, ResolvedContract
from service.contracts.render import render_contract
from tests.contracts.sample import shipped_contract

HEADING = re.compile(r"^第(\d+)条（(.+)）$")
LONG = ("長文テキスト0123456789" * 700)[:10_000]


def contract(**overrides: Any) -> ResolvedContract:
    fields: dict[str, Any] = {
        "title": "クラウドサービス利用に係る情報セキュリティ特記事項",
        "engagement_number": "ENG-2027-0042",
        "party_a": "テスト市",
        "party_b": "株式会社みなとクラウドサービス",
        "party_b_address": "東京都千代田区霞が関1-1-1",
        "preamble": (
            "テスト市（以下「甲」という。）と株式会社みなとクラウドサービス（以下「乙」という。）"
            "は、次のとおり合意する。"
        ),
        "articles": [
            Article(
                clause_id="K01",
                clause_version=1,
                title="情報セキュリティポリシー等の遵守",
                paragraphs=[
                    ("乙は、甲の情報セキュリティポリシーを遵守しなければならない。", []),
                    ("乙は、責任者を定め、甲に届け出なければならない。", []),
                    ("責任者を変更したときも、同様とする。", []),
                ],
            ),
            Article(
                clause_id="K05",
                clause_version=1,
                title="従事者に対する教育",
                paragraphs=[
                    (
                        "乙は、次に掲げる事項を教育しなければならない。",
                        ["特記事項の内容", "秘密の適正な取扱い", "事故の報告の手順"],
                    ),
                    ("乙は、教育の実施状況を甲に報告しなければならない。", ["年1回以上"]),
                ],
            ),
            Article(
                clause_id="K13",
                clause_version=1,
                title="違反した場合の措置",
                paragraphs=[("甲は、是正を乙に求めることができる。", [])],
            ),
        ],
        "conditions": [],
    }
    fields.update(overrides)
    return ResolvedContract(**fields)


def reopen(content: bytes) -> Any:
    return Document(io.BytesIO(content))


def texts(document: Any) -> list[str]:
    return [p.text for p in document.paragraphs]


def article_blocks(document: Any) -> list[tuple[int, str, list[str]]]:
    """(number, title, the paragraphs that follow) for each 第N条 heading."""
    blocks: list[tuple[int, str, list[str]]] = []
    for text in texts(document):
        match = HEADING.match(text)
        if match:
            blocks.append((int(match.group(1)), match.group(2), []))
        elif blocks:
            blocks[-1][2].append(text)
    return blocks


def all_text(document: Any) -> str:
    parts = texts(document)
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    section = document.sections[0]
    parts += [p.text for p in section.header.paragraphs]
    return "\n".join(parts)


def test_page_is_a4_portrait() -> None:
    section = reopen(render_contract(contract())).sections[0]
    assert abs(section.page_width - Mm(210)) <= Mm(1)
    assert abs(section.page_height - Mm(297)) <= Mm(1)
    assert section.page_height > section.page_width


def test_normal_style_sets_an_east_asian_font() -> None:
    normal = reopen(render_contract(contract())).styles["Normal"]
    fonts = normal.element.rPr.find(qn("w:rFonts"))
    assert fonts is not None
    east_asian = fonts.get(qn("w:eastAsia"))
    assert east_asian, "w:eastAsia is missing from Normal's w:rFonts"
    assert "明朝" in east_asian


def test_title_and_preamble_come_first() -> None:
    document = reopen(render_contract(contract()))
    paragraphs = texts(document)
    assert paragraphs[0] == "クラウドサービス利用に係る情報セキュリティ特記事項"
    assert paragraphs[1].startswith("テスト市（以下「甲」という。）")


def test_articles_are_numbered_in_order() -> None:
    resolved = contract()
    blocks = article_blocks(reopen(render_contract(resolved)))
    assert [number for number, _, _ in blocks] == [1, 2, 3]
    assert [title for _, title, _ in blocks] == [a.title for a in resolved.articles]


def test_the_shipped_template_numbers_every_clause() -> None:
    resolved = shipped_contract()
    blocks = article_blocks(reopen(render_contract(resolved)))
    assert len(blocks) == len(resolved.articles) >= 8
    assert [number for number, _, _ in blocks] == list(range(1, len(blocks) + 1))
    document_text = all_text(reopen(render_contract(resolved)))
    assert "{" not in document_text
    assert "}" not in document_text


def test_paragraphs_from_the_second_on_are_numbered_and_items_are_numbered() -> None:
    blocks = article_blocks(reopen(render_contract(contract())))
    _, _, first = blocks[0]
    assert first[0] == "乙は、甲の情報セキュリティポリシーを遵守しなければならない。"
    assert first[1] == "2\u3000乙は、責任者を定め、甲に届け出なければならない。"
    assert first[2] == "3\u3000責任者を変更したときも、同様とする。"

    _, _, second = blocks[1]
    assert second == [
        "乙は、次に掲げる事項を教育しなければならない。",
        "(1)\u3000特記事項の内容",
        "(2)\u3000秘密の適正な取扱い",
        "(3)\u3000事故の報告の手順",
        "2\u3000乙は、教育の実施状況を甲に報告しなければならない。",
        "(1)\u3000年1回以上",
    ]


def test_header_holds_the_title_and_engagement_number() -> None:
    section = reopen(render_contract(contract())).sections[0]
    header = "".join(p.text for p in section.header.paragraphs)
    assert "クラウドサービス利用に係る情報セキュリティ特記事項" in header
    assert "ENG-2027-0042" in header


def test_footer_holds_a_page_number_field() -> None:
    footer = reopen(render_contract(contract())).sections[0].footer
    element = footer._element
    instructions = [node.text for node in element.iter(qn("w:instrText"))]
    assert any(text.strip() == "PAGE" for text in instructions), instructions
    kinds = [node.get(qn("w:fldCharType")) for node in element.iter(qn("w:fldChar"))]
    assert kinds[0] == "begin"
    assert kinds[-1] == "end"


def test_annex_only_when_there_are_conditions() -> None:
    plain = reopen(render_contract(contract()))
    assert not any("別紙" in text for text in texts(plain))

    conditions = ["利用開始までにTLS 1.1以前を無効化すること。", "再委託先を事前に届け出ること。"]
    annexed = reopen(render_contract(contract(conditions=conditions)))
    paragraphs = texts(annexed)
    annex = next(i for i, text in enumerate(paragraphs) if text.startswith("別紙"))
    assert paragraphs[annex + 1] == "1\u3000利用開始までにTLS 1.1以前を無効化すること。"
    assert paragraphs[annex + 2] == "2\u3000再委託先を事前に届け出ること。"
    # The annex starts on a new page.
    breaks = annexed.paragraphs[annex - 1]._element.iter(qn("w:br"))
    assert any(b.get(qn("w:type")) == "page" for b in breaks)


def test_signature_table_names_both_parties() -> None:
    document = reopen(render_contract(contract()))
    assert len(document.tables) == 1
    rows = [[cell.text for cell in row.cells] for row in document.tables[0].rows]
    assert rows[0] == ["甲", "乙"]
    assert rows[1] == ["テスト市", "株式会社みなとクラウドサービス"]
    assert "東京都千代田区霞が関1-1-1" in rows[2][1]
    assert all("記名押印" in cell for cell in rows[2])


def test_control_characters_emoji_and_long_text_render() -> None:
    resolved = contract(
        title="特記事項\x07🙂",
        party_a="テスト市\x00",
        party_b="株式会社\x1bテスト𠮷野家",
        party_b_address="住所\x0b\x0c1-1",
        preamble="前文\x00\x07\x1bです🙂",
        articles=[
            Article(
                clause_id="K01",
                clause_version=1,
                title="表題\x1b",
                paragraphs=[(LONG, ["号\x07🙂", "𠮷"]), ("第二項\x00", [])],
            )
        ],
        conditions=["条件\x1b🙂"],
    )
    content = render_contract(resolved)
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        xml = package.read("word/document.xml").decode("utf-8")
    for control in ("\x00", "\x07", "\x0b", "\x0c", "\x1b"):
        assert control not in xml

    document = reopen(content)
    paragraphs = texts(document)
    assert paragraphs[0] == "特記事項🙂"
    assert "前文です🙂" in paragraphs
    assert "第1条（表題）" in paragraphs
    assert LONG in paragraphs
    assert len(LONG) == 10_000
    assert "(1)\u3000号🙂" in paragraphs
    assert "(2)\u3000𠮷" in paragraphs
    assert "2\u3000第二項" in paragraphs
    assert "1\u3000条件🙂" in paragraphs
    rows = [[cell.text for cell in row.cells] for row in document.tables[0].rows]
    assert rows[1] == ["テスト市", "株式会社テスト𠮷野家"]
    assert rows[2][1].startswith("住所1-1")
    header = document.sections[0].header.paragraphs[0].text
    assert header.startswith("特記事項🙂")


@pytest.mark.parametrize("count", [0, 1, 30])
def test_any_number_of_articles(count: int) -> None:
    articles = [
        Article(clause_id=f"K{n:02}", clause_version=1, title=f"条項{n}", paragraphs=[("本文", [])])
        for n in range(1, count + 1)
    ]
    blocks = article_blocks(reopen(render_contract(contract(articles=articles))))
    assert [number for number, _, _ in blocks] == list(range(1, count + 1))
