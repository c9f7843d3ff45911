"""Choose a contract's parts, clauses and variants, and fill in every variable (pure).

- The terms template follows the engagement kind; each annex it lists is added when its
  `applies_if` holds, or with only its mandated clauses when one of them is mandated.
- A clause is in when its `applies_if` holds, or when a requirement that applies to the review
  mandates it (the policy's `clauses`, or the clause's own `requirements`), or mandates an item
  the clause `carries` (K09 words CK04 in an outsourcing contract).
- A terms template may refuse a case it cannot serve (`refuse_if`): a 409 with its reason.
- A clause with variants reads as its first variant whose `applies_if` holds.
- Every variable must have a value; all missing ones are reported at once, each with the clause
  that needs it and where the value comes from. Nothing is left blank.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from service.catalog.contract_templates import VARIABLE, Clause, ContractTemplate, Variant
from service.catalog.contract_templates import Paragraph as ParagraphTemplate
from service.contracts.document import Article, Paragraph, Part, Party, ResolvedContract
from service.contracts.values import VALUE_SOURCES, Value
from service.errors import Conflict


class MissingContractValues(Conflict):
    """409 naming each variable without a value, the clauses needing it and where it comes from."""

    def __init__(self, missing: dict[str, list[str]]) -> None:
        names = ", ".join(f"{name} ({', '.join(where)})" for name, where in missing.items())
        super().__init__(
            f"the contract needs values that are not set / 契約書に必要な値が未設定です: {names}",
            fields={
                name: f"needed by {', '.join(where)}; comes from "
                f"{VALUE_SOURCES.get(name, 'the engagement')}"
                for name, where in missing.items()
            },
        )
        self.missing = missing


@dataclass(frozen=True)
class ClauseUse:
    part: str
    id: str
    version: int
    variant: str
    title: str
    mandated_by: list[str]
    carries: list[str]
    legal_review: list[str]  # what legal checks before signing (clause and variant notes)

    def as_record(self) -> dict[str, Any]:
        return {
            "part": self.part,
            "id": self.id,
            "version": self.version,
            "variant": self.variant,
            "title": self.title,
            "mandated_by": self.mandated_by,
            "carries": self.carries,
            "legal_review": self.legal_review,
        }


@dataclass(frozen=True)
class AssembledContract:
    document: ResolvedContract
    parts: list[ContractTemplate]
    clauses: list[ClauseUse]
    values: dict[str, str | list[str]]  # every value the document uses
    # Clause ids a requirement mandates that this contract neither has nor words as another
    # clause (`carries`), with the requirement ids: legal decides whether to add terms.
    mandated_not_carried: dict[str, list[str]]


@dataclass(frozen=True)
class Selection:
    """What the review says: which requirements apply and which clauses they mandate."""

    applicable_requirements: frozenset[str]
    mandated: Mapping[str, list[str]]  # clause id -> requirement ids (from the policy profile)

    def mandated_by(self, clause: Clause) -> list[str]:
        by: list[str] = []
        for key in (clause.id, *clause.carries):
            by += [r for r in self.mandated.get(key, []) if r not in by]
        by += [r for r in clause.requirements if r in self.applicable_requirements and r not in by]
        return by


class _Filler:
    def __init__(self, values: Mapping[str, Value]) -> None:
        self.values = values
        self.missing: dict[str, list[str]] = {}
        self.used: dict[str, str | list[str]] = {}

    def _lack(self, name: str, where: str) -> None:
        places = self.missing.setdefault(name, [])
        if where not in places:
            places.append(where)

    def text(self, text: str, where: str) -> str:
        def value_of(match: Any) -> str:
            name = match.group(1)
            value = self.values.get(name)
            if not isinstance(value, str) or not value.strip():
                self._lack(name, where)
                return ""
            self.used[name] = value
            return value

        return VARIABLE.sub(value_of, text)

    def items(self, name: str, where: str) -> list[str]:
        value = self.values.get(name)
        if not isinstance(value, list) or not value:
            self._lack(name, where)
            return []
        self.used[name] = list(value)
        return list(value)

    def paragraph(self, paragraph: ParagraphTemplate, where: str) -> Paragraph:
        items = [self.text(item, where) for item in paragraph.items]
        if paragraph.items_from is not None:
            items += self.items(paragraph.items_from, where)
        return Paragraph(text=self.text(paragraph.text, where), items=items)


class RefusedContract(Conflict):
    """409: the contract type cannot serve this engagement (the template's `refuse_if`)."""


def _chosen_body(
    clause: Clause, context: dict[str, Any]
) -> tuple[Variant | None, list[ParagraphTemplate]]:
    if clause.variants is None:
        assert clause.paragraphs is not None
        return None, clause.paragraphs
    for variant in clause.variants:
        if variant.applies_expr.evaluate(context) is True:
            return variant, variant.paragraphs
    last = clause.variants[-1]  # the loader makes the last one unconditional
    return last, last.paragraphs


def choose_clauses(
    template: ContractTemplate, context: dict[str, Any], selection: Selection
) -> list[tuple[Clause, list[str]]]:
    """The template's clauses that are in, in template order, with who mandated each."""
    chosen = []
    for clause in template.clauses:
        by = selection.mandated_by(clause)
        if by or clause.applies_expr.evaluate(context) is True:
            chosen.append((clause, by))
    return chosen


def assemble_contract(
    *,
    terms: ContractTemplate,
    annexes: list[ContractTemplate],
    context: dict[str, Any],
    selection: Selection,
    values: Mapping[str, Value],
    engagement_number: str,
    subject: str,
    conditions: list[str],
) -> AssembledContract:
    """`context` is what CEL conditions see: engagement, answers and review (conditions)."""
    reasons = [r.reason for r in terms.refuse_if if r.applies_expr.evaluate(context) is True]
    if reasons:
        raise RefusedContract(" / ".join(reasons))
    fill = _Filler(values)
    parts: list[ContractTemplate] = []
    rendered_parts: list[Part] = []
    uses: list[ClauseUse] = []
    for index, template in enumerate([terms, *annexes]):
        chosen = choose_clauses(template, context, selection)
        if index > 0 and template.applies_expr.evaluate(context) is not True:
            # An annex whose condition does not hold carries only what is mandated.
            chosen = [(clause, by) for clause, by in chosen if by]
        if index > 0 and not chosen:
            continue
        articles = []
        for clause, by in chosen:
            variant, paragraphs = _chosen_body(clause, context)
            variant_id = variant.id if variant is not None else ""
            where = f"clause {clause.id} of {template.id}"
            articles.append(
                Article(
                    clause_id=clause.id,
                    clause_version=clause.version,
                    title=clause.title,
                    paragraphs=[fill.paragraph(p, where) for p in paragraphs],
                    variant=variant_id,
                )
            )
            notes = [clause.legal_review, variant.legal_review if variant else None]
            uses.append(
                ClauseUse(
                    part=template.id,
                    id=clause.id,
                    version=clause.version,
                    variant=variant_id,
                    title=clause.title,
                    mandated_by=by,
                    carries=list(clause.carries),
                    legal_review=[note for note in notes if note],
                )
            )
        parts.append(template)
        rendered_parts.append(
            Part(
                template_id=template.id,
                template_version=template.version,
                title=template.title,
                preamble=fill.text(template.preamble, f"preamble of {template.id}"),
                articles=articles,
            )
        )

    assert terms.parties is not None and terms.closing is not None
    signature = f"signature table of {terms.id}"
    party_a = Party(
        label="甲",
        role=terms.parties.a,
        name=fill.text("{organization.name}", signature),
        address=fill.text("{organization.address}", signature),
        representative=fill.text("{organization.representative}", signature),
    )
    party_b = Party(
        label="乙",
        role=terms.parties.b,
        name=fill.text("{vendor.name}", signature),
        address=fill.text("{vendor.address}", signature),
        representative="",
    )
    closing = fill.text(terms.closing, f"closing of {terms.id}")
    if fill.missing:
        raise MissingContractValues(fill.missing)
    document = ResolvedContract(
        title=terms.title,
        engagement_number=engagement_number,
        subject=subject,
        party_a=party_a,
        party_b=party_b,
        parts=rendered_parts,
        closing=closing,
        conditions=list(conditions),
    )
    carried = {use.id for use in uses} | {key for use in uses for key in use.carries}
    not_carried = {
        clause_id: list(by)
        for clause_id, by in sorted(selection.mandated.items())
        if clause_id not in carried and by
    }
    return AssembledContract(
        document=document,
        parts=parts,
        clauses=uses,
        values=dict(sorted(fill.used.items())),
        mandated_not_carried=not_carried,
    )
