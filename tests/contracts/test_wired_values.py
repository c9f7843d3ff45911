"""The §2 variables that come from the vendor's answers and legal's input (K02 leads, places of
work and work sites, K03/CK13 RTO/RPO, CK08 responsibility matrix): present → printed in the
reopened .docx; missing → a 409 naming the variable and the clause, or the earlier wording where
a form version did not ask. Also the terms-of-service personal-data annex, the My Number refusal,
legal-review notes and mandated items a contract does not carry."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from typing import Any

import pytest
from docx import Document

from service.contracts.assemble import (
    AssembledContract,
    MissingContractValues,
    RefusedContract,
    Selection,
)
from service.contracts.values import ContractFacts
from tests.contracts.sample import (
    FACTS,
    OUTSOURCING_FACTS,
    TOS_FACTS,
    build,
    cloud,
    engagement_of,
    render,
    tos_cloud,
    with_answers,
)

HEADING = re.compile(r"^第\d+条（.+）$")


def text_of(assembled: AssembledContract) -> str:
    document = Document(io.BytesIO(render(assembled)))
    return "\n".join(p.text for p in document.paragraphs)


def article(assembled: AssembledContract, clause_id: str, part: str | None = None) -> list[str]:
    """The printed lines of one article (heading first), from the reopened document."""
    lines = text_of(assembled).split("\n")
    parts = assembled.document.parts
    target = next(p for p in parts if part is None or p.template_id == part)
    number = 1 + [a.clause_id for a in target.articles].index(clause_id)
    heading = f"第{number}条（{target.articles[number - 1].title}）"
    start = lines.index(heading, lines.index(target.title) if target is not parts[0] else 0)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("第")), len(lines))
    return lines[start:end]


def refused(facts: ContractFacts, **engagement: Any) -> MissingContractValues:
    with pytest.raises(MissingContractValues) as caught:
        build(facts, engagement=engagement_of(facts, **engagement))
    assert caught.value.status_code == 409
    return caught.value


def without(facts: ContractFacts, *question_ids: str) -> ContractFacts:
    answers = {k: v for k, v in facts.answers.items() if k not in question_ids}
    return with_answers(facts, answers)


def outsourcing_facts(**answers: Any) -> ContractFacts:
    return with_answers(OUTSOURCING_FACTS, {**OUTSOURCING_FACTS.answers, **answers})


# --- K02: the leads and the places of work (Q-C01, Q-C02) ---------------------------------------


def test_outsourcing_k02_prints_both_leads_and_every_place_of_work() -> None:
    assembled = build(OUTSOURCING_FACTS, engagement=engagement_of(OUTSOURCING_FACTS))
    lines = article(assembled, "K02")
    assert lines[0].endswith("（責任体制、従事者及び作業場所）")
    assert lines[1] == (
        "本業務に係る乙の責任者は自治体サービス部 課長 井上 真理とし、"
        "情報セキュリティの責任者は情報セキュリティ管理責任者 取締役 井上 真理とする。"
    )
    third = lines.index(next(line for line in lines if line.startswith("3\u3000")))
    assert lines[third].startswith("3\u3000乙が本業務を行うことができる場所は、次に掲げる場所")
    assert lines[third + 1 : third + 3] == [
        "(1)\u3000甲の庁舎その他甲が指定する施設",
        "(2)\u3000乙又は再委託先の事業所",
    ]
    assert assembled.values["vendor.work_locations"] == [
        "甲の庁舎その他甲が指定する施設",
        "乙又は再委託先の事業所",
    ]


@pytest.mark.parametrize("with_sites", [True, False])
def test_outsourcing_k02_follows_the_remote_access_answer(with_sites: bool) -> None:
    base = OUTSOURCING_FACTS if with_sites else without(OUTSOURCING_FACTS, "work_sites")
    suffix = "_sites" if with_sites else ""
    declared = build(base, engagement=engagement_of(base))
    assert next(c.variant for c in declared.clauses if c.id == "K02") == "remote_declared" + suffix
    assert any("申告した遠隔地からの接続" in line for line in article(declared, "K02"))

    facts = with_answers(base, {**base.answers, "remote_access": False})
    on_site = build(facts, engagement=engagement_of(facts))
    assert next(c.variant for c in on_site.clauses if c.id == "K02") == "on_site" + suffix
    lines = article(on_site, "K02")
    number = "5" if with_sites else "4"
    assert any(
        line.startswith(f"{number}\u3000乙は、甲の情報システムに遠隔地から接続") for line in lines
    )
    assert not any("申告した遠隔地からの接続" in line for line in lines)


# --- K02: the work sites (Q-C02, answer 'work_sites') -----------------------------------------


def test_outsourcing_k02_prints_each_work_site_with_its_address_and_work() -> None:
    assembled = build(OUTSOURCING_FACTS, engagement=engagement_of(OUTSOURCING_FACTS))
    lines = article(assembled, "K02")
    fourth = lines.index(next(line for line in lines if line.startswith("4\u3000")))
    assert lines[fourth].startswith("4\u3000乙が本業務の審査において申告した作業拠点")
    assert "第2項の名簿には、従事者ごとに作業する作業拠点を記載しなければならない" in lines[fourth]
    site = (
        "(1)\u3000株式会社ひかり情報システム 本社（所在地：熊本県熊本市中央区水前寺一丁目5番10号）"
        "\u3000帳票の作成及び貴庁の情報システムのリモート保守（閉域VPN）"
    )
    assert lines[fourth + 1] == site
    assert lines[-1].startswith(
        "6\u3000乙は、第1項の責任者、第2項の名簿、第3項の場所、第4項の作業拠点"
    )
    assert assembled.values["vendor.work_sites"] == [site.removeprefix("(1)\u3000")]


def test_cloud_k02_prints_each_site_and_asks_the_staff_per_site() -> None:
    assembled = cloud()
    assert next(c.variant for c in assembled.clauses if c.id == "K02") == "domestic_sites"
    lines = article(assembled, "K02")
    assert lines[5].startswith("3\u3000前項の場所のうち、乙が本サービスの審査において申告した拠点")
    assert lines[6:8] == [
        "(1)\u3000株式会社みなとクラウドサービス 本社運用センター"
        "（所在地：東京都千代田区霞が関1-1-1）"
        "\u3000本サービスの運用監視、保守及び利用者サポートの統括",
        "(2)\u3000株式会社みなとデータセンター 東京第一センター"
        "（所在地：東京都江東区青海二丁目4番32号）"
        "\u3000本サービスのサーバ設備の設置、運用及び保守",
    ]
    assert lines[8].startswith(
        "4\u3000乙は、甲のデータを取り扱う従事者の範囲及びその所属並びに従事者ごと"
    )


@pytest.mark.parametrize("kind", ["outsourcing", "cloud"])
def test_without_work_sites_k02_keeps_the_notify_with_the_roster_wording(kind: str) -> None:
    """Answers to version 1 of a form, or work on our premises only, have no 'work_sites'."""
    facts = without(OUTSOURCING_FACTS if kind == "outsourcing" else FACTS, "work_sites")
    assembled = build(facts, engagement=engagement_of(facts))
    k02 = next(c for c in assembled.clauses if c.id == "K02")
    assert k02.variant in ("remote_declared", "domestic")
    assert "vendor.work_sites" not in assembled.values
    text = "\n".join(article(assembled, "K02"))
    assert "所在地" in text and "申告した作業拠点" not in text and "申告した拠点" not in text


@pytest.mark.parametrize("kind", ["outsourcing", "cloud"])
def test_work_sites_without_a_name_or_address_are_a_409_naming_it_and_k02(kind: str) -> None:
    facts = OUTSOURCING_FACTS if kind == "outsourcing" else FACTS
    terms = {"outsourcing": "information-security-terms", "cloud": "cloud-security-terms"}[kind]
    rows = [
        {"name": "  ", "address": "東京都", "activity": "保守"},
        {"name": "本社", "address": ""},
    ]
    error = refused(with_answers(facts, {**facts.answers, "work_sites": rows}))
    assert list(error.fields) == ["vendor.work_sites"]
    assert error.fields["vendor.work_sites"].startswith(f"needed by clause K02 of {terms};")
    assert "'work_sites'" in error.fields["vendor.work_sites"]


def test_cloud_k02_prints_the_leads_and_the_places_of_work() -> None:
    lines = article(cloud(), "K02")
    assert lines[1] == (
        "本サービスに係る乙の業務の責任者は公共ソリューション部 部長 高橋 誠とし、"
        "情報セキュリティの責任者は情報セキュリティ統括部長 佐藤 花子とする。"
    )
    assert lines[2].startswith("2\u3000乙が本サービスの運用、保守及びサポートを行う場所")
    assert lines[3:5] == ["(1)\u3000乙又は再委託先の事業所", "(2)\u3000乙が利用するデータセンター"]


def test_cloud_sites_outside_japan_need_approval_and_are_flagged_for_legal() -> None:
    assert next(c.variant for c in cloud().clauses if c.id == "K02") == "domestic_sites"
    abroad = with_answers(FACTS, {**FACTS.answers, "work_locations": ["own_office", "overseas"]})
    assembled = build(abroad)
    k02 = next(c for c in assembled.clauses if c.id == "K02")
    assert k02.variant == "overseas_sites" and "国外の拠点" in k02.legal_review[0]
    lines = article(assembled, "K02")
    assert "(2)\u3000日本国外に所在する乙又は再委託先の拠点" in lines
    assert lines[-1].startswith(
        "6\u3000乙は、第2項の場所又は第3項の拠点のうち日本国外に所在するもの"
    )
    # Without the sites (answers to version 1 of the form), the version 3 wording.
    earlier = build(without(abroad, "work_sites"))
    k02 = next(c for c in earlier.clauses if c.id == "K02")
    assert k02.variant == "overseas" and "国外の拠点" in k02.legal_review[0]
    assert article(earlier, "K02")[-1].startswith(
        "5\u3000乙は、第2項の場所のうち日本国外に所在するもの"
    )


@pytest.mark.parametrize("kind", ["outsourcing", "cloud"])
@pytest.mark.parametrize(
    ("question", "variable"),
    [
        ("engagement_lead", "vendor.engagement_lead"),
        ("security_contact", "vendor.security_lead"),
        ("work_locations", "vendor.work_locations"),
    ],
)
def test_a_missing_lead_or_place_of_work_is_a_409_naming_it_and_k02(
    kind: str, question: str, variable: str
) -> None:
    facts = OUTSOURCING_FACTS if kind == "outsourcing" else FACTS
    terms = {"outsourcing": "information-security-terms", "cloud": "cloud-security-terms"}[kind]
    error = refused(without(facts, question))
    assert list(error.fields) == [variable]
    assert error.fields[variable].startswith(f"needed by clause K02 of {terms};")
    assert f"'{question}'" in error.fields[variable]
    assert f"{variable} (clause K02 of {terms})" in error.detail
    # An empty answer is no answer: nothing is printed blank.
    blank: Any = [] if question == "work_locations" else "  "
    emptied = with_answers(facts, {**facts.answers, question: blank})
    assert list(refused(emptied).fields) == [variable]


# --- K03 and CK13: RTO / RPO (Q-G02) ---------------------------------------------------------


def test_cloud_binds_the_vendors_rto_and_rpo_in_k03_and_ck13() -> None:
    assembled = cloud()
    k03 = "\n".join(article(assembled, "K03"))
    assert "発生した時から4時間以内（目標復旧時間）に本サービスを復旧させなければならない" in k03
    assert "遡って1時間以内（目標復旧時点）に登録され" in k03
    ck13 = "\n".join(article(assembled, "CK13"))
    assert "（目標復旧時間4時間に対するもの）" in ck13
    zero = with_answers(FACTS, {**FACTS.answers, "rpo_hours": 0})
    assert "遡って0時間以内" in "\n".join(article(build(zero), "K03"))


@pytest.mark.parametrize(
    ("question", "variable", "clauses"),
    [
        ("rto_hours", "vendor.rto_hours", ["K03", "CK13"]),
        ("rpo_hours", "vendor.rpo_hours", ["K03"]),
    ],
)
def test_a_missing_rto_or_rpo_is_a_409_naming_each_clause(
    question: str, variable: str, clauses: list[str]
) -> None:
    error = refused(without(FACTS, question))
    assert list(error.fields) == [variable]
    assert error.missing[variable] == [f"clause {c} of cloud-security-terms" for c in clauses]
    assert "Q-G02" in error.fields[variable]


def test_outsourcing_k03_binds_the_contractors_rto_and_rpo_at_availability_2() -> None:
    """The outsourcing form asks Q-G02 from version 2 (when the work runs our systems)."""
    facts = replace(OUTSOURCING_FACTS, availability=2)
    bound = build(facts, engagement=engagement_of(facts, availability=2))
    k03 = next(c for c in bound.clauses if c.id == "K03")
    assert (k03.variant, k03.legal_review) == ("declared", [])
    text = "\n".join(article(bound, "K03"))
    assert "発生した時から8時間以内" in text and "遡って24時間以内" in text
    assert (bound.values["vendor.rto_hours"], bound.values["vendor.rpo_hours"]) == ("8", "24")
    # 可用性1: no K03 at all, whatever the answers say.
    assert "K03" not in [c.id for c in build(OUTSOURCING_FACTS).clauses]


def test_outsourcing_k03_without_rto_rpo_refers_to_the_specification_and_flags_it() -> None:
    """Answers to version 1 of the form, or work that runs no system of ours, have no Q-G02."""
    facts = without(replace(OUTSOURCING_FACTS, availability=2), "rto_hours", "rpo_hours")
    assembled = build(facts, engagement=engagement_of(facts, availability=2))
    k03 = next(c for c in assembled.clauses if c.id == "K03")
    assert k03.variant == "specification"
    assert k03.legal_review and "仕様書" in k03.legal_review[0]
    assert "確認票第1版" in k03.legal_review[0]
    assert any("本契約の仕様書に定める目標復旧時間内" in line for line in article(assembled, "K03"))


# --- CK08: the responsibility matrix ----------------------------------------------------------


def test_ck08_prints_the_matrix_legal_names() -> None:
    facts = replace(FACTS, responsibility_matrix="MCS-RM-001 第2版")
    assembled = build(facts)
    ck08 = next(c for c in assembled.clauses if c.id == "CK08")
    assert (ck08.variant, ck08.legal_review) == ("identified", [])
    lines = article(assembled, "CK08")
    assert "甲乙が確認した責任分界表（MCS-RM-001 第2版）による。" in lines[1]
    assert assembled.values["contract.responsibility_matrix"] == "MCS-RM-001 第2版"


def test_ck08_prints_the_matrix_the_provider_names_in_its_answer() -> None:
    assembled = cloud()
    ck08 = next(c for c in assembled.clauses if c.id == "CK08")
    assert (ck08.variant, ck08.legal_review) == ("identified", [])
    matrix = "みなとクラウド 責任分界表 MCS-RM-001 第2版（2026年4月1日改定）"
    assert f"甲乙が確認した責任分界表（{matrix}）による。" in article(assembled, "CK08")[1]
    assert assembled.values["contract.responsibility_matrix"] == matrix


def test_legals_matrix_wins_over_the_providers_answer() -> None:
    assembled = build(replace(FACTS, responsibility_matrix="人吉市確認済 RM-2027-01"))
    assert "責任分界表（人吉市確認済 RM-2027-01）による。" in article(assembled, "CK08")[1]
    assert "MCS-RM-001" not in "\n".join(article(assembled, "CK08"))
    assert assembled.values["contract.responsibility_matrix"] == "人吉市確認済 RM-2027-01"


def test_ck08_without_a_matrix_asks_for_it_and_is_flagged_for_legal() -> None:
    assembled = build(without(FACTS, "responsibility_matrix"))
    ck08 = next(c for c in assembled.clauses if c.id == "CK08")
    assert ck08.variant == "to_be_approved"
    assert ck08.legal_review and "responsibility_matrix" in ck08.legal_review[0]
    assert "contract.responsibility_matrix" not in assembled.values
    assert any("利用開始までに甲に提出し" in line for line in article(assembled, "CK08"))


# --- terms-of-service cloud with personal data ----------------------------------------------


def test_tos_cloud_without_personal_data_has_no_personal_data_annex() -> None:
    assert [p.id for p in tos_cloud().parts] == ["tos-cloud-terms"]


@pytest.mark.parametrize(
    ("engagement_says", "provider_says"), [(True, False), (False, True), (True, True)]
)
def test_tos_cloud_with_personal_data_gets_its_own_annex(
    engagement_says: bool, provider_says: bool
) -> None:
    assembled = tos_cloud(personal_data=engagement_says, personal_data_entered=provider_says)
    assert [p.id for p in assembled.parts] == ["tos-cloud-terms", "tos-personal-data-terms"]
    annex = [c.id for c in assembled.clauses if c.part == "tos-personal-data-terms"]
    assert annex == ["TP01", "PK04", "TP02", "PK01", "PK02", "TP03", "TP04"]
    text = text_of(assembled)
    assert "個人情報の取扱いに関する確認事項" in text
    lines = article(assembled, "TP01", "tos-personal-data-terms")
    assert "公表して差し支えない情報" in lines[1]
    pk02 = "\n".join(article(assembled, "PK02", "tos-personal-data-terms"))
    assert "知った時から24時間以内に甲の連絡窓口（総務部情報政策課" in pk02
    flagged = {c.id for c in assembled.clauses if c.legal_review}
    assert flagged == {"PK02", "TP04"}


def test_tos_cloud_personal_data_mandated_by_pii_02_is_carried_by_the_annex() -> None:
    selection = Selection(frozenset({"PII-02"}), {"PK02": ["PII-02"], "K10": ["PII-02"]})
    facts = TOS_FACTS
    assembled = build(
        facts, engagement=engagement_of(facts, personal_data=True), selection=selection
    )
    pk02 = next(c for c in assembled.clauses if c.id == "PK02")
    assert (pk02.part, pk02.mandated_by) == ("tos-personal-data-terms", ["PII-02"])
    assert assembled.mandated_not_carried == {}


def test_tos_cloud_with_my_number_is_refused_with_the_reason() -> None:
    facts = replace(TOS_FACTS, my_number=True)
    with pytest.raises(RefusedContract) as caught:
        build(facts, engagement=engagement_of(facts, personal_data=True, my_number=True))
    assert caught.value.status_code == 409
    assert "特定個人情報（マイナンバー）は約款型クラウドサービスでは取り扱えません" in str(
        caught.value.detail
    )
    assert "kind 'cloud'" in str(caught.value.detail)


# --- what legal is told ----------------------------------------------------------------------


def test_mandated_items_a_type_neither_has_nor_carries_are_listed_for_legal() -> None:
    mandated = {"K01": ["OUT-TRN-01"], "K05": ["OUT-TRN-01"], "K10": ["PII-02"]}
    selection = Selection(frozenset({"OUT-TRN-01", "PII-02"}), mandated)
    assembled = build(
        TOS_FACTS, engagement=engagement_of(TOS_FACTS, personal_data=False), selection=selection
    )
    assert assembled.mandated_not_carried == {"K01": ["OUT-TRN-01"], "K05": ["OUT-TRN-01"]}
    # Cloud words K09 as CK04: the mandate lands on CK04 and nothing is left out.
    cloud_selection = Selection(frozenset({"X-1"}), {"K09": ["X-1"], "K06": ["X-1"]})
    assembled = build(FACTS, selection=cloud_selection)
    by = {c.id: c.mandated_by for c in assembled.clauses}
    assert (by["CK04"], by["CK06"]) == (["X-1"], ["X-1"])
    assert assembled.mandated_not_carried == {}


def test_pk02_is_flagged_for_legal_in_every_personal_data_annex_and_never_printed() -> None:
    for assembled in (
        cloud(),
        build(OUTSOURCING_FACTS, engagement=engagement_of(OUTSOURCING_FACTS)),
    ):
        notes = {(c.part, c.id): c.legal_review for c in assembled.clauses if c.legal_review}
        assert ("personal-data-terms", "PK02") in notes
        assert "verify" in notes[("personal-data-terms", "PK02")][0]
        text = text_of(assembled)
        for note_list in notes.values():
            for note in note_list:
                assert note not in text and note[:20] not in text
