"""The shipped clause library, chosen and filled for each contract type, and every generated
document reopened with python-docx: clauses in order, numbering, values filled, nothing left."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from typing import Any

import pytest
from docx import Document

from service.catalog.contract_templates import VARIABLE, ContractTemplate
from service.contracts.assemble import AssembledContract, MissingContractValues, Selection
from service.contracts.values import contract_values
from tests.contracts.sample import (
    FACTS,
    build,
    catalog,
    cloud,
    engagement_of,
    good_answers,
    outsourcing,
    render,
    tos_cloud,
    with_answers,
)

HEADING = re.compile(r"^第(\d+)条（(.+)）$")
ITEM = re.compile(r"^\((\d+)\)\u3000")
PARAGRAPH = re.compile(r"^(\d+)\u3000")
ITEMS = [f"K{n:02}" for n in range(1, 14)] + [f"CK{n:02}" for n in range(1, 14)]
ITEMS += [f"PK{n:02}" for n in range(1, 5)]


def templates() -> list[ContractTemplate]:
    return list(catalog().templates.values())


def test_the_library_covers_every_contract_item_of_the_reference() -> None:
    covered = {clause.id for template in templates() for clause in template.clauses}
    assert set(ITEMS) <= covered, sorted(set(ITEMS) - covered)


def test_one_terms_template_per_engagement_kind_and_each_annex_is_listed() -> None:
    kinds = {
        "outsourcing": "information-security-terms",
        "cloud": "cloud-security-terms",
        "tos_cloud": "tos-cloud-terms",
    }
    for kind, template_id in kinds.items():
        template = catalog().latest_template_for_kind(kind)
        assert template is not None and template.id == template_id
    for template_id in ("information-security-terms", "cloud-security-terms"):
        template = next(t for t in templates() if t.id == template_id)
        assert template.annexes == ["personal-data-terms", "my-number-terms"]


def test_every_clause_mandated_by_the_base_policy_exists() -> None:
    profile = catalog().latest_profile("base")
    assert profile is not None
    mandated = {cid for r in profile.requirements for cid in r.clauses}
    assert mandated <= {c.id for t in templates() for c in t.clauses}


def test_clause_text_never_names_another_article_by_number() -> None:
    # Which clauses are in varies, so 第N条 inside a clause could point at the wrong one;
    # references stay inside a clause (前項, 第2項) or name the subject.
    for template in templates():
        for clause in template.clauses:
            for variant, paragraphs in clause.bodies():
                for paragraph in paragraphs:
                    for text in paragraph.texts():
                        assert not re.search(r"第\d+条", text), (template.id, clause.id, variant)
                    count = len(paragraphs)
                    for cited in re.findall(r"第(\d+)項", paragraph.text):
                        assert int(cited) <= count, (template.id, clause.id, variant, cited)


def reopen(content: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(content)).paragraphs]


def check_document(assembled: AssembledContract, content: bytes) -> list[str]:
    """The document's paragraphs, after checking it against what was assembled."""
    paragraphs = reopen(content)
    document = assembled.document
    assert paragraphs[0] == document.title
    text = "\n".join(paragraphs)
    assert "{" not in text and "}" not in text, "an unfilled variable"
    for value in assembled.values.values():
        for piece in value if isinstance(value, list) else [value]:
            assert piece in text or piece in _table_text(content), piece

    position = 0
    for part in document.parts:
        if part is not document.parts[0]:
            position = paragraphs.index(part.title, position)
        assert paragraphs[position + 1 :].count(part.preamble) >= 1
        for number, article in enumerate(part.articles, start=1):
            position = paragraphs.index(f"第{number}条（{article.title}）", position)
            expected: list[str] = []
            for index, paragraph in enumerate(article.paragraphs):
                expected.append(
                    paragraph.text if index == 0 else f"{index + 1}\u3000{paragraph.text}"
                )
                expected += [f"({n})\u3000{item}" for n, item in enumerate(paragraph.items, 1)]
            assert paragraphs[position + 1 : position + 1 + len(expected)] == expected
            position += len(expected)
    if document.conditions:
        annex = paragraphs.index("別紙\u3000承認条件")
        assert paragraphs[annex + 1 :] == [
            f"{n}\u3000{c}" for n, c in enumerate(document.conditions, start=1)
        ]
    else:
        assert "別紙\u3000承認条件" not in paragraphs
    return paragraphs


