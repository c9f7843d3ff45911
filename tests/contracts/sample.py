"""Contracts to render: the shipped template filled as generate_contract fills it, without a DB."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from service.catalog.loader import load_catalog
from service.contracts.document import Article, ResolvedContract
from service.contracts.service import _fill, choose_clauses
from service.contracts.values import ContractFacts, contract_values

FACTS = ContractFacts(
    organization_name="テスト市",
    jurisdiction_court="熊本地方裁判所",
    vendor_name="株式会社みなとクラウドサービス",
    vendor_corporate_number="1180301018771",
    vendor_address="東京都千代田区霞が関1-1-1",
    engagement_number="ENG-2027-0001",
    service_name="電子申請クラウド",
    purpose="住民からの電子申請の受付と審査",
    start_date=date(2027, 4, 1),
    term_months=36,
    confidentiality=2,
    availability=1,
    my_number=False,
    kind="cloud",
)


def engagement_of(facts: ContractFacts, **overrides: Any) -> dict[str, Any]:
    return {
        "kind": facts.kind,
        "confidentiality": facts.confidentiality,
        "integrity": 2,
        "availability": facts.availability,
        "personal_data": True,
        "my_number": facts.my_number,
        "network_segment": "lgwan",
        "subcontracting": True,
        "term_months": facts.term_months,
        **overrides,
    }


def shipped_contract(
    conditions: list[str] | None = None, **fact_overrides: Any
) -> ResolvedContract:
    facts = replace(FACTS, **fact_overrides)
    template = load_catalog().latest_template_for_kind(facts.kind)
    assert template is not None
    values = contract_values(facts)
    chosen = choose_clauses(template, engagement_of(facts), mandated={})
    return ResolvedContract(
        title=template.title,
        engagement_number=facts.engagement_number,
        party_a=facts.organization_name,
        party_b=facts.vendor_name,
        party_b_address=facts.vendor_address,
        preamble=_fill(template.preamble, values, "preamble"),
        articles=[
            Article(
                clause_id=clause.id,
                clause_version=clause.version,
                title=clause.title,
                paragraphs=[
                    (
                        _fill(p.text, values, clause.id),
                        [_fill(item, values, clause.id) for item in p.items],
                    )
                    for p in clause.paragraphs
                ],
            )
            for clause, _ in chosen
        ],
        conditions=conditions or [],
    )
