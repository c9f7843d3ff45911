"""Table rows for the base profile's requirements, and the three checks every row gets.

A row names one requirement and an engagement it applies to; answers start from the shipped
example for that engagement kind (docs/examples/) and a row changes only what it is about:
`passing` answers must pass, `failing` answers must fail with the requirement's own fail_reason,
and under `not_applicable` (engagement changes) even the failing answers give not_applicable.
test_requirements_coverage.py checks that every requirement of base v2 has a row.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from service.catalog.loader import load_catalog
from service.catalog.policies import PolicyProfile, Requirement
from service.checks.evaluate import Finding, evaluate_requirement
from service.checks.models import Outcome
from tests.checks.ismap_lists import example_lookups

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
BASE_PROFILE = ("base", 2)

# Each kind's questionnaire, and the example answers a good supplier gives to it.
EXAMPLE_FOR_KIND = {
    "outsourcing": "outsourcing-answers.json",
    "cloud": "cloud-service-answers.json",
    "tos_cloud": "tos-cloud-answers.json",
}

# Engagement facts per kind, as service.engagements.service.engagement_facts gives them.
ENGAGEMENT_FOR_KIND: dict[str, dict[str, Any]] = {
    "outsourcing": {
        "kind": "outsourcing",
        "supplier_type": "contractor",
        "confidentiality": 2,
        "integrity": 1,
        "availability": 1,
        "personal_data": True,
        "my_number": False,
        "network_segment": "lgwan",
        "subcontracting": False,
        "term_months": 36,
    },
    "cloud": {
        "kind": "cloud",
        "supplier_type": "contractor",
        "confidentiality": 2,
        "integrity": 2,
        "availability": 1,
        "personal_data": True,
        "my_number": False,
        "network_segment": "lgwan",
        "subcontracting": True,
        "term_months": 36,
    },
    "tos_cloud": {
        "kind": "tos_cloud",
        "supplier_type": "contractor",
        "confidentiality": 1,
        "integrity": 1,
        "availability": 1,
        "personal_data": False,
        "my_number": False,
        "network_segment": "internet",
        "subcontracting": False,
        "term_months": 12,
    },
}

SUBCONTRACTORS = [{"name": "株式会社あおばデータ入力", "country": "jp", "role": "データ入力"}]


@dataclass(frozen=True)
class Case:
    requirement_id: str
    kind: str  # the engagement kind the row is written for
    failing: dict[str, Any]  # answer changes that must fail the check
    passing: dict[str, Any] = field(default_factory=dict)  # answer changes that must pass
    engagement: dict[str, Any] = field(default_factory=dict)  # changes where it applies
    not_applicable: dict[str, Any] = field(default_factory=dict)  # changes where it does not
    label: str = ""  # tells rows for the same requirement apart

    @property
    def name(self) -> str:
        return f"{self.requirement_id}-{self.label}" if self.label else self.requirement_id

    def facts(self, **changes: Any) -> dict[str, Any]:
        return {**ENGAGEMENT_FOR_KIND[self.kind], **self.engagement, **changes}

    def answers(self, changes: dict[str, Any]) -> dict[str, Any]:
        return {**example_answers(self.kind), **changes}


@cache
def base_profile() -> PolicyProfile:
    return load_catalog().profile(*BASE_PROFILE)


def example_answers(kind: str) -> dict[str, Any]:
    text = (EXAMPLES / EXAMPLE_FOR_KIND[kind]).read_text(encoding="utf-8")
    return dict(json.loads(text)["answers"])


def requirement(requirement_id: str) -> Requirement:
    found = base_profile().requirement(requirement_id)
    assert found is not None, f"{requirement_id} is not in base v2"
    return found


def evaluate(case: Case, answers: dict[str, Any], facts: dict[str, Any]) -> Finding:
    return evaluate_requirement(
        requirement(case.requirement_id), facts, answers, lookups=example_lookups()
    )


def check_passes(case: Case) -> None:
    finding = evaluate(case, case.answers(case.passing), case.facts())
    assert finding.outcome == Outcome.passed, (case.name, finding)


def check_fails_with_its_reason(case: Case) -> None:
    assert case.failing, f"{case.name}: a row needs answers that fail"
    rule = requirement(case.requirement_id)
    finding = evaluate(case, case.answers(case.failing), case.facts())
    assert finding.outcome == Outcome.failed, (case.name, finding)
    assert finding.reason == {"ja": rule.fail_reason.ja, "en": rule.fail_reason.en}
    # The verdict shows the changed answers the check read.
    for name in set(case.failing) & set(rule.check_expr.answer_refs):
        assert finding.inputs[name] == case.failing[name], (case.name, name)


def check_not_applicable(case: Case) -> None:
    assert case.not_applicable, f"{case.name}: a row needs an engagement it does not apply to"
    finding = evaluate(case, case.answers(case.failing), case.facts(**case.not_applicable))
    assert finding.outcome == Outcome.not_applicable, (case.name, finding)
    assert finding.inputs == {}