def _table_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    return "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)


def clause_ids(assembled: AssembledContract, part: str | None = None) -> list[str]:
    return [c.id for c in assembled.clauses if part is None or c.part == part]


def variant_of(assembled: AssembledContract, clause_id: str) -> str:
    return next(c.variant for c in assembled.clauses if c.id == clause_id)


@pytest.mark.parametrize("kind", ["outsourcing", "cloud", "tos_cloud"])
def test_each_contract_type_reopens_with_clauses_in_order_and_every_value(kind: str) -> None:
    conditions = [
        "契約開始前に従事者名簿を提出すること。",
        "年1回、脆弱性診断の結果を報告すること。",
    ]
    maker = {"outsourcing": outsourcing, "cloud": cloud, "tos_cloud": tos_cloud}[kind]
    assembled = maker()
    assembled = replace(assembled, document=replace(assembled.document, conditions=conditions))
    paragraphs = check_document(assembled, render(assembled))
    numbers = [int(m.group(1)) for p in paragraphs if (m := HEADING.match(p))]
    expected = [n for part in assembled.document.parts for n in range(1, len(part.articles) + 1)]
    assert numbers == expected
    # Clause order in each part is the template's order.
    for template in assembled.parts:
        order = [c.id for c in template.clauses]
        used = clause_ids(assembled, template.id)
        assert used == sorted(used, key=order.index)


def test_outsourcing_with_my_number_has_both_annexes_and_the_strict_terms() -> None:
    assembled = outsourcing()
    assert [p.id for p in assembled.parts] == [
        "information-security-terms",
        "personal-data-terms",
        "my-number-terms",
    ]
    assert clause_ids(assembled, "information-security-terms") == [
        "GN01", "K01", "K02", "K04", "K05", "K06", "K07", "K08", "K03", "CK05",
        "K10", "K12", "K11", "K09", "K13", "GN02",
    ]  # fmt: skip
    assert "PK03" in clause_ids(assembled, "my-number-terms")
    assert {"PK01", "PK02", "PK04"} <= set(clause_ids(assembled, "personal-data-terms"))
    # 機密性3 / My Number: the first report within 1 hour.
    assert assembled.values["terms.incident_first_report_hours"] == "1"
    assert variant_of(assembled, "K08") == "prohibited"
    text = "\n".join(reopen(render(assembled)))
    assert "知った時から1時間以内" in text
    assert "第三者に委託（以下「再委託」という。）してはならない。" in text


def test_annexes_follow_personal_data_and_my_number() -> None:
    plain = build(
        replace(FACTS, kind="outsourcing"),
        engagement=engagement_of(replace(FACTS, kind="outsourcing"), personal_data=False),
    )
    assert [p.id for p in plain.parts] == ["information-security-terms"]
    personal = build(replace(FACTS, kind="outsourcing"))
    assert [p.id for p in personal.parts] == ["information-security-terms", "personal-data-terms"]
    # K03 (service levels) is in an outsourcing contract only for 可用性2 …
    assert "K03" not in clause_ids(personal)
    # … unless a requirement that applies mandates it.
    mandated = build(
        replace(FACTS, kind="outsourcing"),
        selection=Selection(frozenset({"CLD2-SEL-09"}), {}),
    )
    assert "K03" in clause_ids(mandated)
    assert next(c for c in mandated.clauses if c.id == "K03").mandated_by == ["CLD2-SEL-09"]


def test_a_mandated_annex_clause_brings_its_annex() -> None:
    facts = replace(FACTS, kind="outsourcing")
    selection = Selection(frozenset({"PII-02"}), {"PK02": ["PII-02"], "K10": ["PII-02"]})
    assembled = build(
        facts, engagement=engagement_of(facts, personal_data=False), selection=selection
    )
    assert clause_ids(assembled, "personal-data-terms") == ["PK02"]


