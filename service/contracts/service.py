"""Contracts: choose the clauses for a decided review, fill them, store each version."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, replace
from typing import Any

from tortoise.exceptions import IntegrityError

from service.accounts.models import Organization
from service.accounts.principal import Principal
from service.accounts.service import get_organization
from service.audit.service import record
from service.catalog import answer_ids
from service.catalog.contract_templates import ContractTemplate
from service.catalog.forms import Form
from service.catalog.loader import Catalog, current_catalog
from service.checks.models import Outcome, Verdict
from service.contracts.assemble import AssembledContract, Selection, assemble_contract
from service.contracts.diff import ContractChanges, contract_changes
from service.contracts.models import Contract, ContractSettingsRow
from service.contracts.render import render_contract
from service.contracts.settings import ContractSettings
from service.contracts.values import (
    ContractFacts,
    contract_values,
    responsibility_matrix,
    subcontractor_lines,
    without_surrogates,
    work_location_lines,
    work_site_lines,
)
from service.db import settings_row
from service.engagements.models import Engagement
from service.engagements.service import engagement_facts
from service.errors import Conflict, NotFound
from service.jobs import transaction
from service.questionnaire.models import AnswerSet
from service.reviews.models import Review
from service.reviews.service import get_review
from service.reviews.states import ReviewStatus
from service.vendors.models import Vendor

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
APPROVED = (ReviewStatus.approved, ReviewStatus.approved_with_conditions)


def _country_labels(form: Form | None) -> dict[str, str]:
    """Japanese labels of the subcontractor table's country column, when the form has one."""
    if form is None:
        return {}
    for question in form.questions:
        if question.id == answer_ids.SUBCONTRACTORS:
            for column in question.columns:
                if column.id == "country":
                    return {choice.value: choice.label.ja for choice in column.choices}
    return {}


def _choice_labels(form: Form | None, question_id: str) -> dict[str, str]:
    """Japanese labels of a choice question's values, when the form has the question."""
    for question in form.questions if form is not None else []:
        if question.id == question_id:
            return {choice.value: choice.label.ja for choice in question.choices}
    return {}


def _selection(catalog: Catalog, review: Review, verdicts: list[Verdict]) -> Selection:
    """Requirements judged applicable in the review, and the clauses their policy mandates."""
    assert review.profile_version is not None
    profile = catalog.profile(review.profile_id, review.profile_version)
    applicable = {
        v.requirement_id for v in verdicts if v.effective_outcome != Outcome.not_applicable
    }
    mandated: dict[str, list[str]] = {}
    for requirement in profile.requirements:
        if requirement.id in applicable:
            for clause_id in requirement.clauses:
                mandated.setdefault(clause_id, []).append(requirement.id)
    return Selection(applicable_requirements=frozenset(applicable), mandated=mandated)


def build_contract(
    *,
    catalog: Catalog,
    facts: ContractFacts,
    engagement: dict[str, Any],
    selection: Selection,
    conditions: list[str],
) -> tuple[ContractTemplate, AssembledContract]:
    """The contract for these facts, resolved and filled (no database; also used by tests)."""
    terms = catalog.latest_template_for_kind(facts.kind)
    if terms is None:
        raise Conflict(f"no contract template covers engagements of kind '{facts.kind}'")
    annexes = [catalog.latest_annex(annex_id) for annex_id in terms.annexes]
    facts = replace(
        facts,
        answers=without_surrogates(dict(facts.answers)),
        subcontractors=without_surrogates(list(facts.subcontractors)),
        work_locations=without_surrogates(list(facts.work_locations)),
        work_sites=without_surrogates(list(facts.work_sites)),
        responsibility_matrix=without_surrogates(facts.responsibility_matrix),
    )
    context = {
        "engagement": engagement,
        "answers": dict(facts.answers),
        "review": {
            "conditions": list(conditions),
            "responsibility_matrix": responsibility_matrix(facts),
        },
    }
    assembled = assemble_contract(
        terms=terms,
        annexes=annexes,
        context=context,
        selection=selection,
        values=contract_values(facts),
        engagement_number=facts.engagement_number,
        subject=facts.service_name,
        conditions=conditions,
    )
    return terms, assembled


