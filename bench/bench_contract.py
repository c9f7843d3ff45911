"""Benchmark: generating a 30-clause contract .docx, against two baselines in the same run.

1. ours: service.contracts.render.render_contract on contract_templates/base.docx;
2. naive python-docx: a new Document() per contract, styles set paragraph by paragraph (what
   the first renderer did);
3. docxtpl on an equivalent template (the same base.docx styles, Jinja loops over parts,
   articles, paragraphs and items), rendered and saved per contract.

Each produces the same text (checked before timing). Run:

    .venv/bin/python bench/bench_contract.py   (prints Markdown rows for docs/benchmarks.md)
"""

from __future__ import annotations

import io
import json
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docxtpl import DocxTemplate

from service.catalog.loader import load_catalog
from service.contracts.assemble import Selection
from service.contracts.document import ResolvedContract
from service.contracts.render import render_contract
from service.contracts.service import build_contract
from service.contracts.values import (
    ContractFacts,
    subcontractor_lines,
    work_location_lines,
    work_site_lines,
)

SPACE = "\u3000"
CONDITIONS = ["契約開始前に従事者名簿を提出すること。", "年1回、脆弱性診断の結果を報告すること。"]


ROOT = Path(__file__).resolve().parent.parent
CATALOG = load_catalog()


def base_docx() -> bytes:
    return CATALOG.base_documents["base.docx"]


def thirty_clauses() -> ResolvedContract:
    """A cloud contract (terms and personal-data annex) from the example answers, cut to 30
    articles."""
    answers = json.loads((ROOT / "docs/examples/cloud-service-answers.json").read_text())
    answers = answers["answers"]
    facts = ContractFacts(
        organization_name="人吉市",
        jurisdiction_court="熊本地方裁判所",
        vendor_name="株式会社みなとクラウドサービス",
        vendor_corporate_number="1180301018771",
        vendor_address="東京都千代田区霞が関1-1-1",
        engagement_number="ENG-2027-0001",
        service_name="電子申請クラウド",
        purpose="住民からの電子申請の受付と審査",
        start_date=date(2027, 4, 1),
        term_months=36,
        kind="cloud",
        confidentiality=2,
        integrity=2,
        availability=1,
        my_number=False,
        contract_settings={
            "address": "熊本県人吉市麓町16番地",
            "representative": "人吉市長　山田　太郎",
            "security_policy_name": "人吉市情報セキュリティポリシー（令和8年3月改定）",
            "incident_contact": "総務部情報政策課（電話 0966-22-2111）",
        },
        answers=answers,
        subcontractors=subcontractor_lines(answers["subcontractors"], {"jp": "日本"}),
        work_locations=work_location_lines(answers["work_locations"]),
        work_sites=work_site_lines(answers["work_sites"]),
    )
    engagement = {
        "kind": "cloud",
        "confidentiality": 2,
        "integrity": 2,
        "availability": 1,
        "personal_data": True,
        "my_number": False,
        "network_segment": "lgwan",
        "subcontracting": True,
        "term_months": 36,
    }
    _, assembled = build_contract(
        catalog=CATALOG,
        facts=facts,
        engagement=engagement,
        selection=Selection(frozenset(), {}),
        conditions=[],
    )
    document = assembled.document
    terms, annex = document.parts[0], document.parts[1]
    keep = 30 - len(terms.articles)
    assert keep > 0
    parts = [terms, replace(annex, articles=annex.articles[:keep])]
    return replace(document, parts=parts, conditions=CONDITIONS)


# --- 2. naive python-docx ----------------------------------------------------------------------


def _fonts(style: Any) -> None:
    style.font.name = "Century"
    style.font.size = Pt(10.5)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), "游明朝")


def _page_field(paragraph: Any) -> None:
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.text = text
        run._r.append(element)


def naive(contract: ResolvedContract) -> bytes:
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    _fonts(document.styles["Normal"])
    header = section.header.paragraphs[0]
    header.text = f"{contract.title}{SPACE}{contract.engagement_number}"
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _page_field(section.footer.paragraphs[0])
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(contract.title)
    run.bold, run.font.size = True, Pt(16)
    document.add_paragraph(f"件名{SPACE}{contract.subject}")
    for party in (contract.party_a, contract.party_b):
        document.add_paragraph(f"{party.role}（{party.label}）{SPACE}{party.name}")
    for index, part in enumerate(contract.parts):
        if index:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            heading = document.add_paragraph()
            heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
            heading.add_run(part.title).bold = True
        document.add_paragraph(part.preamble)
        for number, article in enumerate(part.articles, start=1):
            document.add_paragraph().add_run(f"第{number}条（{article.title}）").bold = True
            for n, paragraph in enumerate(article.paragraphs):
                body = document.add_paragraph(
                    paragraph.text if n == 0 else f"{n + 1}{SPACE}{paragraph.text}"
                )
                body.paragraph_format.first_line_indent = Pt(10.5) if n == 0 else Pt(-10.5)
                for i, item in enumerate(paragraph.items, start=1):
                    line = document.add_paragraph(f"({i}){SPACE}{item}")
                    line.paragraph_format.left_indent = Pt(31.5)
    document.add_paragraph(contract.closing)
    table = document.add_table(rows=2, cols=2)
    table.style = "Table Grid"
    for row, party in zip(table.rows, (contract.party_a, contract.party_b), strict=True):
        row.cells[0].text = f"{party.label}（{party.role}）"
        row.cells[1].text = f"住所{SPACE}{party.address}\n名称{SPACE}{party.name}"
    if contract.conditions:
        document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        document.add_paragraph().add_run(f"別紙{SPACE}承認条件").bold = True
        for number, condition in enumerate(contract.conditions, start=1):
            document.add_paragraph(f"{number}{SPACE}{condition}")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- 3. docxtpl ---------------------------------------------------------------------------------