def test_subcontracting_variant_follows_the_engagement_and_the_answers() -> None:
    answers = good_answers()
    named = cloud()
    assert variant_of(named, "K08") == "named"
    text = "\n".join(reopen(render(named)))
    assert (
        "(1)\u3000株式会社みなとデータセンター（所在国：日本）\u3000データセンターの運用・保守"
        in text
    )
    assert "(2)\u3000株式会社ひかりサポート（所在国：日本）\u3000利用者サポート窓口" in text

    no_rows = {**answers, "subcontractors": []}
    facts = with_answers(FACTS, no_rows)
    assert variant_of(build(facts), "K08") == "permitted"  # the vendor plans to subcontract
    none = with_answers(FACTS, {**no_rows, "subcontracting_planned": False})
    assert variant_of(build(none), "K08") == "prohibited"
    declared = build(none, engagement=engagement_of(none, subcontracting=True))
    assert variant_of(declared, "K08") == "permitted"  # procurement declared subcontracting


def test_ismap_number_and_security_lead_come_from_the_answers() -> None:
    assembled = cloud()
    assert variant_of(assembled, "CK05") == "ismap"
    text = "\n".join(reopen(render(assembled)))
    assert "（C99-9999-1（みなと行政クラウド 標準プラン））" in text
    assert (
        "本サービスに係る乙の業務の責任者は公共ソリューション部 部長 高橋 誠とし、"
        "情報セキュリティの責任者は情報セキュリティ統括部長 佐藤 花子とする。"
    ) in text
    without_ismap = {**good_answers(), "ismap_registration": ""}
    assert variant_of(build(with_answers(FACTS, without_ismap)), "CK05") == "certification"


def test_audit_rights_are_on_site_for_confidentiality_3() -> None:
    assert variant_of(cloud(), "K11") == "standard"
    strict = replace(FACTS, confidentiality=3)
    assembled = build(strict, engagement=engagement_of(strict))
    assert variant_of(assembled, "K11") == "on_site"
    text = "\n".join(reopen(render(assembled)))
    assert "実地の監査又は検査に代えることはできない" in text


def test_data_location_law_court_and_deadlines_come_from_the_settings() -> None:
    settings = {
        **FACTS.contract_settings,
        "data_location": "日本国内（東京都及び大阪府）",
        "deletion_certificate_days": 10,
        "return_or_delete_days": 20,
    }
    facts = replace(FACTS, contract_settings=settings, jurisdiction_court="東京地方裁判所")
    text = "\n".join(reopen(render(build(facts))))
    assert "日本国内（東京都及び大阪府）に所在する設備においてのみ保管し" in text
    assert "日本法に準拠し" in text
    assert "東京地方裁判所を第一審の専属的な合意管轄裁判所とする" in text
    assert "その日から20日以内に、甲の指示に従い" in text
    assert "その日から10日以内に、次に掲げる事項を記載した証明書" in text


def test_a_missing_value_names_the_variable_the_clause_and_its_source() -> None:
    facts = replace(FACTS, contract_settings={"address": "熊本県人吉市麓町16番地"})
    with pytest.raises(MissingContractValues) as caught:
        build(facts)
    error = caught.value
    assert error.status_code == 409
    assert set(error.fields) == {
        "organization.representative",
        "organization.security_policy_name",
        "organization.incident_contact",
    }
    assert "clause K10 of cloud-security-terms" in error.fields["organization.incident_contact"]
    assert "clause PK02" not in error.fields["organization.incident_contact"]
    assert "contract_settings.incident_contact" in error.fields["organization.incident_contact"]
    assert "signature table" in error.fields["organization.representative"]
    assert "organization.security_policy_name (clause K01 of cloud-security-terms)" in error.detail


def test_the_values_recorded_are_exactly_those_used() -> None:
    assembled = cloud()
    used = set(assembled.values)
    everything = {k for k, v in contract_values(with_answers(FACTS, good_answers())).items() if v}
    assert used <= everything
    texts = [assembled.document.closing]
    for part in assembled.parts:
        texts.append(part.preamble)
    referenced: set[str] = set()
    for template in assembled.parts:
        referenced |= set(VARIABLE.findall(template.preamble))
    assert referenced <= used
    assert "vendor.subcontractors" in used and "organization.representative" in used
    assert "terms.tos_change_notice_days" in used


