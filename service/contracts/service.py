"""Contracts: choose the clauses for a decided review, fill them, store each version."""

from __future__ import annotations

import hashlib
from typing import Any

from tortoise.exceptions import IntegrityError

from service.accounts.models import Organization
from service.accounts.principal import Principal
from service.audit.service import record
from service.catalog.contract_templates import VARIABLE, ContractTemplate
from service.catalog.loader import current_catalog
from service.checks.models import Outcome, Verdict
from service.contracts.document import Article, ResolvedContract
from service.contracts.models import Contract
from service.contracts.render import render_contract
from service.contracts.values import ContractFacts, contract_values
from service.engagements.models import Engagement
from service.engagements.service import engagement_facts
from service.errors import Conflict, NotFound
from service.jobs import transaction
from service.reviews.models import Review
from service.reviews.service import get_review
from service.reviews.states import ReviewStatus
from service.vendors.models import Vendor

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
APPROVED = (ReviewStatus.approved, ReviewStatus.approved_with_conditions)


def _fill(text: str, values: dict[str, str], clause_id: str) -> str:
    def value_of(match: Any) -> str:
        name = match.group(1)
        value = values.get(name, "")
        if not value.strip():
            raise Conflict(
                f"clause {clause_id}: variable '{name}' has no value / 値が未設定です",
                fields={name: f"needed by clause {clause_id}"},
            )
        return value

    return VARIABLE.sub(value_of, text)


def choose_clauses(
    template: ContractTemplate, engagement: dict[str, Any], mandated: dict[str, list[str]]
) -> list[tuple[Any, list[str]]]:
    """Clauses whose condition holds, plus every clause an applicable requirement mandates."""
    chosen = []
    for clause in template.clauses:
        applies = clause.applies_expr.evaluate({"engagement": engagement}) is True
        if applies or clause.id in mandated:
            chosen.append((clause, mandated.get(clause.id, [])))
    return chosen


async def generate_contract(*, principal: Principal, review_id: str) -> Contract:
    review = await get_review(principal, review_id)
    if review.status not in APPROVED:
        raise Conflict("a contract is generated only for an approved review / 承認後に作成できます")
    engagement = await Engagement.get(id=review.engagement_id)
    vendor = await Vendor.get(id=engagement.vendor_id)
    organization = await Organization.get(id=review.organization_id)
    catalog = current_catalog()
    template = catalog.latest_template_for_kind(engagement.kind.value)
    if template is None:
        raise Conflict(f"no contract template covers engagements of kind '{engagement.kind}'")
    assert review.profile_version is not None
    profile = catalog.profile(review.profile_id, review.profile_version)
    verdicts = {v.requirement_id: v for v in await Verdict.filter(review_id=review.id)}
    mandated: dict[str, list[str]] = {}
    for requirement in profile.requirements:
        verdict = verdicts.get(requirement.id)
        if verdict is not None and verdict.effective_outcome != Outcome.not_applicable:
            for clause_id in requirement.clauses:
                mandated.setdefault(clause_id, []).append(requirement.id)

    values = contract_values(
        ContractFacts(
            organization_name=organization.name,
            jurisdiction_court=organization.jurisdiction_court,
            vendor_name=vendor.name,
            vendor_corporate_number=vendor.corporate_number,
            vendor_address=vendor.address,
            engagement_number=engagement.number,
            service_name=engagement.service_name,
            purpose=engagement.purpose,
            start_date=engagement.start_date,
            term_months=engagement.term_months,
            confidentiality=engagement.confidentiality,
            availability=engagement.availability,
            my_number=engagement.my_number,
            kind=engagement.kind.value,
        )
    )
    chosen = choose_clauses(template, engagement_facts(engagement), mandated)
    articles = [
        Article(
            clause_id=clause.id,
            clause_version=clause.version,
            title=clause.title,
            paragraphs=[
                (_fill(p.text, values, clause.id), [_fill(i, values, clause.id) for i in p.items])
                for p in clause.paragraphs
            ],
        )
        for clause, _ in chosen
    ]
    resolved = ResolvedContract(
        title=template.title,
        engagement_number=engagement.number,
        party_a=organization.name,
        party_b=vendor.name,
        party_b_address=vendor.address,
        preamble=_fill(template.preamble, values, "preamble"),
        articles=articles,
        conditions=list(review.conditions),
    )
    content = render_contract(resolved)
    used = sorted({name for clause, _ in chosen for name in _variables_of(clause)})
    used_values = {name: values[name] for name in used}
    for name in VARIABLE.findall(template.preamble):
        used_values[name] = values[name]
    return await _store(principal, review, template, chosen, used_values, content)


def _variables_of(clause: Any) -> list[str]:
    texts = [t for p in clause.paragraphs for t in [p.text, *p.items]]
    return [name for text in texts for name in VARIABLE.findall(text)]


async def _store(
    principal: Principal,
    review: Review,
    template: ContractTemplate,
    chosen: list[tuple[Any, list[str]]],
    values: dict[str, str],
    content: bytes,
) -> Contract:
    previous = await Contract.filter(review_id=review.id).order_by("-version").first()
    try:
        async with transaction() as conn:
            contract = await Contract.create(
                organization_id=review.organization_id,
                review=review,
                version=(previous.version + 1) if previous else 1,
                template_id=template.id,
                template_version=template.version,
                title=template.title,
                clauses=[{"id": c.id, "version": c.version, "mandated_by": by} for c, by in chosen],
                values=values,
                sha256=hashlib.sha256(content).hexdigest(),
                content=content,
                created_by_id=principal.user_id,
                using_db=conn,
            )
            await record(
                conn,
                organization_id=principal.organization_id,
                actor=principal.actor,
                action="contract.generated",
                object_type="contract",
                object_id=str(contract.id),
                review_id=str(review.id),
                data={"version": contract.version, "sha256": contract.sha256},
            )
    except IntegrityError:
        raise Conflict("another version was generated at the same time; try again") from None
    return contract


async def list_contracts(principal: Principal, review_id: str) -> list[Contract]:
    review = await get_review(principal, review_id)
    return await Contract.filter(review_id=review.id).order_by("version")


async def get_contract(principal: Principal, contract_id: str) -> Contract:
    contract = await Contract.get_or_none(id=contract_id, organization_id=principal.organization_id)
    if contract is None:
        raise NotFound("no such contract")
    return contract