async def generate_contract(
    *, principal: Principal, review_id: str, responsibility_matrix: str | None = None
) -> Contract:
    """A new version of the review's contract; earlier versions stay as they are.

    `responsibility_matrix` names the 責任分界表 (document id and version) the cloud terms
    attach; when not given, the one the previous version printed is used again.
    """
    review = await get_review(principal, review_id)
    if review.status not in APPROVED:
        raise Conflict("a contract is generated only for an approved review / 承認後に作成できます")
    if responsibility_matrix is None:
        previous = await Contract.filter(review_id=review.id).order_by("-version").first()
        earlier = (previous.values if previous else {}).get("contract.responsibility_matrix")
        responsibility_matrix = earlier if isinstance(earlier, str) else ""
    engagement = await Engagement.get(id=review.engagement_id)
    vendor = await Vendor.get(id=engagement.vendor_id)
    organization = await Organization.get(id=review.organization_id)
    catalog = current_catalog()
    form = catalog.forms.get((review.form_id, review.form_version))
    answer_set = await AnswerSet.get_or_none(review_id=review.id)
    raw_answers = dict(answer_set.answers) if answer_set is not None else {}
    answers = form.visible_answers(raw_answers) if form is not None else raw_answers
    facts = ContractFacts(
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
        kind=engagement.kind.value,
        confidentiality=engagement.confidentiality,
        integrity=engagement.integrity,
        availability=engagement.availability,
        my_number=engagement.my_number,
        contract_settings=await stored_contract_settings(str(organization.id)),
        answers=answers,
        subcontractors=subcontractor_lines(
            answers.get(answer_ids.SUBCONTRACTORS), _country_labels(form)
        ),
        work_locations=work_location_lines(
            answers.get(answer_ids.WORK_LOCATIONS), _choice_labels(form, answer_ids.WORK_LOCATIONS)
        ),
        work_sites=work_site_lines(answers.get(answer_ids.WORK_SITES)),
        responsibility_matrix=responsibility_matrix,
    )
    verdicts = await Verdict.filter(review_id=review.id)
    terms, assembled = build_contract(
        catalog=catalog,
        facts=facts,
        engagement=engagement_facts(engagement),
        selection=_selection(catalog, review, verdicts),
        conditions=list(review.conditions),
    )
    assert terms.base_document is not None
    content = render_contract(assembled.document, catalog.base_documents[terms.base_document])
    return await _store(principal, review, terms, assembled, content)


async def _store(
    principal: Principal,
    review: Review,
    terms: ContractTemplate,
    assembled: AssembledContract,
    content: bytes,
) -> Contract:
    previous = await Contract.filter(review_id=review.id).order_by("-version").first()
    version = previous.version + 1 if previous else 1
    parts = [{"id": p.id, "version": p.version, "title": p.title} for p in assembled.parts]
    try:
        async with transaction() as conn:
            contract = await Contract.create(
                organization_id=review.organization_id,
                review_id=review.id,
                version=version,
                template_id=terms.id,
                template_version=terms.version,
                title=terms.title,
                parts=parts,
                clauses=[use.as_record() for use in assembled.clauses],
                values=assembled.values,
                conditions=list(assembled.document.conditions),
                mandated_not_carried=assembled.mandated_not_carried,
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
                data={
                    "version": contract.version,
                    "sha256": contract.sha256,
                    "parts": [f"{p['id']}@{p['version']}" for p in parts],
                    "clauses": len(assembled.clauses),
                    # What legal must still look at (要法務確認), as on the version itself.
                    "legal_review": [u.id for u in assembled.clauses if u.legal_review],
                    "mandated_not_carried": sorted(assembled.mandated_not_carried),
                },
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


async def compare_contracts(
    principal: Principal, contract_id: str, base_contract_id: str
) -> tuple[Contract, Contract, ContractChanges]:
    """What changed from `base` to `contract` (any two versions the caller's organization has,
    e.g. two versions of one review, or the contracts of two review rounds)."""
    contract = await get_contract(principal, contract_id)
    base = await get_contract(principal, base_contract_id)
    changes = contract_changes(
        old_clauses=base.clauses,
        new_clauses=contract.clauses,
        old_values=base.values,
        new_values=contract.values,
        old_conditions=base.conditions,
        new_conditions=contract.conditions,
        old_parts=base.parts,
        new_parts=contract.parts,
    )
    return base, contract, changes


def changes_as_dict(changes: ContractChanges) -> dict[str, Any]:
    return asdict(changes)


async def approved_without_contract(
    principal: Principal, *, limit: int = 50
) -> tuple[int, list[Review]]:
    """Approved reviews of the organization with no contract generated yet (legal's work list),
    oldest decision first, with their engagement and vendor."""
    from tortoise.expressions import Subquery

    query = Review.filter(
        organization_id=principal.organization_id,
        status__in=[ReviewStatus.approved, ReviewStatus.approved_with_conditions],
    ).exclude(
        id__in=Subquery(
            Contract.filter(organization_id=principal.organization_id).values("review_id")
        )
    )
    total = await query.count()
    reviews = await query.order_by("decided_at").limit(limit).prefetch_related("engagement__vendor")
    return total, reviews


async def stored_contract_settings(organization_id: str) -> dict[str, Any]:
    """The contract settings the organization has set (none: {})."""
    row = await ContractSettingsRow.get_or_none(organization_id=organization_id)
    return dict(row.settings) if row else {}


async def get_contract_settings(principal: Principal, organization_id: str) -> ContractSettings:
    organization = await get_organization(principal, organization_id)
    return ContractSettings.model_validate(await stored_contract_settings(str(organization.id)))


async def update_contract_settings(
    principal: Principal, organization_id: str, update: ContractSettings
) -> ContractSettings:
    """Only the settings `update` names change; null clears one. The change is audited."""
    organization = await get_organization(principal, organization_id)
    async with transaction() as conn:
        row = await settings_row(ContractSettingsRow, str(organization.id), conn)
        row.settings = update.merged_into(row.settings)
        await row.save(using_db=conn)
        await record(
            conn,
            organization_id=str(organization.id),
            actor=principal.actor,
            action="contract_settings.updated",
            object_type="organization",
            object_id=str(organization.id),
            data=update.model_dump(mode="json", exclude_unset=True),
        )
    return ContractSettings.model_validate(row.settings)