def docxtpl_template() -> bytes:
    """The same layout as a docxtpl template on base.docx: one paragraph per Jinja tag."""
    document = Document(io.BytesIO(base_docx()))
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    header = document.sections[0].header.paragraphs[0]
    header.text = "{{ title }}" + SPACE + "{{ engagement_number }}"
    lines = [
        ("Contract Title", "{{ title }}"),
        ("Contract Parties", "件名" + SPACE + "{{ subject }}"),
        ("Contract Parties", "{{ a.role }}（{{ a.label }}）" + SPACE + "{{ a.name }}"),
        ("Contract Parties", "{{ b.role }}（{{ b.label }}）" + SPACE + "{{ b.name }}"),
        ("Normal", "{%p for part in parts %}"),
        ("Normal", "{%p if not loop.first %}"),
        ("Part Title", "{{ part.title }}"),
        ("Normal", "{%p endif %}"),
        ("Contract Preamble", "{{ part.preamble }}"),
        ("Normal", "{%p for article in part.articles %}"),
        ("Article Heading", "第{{ loop.index }}条（{{ article.title }}）"),
        ("Normal", "{%p for paragraph in article.paragraphs %}"),
        ("Normal", "{%p if loop.first %}"),
        ("Article Lead", "{{ paragraph.text }}"),
        ("Normal", "{%p else %}"),
        ("Article Paragraph", "{{ loop.index }}" + SPACE + "{{ paragraph.text }}"),
        ("Normal", "{%p endif %}"),
        ("Normal", "{%p for item in paragraph.items %}"),
        ("Article Item", "({{ loop.index }})" + SPACE + "{{ item }}"),
        ("Normal", "{%p endfor %}"),
        ("Normal", "{%p endfor %}"),
        ("Normal", "{%p endfor %}"),
        ("Normal", "{%p endfor %}"),
        ("Signature Lead", "{{ closing }}"),
    ]
    for style, text in lines:
        document.add_paragraph(text, style=style)
    table = document.add_table(rows=2, cols=2)
    table.style = "Table Grid"
    for row, key in zip(table.rows, ("a", "b"), strict=True):
        row.cells[0].text = "{{ " + key + ".label }}（{{ " + key + ".role }}）"
        row.cells[1].text = (
            "住所" + SPACE + "{{ " + key + ".address }}\n名称" + SPACE + "{{ " + key + ".name }}"
        )
    for style, text in [
        ("Normal", "{%p if conditions %}"),
        ("Annex Heading", "別紙" + SPACE + "承認条件"),
        ("Normal", "{%p for condition in conditions %}"),
        ("Annex Item", "{{ loop.index }}" + SPACE + "{{ condition }}"),
        ("Normal", "{%p endfor %}"),
        ("Normal", "{%p endif %}"),
    ]:
        document.add_paragraph(text, style=style)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def docxtpl_renderer() -> Callable[[ResolvedContract], bytes]:
    template = docxtpl_template()

    def render(contract: ResolvedContract) -> bytes:
        document = DocxTemplate(io.BytesIO(template))
        document.render(
            {
                "title": contract.title,
                "engagement_number": contract.engagement_number,
                "subject": contract.subject,
                "a": contract.party_a,
                "b": contract.party_b,
                "parts": contract.parts,
                "closing": contract.closing,
                "conditions": contract.conditions,
            },
            autoescape=True,
        )
        buffer = io.BytesIO()
        document.save(buffer)
        return buffer.getvalue()

    return render


# --- the run ------------------------------------------------------------------------------------


def body_text(content: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(content)).paragraphs if p.text.strip()]


def main(rounds: int = 30, per_round: int = 20) -> None:
    contract = thirty_clauses()
    articles = sum(len(part.articles) for part in contract.parts)
    base = base_docx()
    contenders: dict[str, Callable[[ResolvedContract], bytes]] = {
        "render_contract on base.docx (ours)": lambda c: render_contract(c, base),
        "naive python-docx, new Document() per contract": naive,
        "docxtpl on an equivalent template": docxtpl_renderer(),
    }
    # The same text from each, so the timings compare like with like.
    ours = body_text(render_contract(contract, base))
    for name, render in contenders.items():
        assert body_text(render(contract)) == ours, name

    timings: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, render in contenders.items():  # interleaved, so drift hits all alike
            start = time.perf_counter()
            for _ in range(per_round):
                render(contract)
            timings[name].append((time.perf_counter() - start) / per_round)
    for name, values in timings.items():
        median = statistics.median(values) * 1e3
        low, high = min(values) * 1e3, max(values) * 1e3
        print(
            f"| {name}, {articles} articles | {median:.1f} ms | {low:.1f}–{high:.1f} ms "
            f"| {platform.python_version()}, {rounds}×{per_round} |"
        )


if __name__ == "__main__":
    main()
