"""Each seed body's profile, on the same engagement, shows its documented differences.

The latest version of each body profile (v2, on base v2) is the one new reviews get; version 1
(on base v1) stays loadable for the verdicts made with it.
"""

from __future__ import annotations

from typing import Any

import pytest

from service.catalog.loader import Catalog, load_catalog
from service.catalog.policies import BaseRef, PolicyProfile
from service.checks.evaluate import evaluate_profile
from service.checks.models import Outcome
from tests.checks.ismap_lists import example_lookups
from tests.checks.requirement_cases import example_answers
from tests.factories import good_answers


def outsourcing_answers() -> dict[str, Any]:
    return example_answers("outsourcing")


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


SEGMENT_RULES = {"SEG-01", "SEG-01-REMOTE", "SEG-02", "SEG-02-LISTING", "SEG-03"}


def profile(catalog: Catalog, profile_id: str) -> PolicyProfile:
    found = catalog.latest_profile(profile_id)
    assert found is not None, profile_id
    return found


@pytest.mark.parametrize("profile_id", BODIES)
def test_the_latest_body_profile_is_version_2_on_base_version_2(
    catalog: Catalog, profile_id: str
) -> None:
    body = profile(catalog, profile_id)
    assert (body.version, body.extends) == (2, BaseRef(id="base", version=2))
    old = catalog.profile(profile_id, 1)
    assert old.extends == BaseRef(id="base", version=1)
    # Version 1 keeps the content its verdicts were made with.
    assert {r.id for r in old.requirements} <= {
        r.id for r in catalog.profile("base", 1).requirements
    } | {"OUT-DM-01"}


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

    assert segment_rules("base") == SEGMENT_RULES
    assert segment_rules("hitoyoshi") == SEGMENT_RULES
    assert segment_rules("kanagawa-council") == SEGMENT_RULES
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
    # Apart from the segment rules, every body reaches the same verdicts as the base.
    base = outcomes(profile(catalog, "base"), engagement, answers)
    for pid, result in results.items():
        assert {r: o for r, o in result.items() if r in base and r not in SEGMENT_RULES} == {
            r: o for r, o in base.items() if r in result and r not in SEGMENT_RULES
        }, pid


def test_the_same_outsourcing_into_the_my_number_segment(catalog: Catalog) -> None:
    engagement = facts(
        kind="outsourcing", network_segment="my_number", my_number=True, subcontracting=False
    )
    answers = {**outsourcing_answers(), "remote_access": True}
    results = {pid: outcomes(profile(catalog, pid), engagement, answers) for pid in BODIES}
    # Remote maintenance into the My Number segment is questioned where the segment exists.
    assert results["hitoyoshi"]["SEG-01-REMOTE"] == Outcome.failed
    assert results["kanagawa-council"]["SEG-01-REMOTE"] == Outcome.failed
    for pid in ("nichinan-council", "sorachi-education", "tagajo"):
        assert "SEG-01-REMOTE" not in results[pid]
        assert Outcome.failed not in results[pid].values(), (pid, results[pid])
    # Every body still holds the contractor to the My Number rules of the base.
    for pid, result in results.items():
        assert result["MYN-01-PREMISES"] == Outcome.passed, pid
        assert result["PII-03-PURPOSE"] == Outcome.passed, pid


def test_each_segment_rule_cites_the_bodys_own_section(catalog: Catalog) -> None:
    for pid, seed in (
        ("hitoyoshi", "002_370e6f60a36aaaf9.txt"),
        ("kanagawa-council", "001_6552b71835ad1528.txt"),
    ):
        for rule_id in SEGMENT_RULES:
            rule = profile(catalog, pid).requirement(rule_id)
            assert rule is not None
            assert {s.document for s in rule.sources} == {seed}, (pid, rule_id)


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
    engagement = facts(kind="outsourcing", supplier_type=supplier_type, subcontracting=False)
    pledged = outcomes(profile(catalog, "tagajo"), engagement, outsourcing_answers())
    assert pledged["OUT-DM-01"] == Outcome.passed
    slow = {**outsourcing_answers(), "incident_first_report_hours": 48}
    refused = outcomes(profile(catalog, "tagajo"), engagement, slow)
    assert refused["OUT-DM-01"] == Outcome.failed
    others = {
        pid: outcomes(profile(catalog, pid), engagement, slow)
        for pid in ("hitoyoshi", "nichinan-council", "kanagawa-council", "sorachi-education")
    }
    for pid, result in others.items():
        assert "OUT-DM-01" not in result
        # The base rules still judge the same answers; only 多賀城市 refuses outright.
        assert result["OUT-INC-01"] == refused["OUT-INC-01"] == Outcome.failed, pid


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
