"""Contracts built from the shipped catalog through the service's own functions, without a DB.

Each contract type is built with the example answers of its shipped form (docs/examples/);
BARE_FACTS has no answers at all.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from service.catalog.loader import Catalog, load_catalog
from service.contracts.assemble import AssembledContract, Selection
from service.contracts.render import render_contract
from service.contracts.service import build_contract
from service.contracts.values import (
    ContractFacts,
    subcontractor_lines,
    work_location_lines,
    work_site_lines,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
SETTINGS: dict[str, Any] = {
    "address": "熊本県人吉市麓町16番地",
    "representative": "人吉市長　山田　太郎",
    "security_policy_name": "人吉市情報セキュリティポリシー（令和8年3月改定）",
    "incident_contact": "総務部情報政策課（電話 0966-22-2111、電子メール csirt@city.example.jp）",
}
BARE_FACTS = ContractFacts(
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
    contract_settings=SETTINGS,
)
COUNTRIES = {"jp": "日本", "us": "米国", "eu": "欧州連合", "other": "その他"}
_catalog: Catalog | None = None


def catalog() -> Catalog:
    global _catalog
    if _catalog is None:
        _catalog = load_catalog()
    return _catalog


def example_answers(name: str) -> dict[str, Any]:
    return dict(json.loads((EXAMPLES / f"{name}-answers.json").read_text())["answers"])


def good_answers() -> dict[str, Any]:
    return example_answers("cloud-service")


def engagement_of(facts: ContractFacts, **overrides: Any) -> dict[str, Any]:
    return {
        "kind": facts.kind,
        "confidentiality": facts.confidentiality,
        "integrity": facts.integrity,
        "availability": facts.availability,
        "personal_data": True,
        "my_number": facts.my_number,
        "network_segment": "lgwan",
        "subcontracting": False,
        "term_months": facts.term_months,
        **overrides,
    }


def with_answers(facts: ContractFacts, answers: dict[str, Any]) -> ContractFacts:
    lines = subcontractor_lines(answers.get("subcontractors"), COUNTRIES)
    places = work_location_lines(answers.get("work_locations"))
    sites = work_site_lines(answers.get("work_sites"))
    return replace(
        facts, answers=answers, subcontractors=lines, work_locations=places, work_sites=sites
    )


# A cloud engagement whose vendor gave the example answers.
FACTS = with_answers(BARE_FACTS, good_answers())


NO_SELECTION = Selection(applicable_requirements=frozenset(), mandated={})


def build(
    facts: ContractFacts = FACTS,
    *,
    engagement: dict[str, Any] | None = None,
    selection: Selection = NO_SELECTION,
    conditions: list[str] | None = None,
) -> AssembledContract:
    _, assembled = build_contract(
        catalog=catalog(),
        facts=facts,
        engagement=engagement or engagement_of(facts),
        selection=selection,
        conditions=conditions or [],
    )
    return assembled


def base_docx() -> bytes:
    return catalog().base_documents["base.docx"]


def render(assembled: AssembledContract) -> bytes:
    return render_contract(assembled.document, base_docx())


def cloud(**engagement: Any) -> AssembledContract:
    """A cloud contract with the example answers (subcontractors, ISMAP number …)."""
    return build(FACTS, engagement=engagement_of(FACTS, **engagement))


OUTSOURCING_FACTS = replace(
    with_answers(BARE_FACTS, example_answers("outsourcing")), kind="outsourcing"
)


def outsourcing(**engagement: Any) -> AssembledContract:
    """Outsourcing of work on My Number data: the terms and both annexes."""
    facts = replace(
        OUTSOURCING_FACTS,
        kind="outsourcing",
        service_name="住民税賦課業務の電算処理",
        purpose="住民税の賦課に係るデータ入力及び帳票作成",
        confidentiality=3,
        availability=2,
        my_number=True,
    )
    return build(
        facts,
        engagement=engagement_of(facts, my_number=True, network_segment="my_number", **engagement),
    )


TOS_FACTS = replace(
    with_answers(BARE_FACTS, example_answers("tos-cloud")),
    kind="tos_cloud",
    service_name="オンライン会議サービス",
    purpose="公開の会議の配信",
    confidentiality=1,
    integrity=1,
)


def tos_cloud(*, personal_data: bool = False, **answers: Any) -> AssembledContract:
    facts = replace(TOS_FACTS, answers={**TOS_FACTS.answers, **answers})
    return build(
        facts,
        engagement=engagement_of(facts, personal_data=personal_data, network_segment="internet"),
    )