def test_vendor_answers_with_control_characters_emoji_and_10000_characters() -> None:
    long_name = "株式会社" + "長" * 9_996
    answers: dict[str, Any] = {
        **good_answers(),
        "security_contact": "責任者\x00\x07\x1b🙂𠮷",
        "ismap_registration": "C\x0b99🙂" + "9" * 10_000,
        "subcontractors": [
            {"name": long_name, "country": "jp", "role": "運用\x0c保守🙂"},
            {"name": "株式会社\ud800サロゲート", "country": "other", "role": "x"},
        ],
    }
    assembled = build(with_answers(FACTS, answers))
    content = render(assembled)
    text = "\n".join(reopen(content))
    assert "責任者🙂𠮷とする。" in text
    assert f"(1)\u3000{long_name}（所在国：日本）\u3000運用保守🙂" in text
    assert "(2)\u3000株式会社サロゲート（所在国：その他）\u3000x" in text
    assert "C99🙂" + "9" * 10_000 in text


def test_the_conditions_clause_binds_the_annex_only_when_there_are_conditions() -> None:
    assert "GN03" not in clause_ids(cloud())
    conditions = ["契約開始前に従事者名簿を提出すること。"]
    for facts in (FACTS, replace(FACTS, kind="outsourcing"), replace(FACTS, kind="tos_cloud")):
        assembled = build(facts, conditions=conditions)
        assert "GN03" in clause_ids(assembled), facts.kind
        text = "\n".join(check_document(assembled, render(assembled)))
        assert "付した別紙の条件を遵守しなければならない" in text
        assert text.endswith("1\u3000契約開始前に従事者名簿を提出すること。")


def test_docs_describe_every_variable_and_setting() -> None:
    from service.catalog.contract_templates import KNOWN_VARIABLES
    from service.config import PROJECT_ROOT
    from service.contracts.settings import ContractSettings

    docs = (PROJECT_ROOT / "docs" / "data-formats.md").read_text(encoding="utf-8")
    section = docs.split("### Variables", 1)[1].split("### base.docx", 1)[0]
    named = set(re.findall(r"`([a-z_]+(?:\.[a-z_]+)?)`", section))
    for variable in KNOWN_VARIABLES:
        group, name = variable.split(".")
        # terms.<setting> are listed by setting name in one row.
        assert variable in named or (group == "terms" and name in named), variable
    for setting in ContractSettings.model_fields:
        assert setting in named, setting


def _template(**changes: Any) -> dict[str, Any]:
    """The shipped ToS terms as data, with changes, for the model's own checks."""
    shipped = catalog().latest_template_for_kind("tos_cloud")
    assert shipped is not None
    data = shipped.model_dump(exclude_none=True)
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d["clauses"][0].update(carries=[d["clauses"][0]["id"]]), "`carries` lists"),
        (lambda d: d["clauses"][0].update(carries=["CK06"]), "carried twice, or carried and"),
        (
            lambda d: [c.update(carries=["K09"]) for c in d["clauses"][:2]],
            "['K09'] carried twice",
        ),
        (lambda d: d["clauses"][0].update(legal_review=""), "at least 1 character"),
        (lambda d: d.update(refuse_if=[{"applies_if": "true"}]), "reason"),
    ],
)
def test_template_checks_for_carries_legal_review_and_refusals(change: Any, problem: str) -> None:
    data = _template()
    change(data)
    with pytest.raises(ValueError, match=re.escape(problem)):
        ContractTemplate.model_validate(data)


def test_a_refusal_condition_is_compiled_and_named_when_broken() -> None:
    template = ContractTemplate.model_validate(
        _template(refuse_if=[{"applies_if": "engagement.nonsense", "reason": "x"}])
    )
    with pytest.raises(ValueError, match="refuse_if 1: "):
        template.compile(frozenset())
