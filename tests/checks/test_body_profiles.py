"""Each seed body's profile, on the same engagement, shows its documented differences."""

from __future__ import annotations

from typing import Any

import pytest

from service.catalog.loader import Catalog, load_catalog
from service.catalog.policies import PolicyProfile
from service.checks.evaluate import evaluate_profile
from service.checks.models import Outcome
from tests.checks.ismap_lists import example_lookups
from tests.factories import good_answers

BODIES = {
    "nichinan-council": "000_3291e76cd5cd275d.txt",
    "kanagawa-council": "001_6552b71835ad1528.txt",
    "hitoyoshi": "002_370e6f60a36aaaf9.txt",
    "sorachi-education": "003_91fb038f170e84df.txt",
    "tagajo": "004_96bc569ca754efd7.txt",
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def profile(catalog: Catalog, profile_id: str) -> PolicyProfile:
    found = catalog.latest_profile(profile_id)
    assert found is not None, profile_id
    return found


def facts(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "cloud",
        "supplier_type": "contractor",
        "confidentiality": 2,
        "integrity": 2,
        "availability": 1,
        "personal_data": True,
        "my_number": False,
        "network_segment": "internet",
        "subcontracting": True,
        "term_months": 36,
        **overrides,
    }


def outcomes(
    profile: PolicyProfile, engagement: dict[str, Any], answers: dict[str, Any]
) -> dict[str, Outcome]:
    findings = evaluate_profile(
        profile.requirements, engagement, answers, lookups=example_lookups()
    )
    return {f.requirement_id: f.outcome for f in findings}


@pytest.mark.parametrize("profile_id", BODIES)
def test_every_body_profile_cites_its_own_seed(catalog: Catalog, profile_id: str) -> None:
    body = profile(catalog, profile_id)
    assert body.extends is not None and body.extends.id == "base"
    documents = {s.document for r in body.requirements for s in r.sources}
    assert BODIES[profile_id] in documents
    assert body.body  # the name of the public body


def test_segment_rules_exist_only_where_the_body_has_the_three_segment_model(
    catalog: Catalog,
) -> None:
    def segment_rules(profile_id: str) -> set[str]:
        return {r.id for r in profile(catalog, profile_id).requirements if r.id.startswith("SEG-")}

    assert segment_rules("hitoyoshi") == {"SEG-01", "SEG-02", "SEG-03"}
    assert segment_rules("kanagawa-council") == {"SEG-01", "SEG-02", "SEG-03"}
    assert segment_rules("sorachi-education") == {"SEG-03"}  # only インターネット接続系
    assert segment_rules("nichinan-council") == set()
    assert segment_rules("tagajo") == set()


def test_the_same_internet_only_service_used_from_lgwan(catalog: Catalog) -> None:
    answers = {**good_answers(), "network_connection": "internet"}
    engagement = facts(network_segment="lgwan")
    results = {pid: outcomes(profile(catalog, pid), engagement, answers) for pid in BODIES}
    # Bodies with the LGWAN segment refuse a service reachable over the internet only.
    assert results["hitoyoshi"]["SEG-02"] == Outcome.failed
    assert results["kanagawa-council"]["SEG-02"] == Outcome.failed
    # The others have no such rule, so it is not among their verdicts at all.
    for pid in ("nichinan-council", "sorachi-education", "tagajo"):
        assert "SEG-02" not in results[pid]
        assert Outcome.failed not in results[pid].values(), (pid, results[pid])


def test_kanagawa_makes_the_security_cloud_check_a_must(catalog: Catalog) -> None:
    kanagawa = profile(catalog, "kanagawa-council").requirement("SEG-03")
    base = profile(catalog, "base").requirement("SEG-03")
    assert kanagawa is not None and base is not None
    assert (base.severity, kanagawa.severity) == ("should", "must")
    assert "神奈川" in kanagawa.remediation.ja
    assert [s.document for s in kanagawa.sources] == ["001_6552b71835ad1528.txt"]


@pytest.mark.parametrize("supplier_type", ["designated_manager", "housing_agent"])
def test_tagajo_vets_designated_managers_as_contractors(
    catalog: Catalog, supplier_type: str
) -> None:
    engagement = facts(kind="outsourcing", supplier_type=supplier_type)
    pledged = outcomes(profile(catalog, "tagajo"), engagement, good_answers())
    assert pledged["OUT-DM-01"] == Outcome.passed
    refused = outcomes(
        profile(catalog, "tagajo"), engagement, {**good_answers(), "policy_pledge": False}
    )
    assert refused["OUT-DM-01"] == Outcome.failed
    for pid in ("hitoyoshi", "nichinan-council", "kanagawa-council", "sorachi-education"):
        assert "OUT-DM-01" not in outcomes(profile(catalog, pid), engagement, good_answers())


def test_tagajo_ignores_the_rule_for_ordinary_contractors(catalog: Catalog) -> None:
    results = outcomes(profile(catalog, "tagajo"), facts(), good_answers())
    assert results["OUT-DM-01"] == Outcome.not_applicable


def test_children_keep_the_base_requirements_they_do_not_touch(catalog: Catalog) -> None:
    base = profile(catalog, "base")
    for pid in BODIES:
        child = profile(catalog, pid)
        for requirement in base.requirements:
            inherited = child.requirement(requirement.id)
            if inherited is None:
                continue  # removed on purpose (checked above)
            assert inherited.check == requirement.check, (pid, requirement.id)


def test_strict_approval_chain_for_confidentiality_3_or_my_number(catalog: Catalog) -> None:
    hitoyoshi = profile(catalog, "hitoyoshi")
    strict = hitoyoshi.chain_for(facts(confidentiality=3))
    assert [step.role for step in strict.steps] == ["security", "approver"]
    assert [step.role for step in hitoyoshi.chain_for(facts(my_number=True)).steps] == [
        "security",
        "approver",
    ]
    assert [step.role for step in hitoyoshi.chain_for(facts()).steps] == ["security"]
