"""`vetting forms import-vsaq`: every question and finding of Google's four VSAQ questionnaires,
loaded by the real loader, with requirements that fail exactly when VSAQ raises the finding."""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.catalog.forms import Form, Question, QuestionType
from service.catalog.loader import Catalog, load_catalog
from service.catalog.policies import PolicyProfile
from service.catalog.vsaq import NOTICE, VsaqError, convert_vsaq
from service.catalog.vsaq.conditions import parse, to_cel
from service.catalog.vsaq.source import strip_javascript
from service.checks.evaluate import evaluate_profile
from service.checks.models import Outcome
from service.config import PROJECT_ROOT, Settings
from tests.catalog.vsaq_oracle import VItem, Vsaq, load_source

VSAQ = PROJECT_ROOT / "docs" / "vsaq"
SOURCES = sorted((VSAQ / "source").glob("*.json"))
NAMES = [p.name for p in SOURCES]
VETTING = Path(sys.executable).parent / "vetting"
ENGAGEMENT = {
    "kind": "cloud",
    "confidentiality": 2,
    "integrity": 1,
    "availability": 1,
    "personal_data": False,
    "my_number": False,
    "network_segment": "internet",
    "subcontracting": False,
    "term_months": 12,
}


def form_id(name: str) -> str:
    return "vsaq-" + name.removesuffix(".json").replace("_", "-")


# The shipped contract templates read shipped questions and requirements, so the imported
# questionnaires are loaded on their own beside a template that reads neither.
MINIMAL_TEMPLATE = """
id: reference-only-terms
version: 1
role: terms
title: 参照用特記事項
engagement_kinds: [outsourcing]
parties: {a: 委託者, b: 受託者}
base_document: base.docx
preamble: "{organization.name}と{vendor.name}は、次のとおり合意する。"
closing: "本書2通を作成し、各自1通を保有する。"
clauses:
  - id: K01
    version: 1
    title: 遵守
    paragraphs:
      - text: "乙は、甲の情報セキュリティポリシーを遵守しなければならない。"
"""


@cache
def catalog() -> Catalog:
    templates = Path(tempfile.mkdtemp(prefix="vsaq-templates-"))
    shutil.copy(PROJECT_ROOT / "contract_templates" / "base.docx", templates / "base.docx")
    (templates / "reference-only-terms.yaml").write_text(MINIMAL_TEMPLATE, encoding="utf-8")
    return load_catalog(
        Settings(
            forms_dir=VSAQ / "forms",
            policies_dir=VSAQ / "policies",
            contract_templates_dir=templates,
        )
    )


def test_the_four_questionnaires_are_there() -> None:
    assert NAMES == [
        "infrastructure.json",
        "physical_and_datacenter.json",
        "security_privacy_programs.json",
        "webapp.json",
    ]


@pytest.mark.parametrize("name", NAMES)
def test_reimport_gives_the_committed_files(name: str) -> None:
    imported = convert_vsaq((VSAQ / "source" / name).read_text(encoding="utf-8"), name)
    assert imported.form_id == form_id(name)
    form_file = VSAQ / "forms" / f"{imported.form_id}.yaml"
    profile_file = VSAQ / "policies" / f"{imported.form_id}.yaml"
    assert imported.form_yaml == form_file.read_text(encoding="utf-8")
    assert imported.profile_yaml == profile_file.read_text(encoding="utf-8")
    assert (VSAQ / "NOTICE").read_text(encoding="utf-8") == NOTICE


@pytest.mark.parametrize("name", NAMES)
def test_generated_files_keep_the_licence_notice(name: str) -> None:
    for folder in ("forms", "policies"):
        text = (VSAQ / folder / f"{form_id(name)}.yaml").read_text(encoding="utf-8")
        head = text.split("\nid: ", 1)[0]
        assert f"questionnaires/{name}" in head
        assert "Apache License 2.0" in head
        assert "Copyright 2016 Google Inc." in head
    assert "Apache License" in (VSAQ / "LICENSE").read_text(encoding="utf-8")
    assert "Copyright 2016 Google Inc." in NOTICE


def test_every_form_and_profile_loads_with_the_real_loader() -> None:
    loaded = catalog()
    assert sorted(f for f, _ in loaded.forms) == sorted(form_id(n) for n in NAMES)
    assert sorted(p for p, _ in loaded.profiles) == sorted(form_id(n) for n in NAMES)
    # Reference only: no engagement is ever given an imported questionnaire.
    for kind in ("outsourcing", "cloud", "tos_cloud"):
        assert loaded.latest_form_for_kind(kind) is None
    assert sum(len(p.requirements) for p in loaded.profiles.values()) == 164


def test_they_load_next_to_the_shipped_catalog(tmp_path: Path) -> None:
    for folder in ("forms", "policies"):
        shutil.copytree(PROJECT_ROOT / folder, tmp_path / folder)
        for path in (VSAQ / folder).glob("*.yaml"):
            shutil.copy(path, tmp_path / folder / path.name)
    both = load_catalog(
        Settings(
            forms_dir=tmp_path / "forms",
            policies_dir=tmp_path / "policies",
            contract_templates_dir=PROJECT_ROOT / "contract_templates",
        )
    )
    assert both.latest_form_for_kind("cloud") is not None
    assert both.latest_form_for_kind("cloud").id == "cloud-service"  # type: ignore[union-attr]


# --- every question and every finding, counted on the source independently ----------------------


def source_questions(vsaq: Vsaq) -> list[VItem]:
    """What VSAQ asks for an answer to: groups, text fields, and tips with a text area."""
    return [
        item
        for item in vsaq.order
        if item.type in ("radiogroup", "checkgroup", "line", "box", "yesno", "upload")
        or (item.type == "tip" and item.raw.get("why"))
        or (item.type == "check" and (item.parent is None or item.parent.type != "checkgroup"))
    ]


@cache
def paired(name: str) -> tuple[Vsaq, Form, PolicyProfile, list[tuple[VItem, Question]]]:
    vsaq = Vsaq(load_source(VSAQ / "source" / name))
    form = catalog().form(form_id(name), 1)
    profile = catalog().profile(form_id(name), 1)
    items = source_questions(vsaq)
    assert len(items) == len(form.questions)
    return vsaq, form, profile, list(zip(items, form.questions, strict=True))


@pytest.mark.parametrize("name", NAMES)
def test_every_question_is_imported_in_order(name: str) -> None:
    _, _, _, pairs = paired(name)
    expected_type = {
        "radiogroup": QuestionType.single_choice,
        "checkgroup": QuestionType.multi_choice,
        "line": QuestionType.text,
        "box": QuestionType.text,
        "tip": QuestionType.text,
    }
    for item, question in pairs:
        assert question.type == expected_type[item.type], item.id
        assert question.ref == item.id
        if item.type in ("radiogroup", "checkgroup"):
            assert len(question.choices) == len(item.children)
            assert [c.value for c in question.choices][:1] and all(
                c.value == child.id or len(child.id or "") > 64
                for c, child in zip(question.choices, item.children, strict=True)
            )


@pytest.mark.parametrize("name", NAMES)
def test_every_finding_is_a_requirement(name: str) -> None:
    vsaq, _, profile, _ = paired(name)
    findings = [i for i in vsaq.order if i.type == "tip" and i.raw.get("warn") == "yes"]
    assert len(profile.requirements) == len(findings)
    for tip, requirement in zip(findings, profile.requirements, strict=True):
        assert requirement.sources[0].section.startswith(f"{tip.id} ")
        severity = tip.raw.get("severity") or ""
        assert (requirement.severity.value, requirement.on_fail.value) == {
            "critical": ("must", "reject"),
            "high": ("must", "condition"),
            "medium": ("should", "clarify"),
            "": ("should", "clarify"),
        }[severity]


# --- the same meaning: generated answer sets, VSAQ's reading against ours -----------------------


def vsaq_state(vsaq: Vsaq, pairs: list[tuple[VItem, Question]], answers: dict[str, Any]) -> None:
    vsaq.values = {}
    for item, question in pairs:
        answer = answers.get(question.id)
        if answer is None:
            continue
        if item.type in ("radiogroup", "checkgroup"):
            chosen = {answer} if isinstance(answer, str) else set(answer)
            for choice, child in zip(question.choices, item.children, strict=True):
                vsaq.values[id(child)] = "checked" if choice.value in chosen else ""
        else:
            vsaq.values[id(item)] = answer


def value_for(question: Question, rng: random.Random) -> Any:
    values = [c.value for c in question.choices]
    if question.type == QuestionType.single_choice:
        return rng.choice(values)
    if question.type == QuestionType.multi_choice:
        return [v for v in values if rng.random() < 0.4]
    return rng.choice(["", "as explained in our policy"])


def assert_same_meaning(name: str, answers: dict[str, Any]) -> dict[str, Outcome]:
    vsaq, form, profile, pairs = paired(name)
    assert form.validate_answers(answers, complete=False) == {}
    vsaq_state(vsaq, pairs, answers)
    for item, question in pairs:
        assert question.is_visible(answers) == vsaq.is_visible(item), question.id
    raised = {i.id: vsaq.is_visible(i) for i in vsaq.order if i.type == "tip" and i.raw.get("warn")}
    findings = evaluate_profile(profile.requirements, ENGAGEMENT, answers)
    outcomes: dict[str, Outcome] = {}
    for finding, requirement in zip(findings, profile.requirements, strict=True):
        tip_id = requirement.sources[0].section.split(" ")[0]
        expected = Outcome.failed if raised[tip_id] else Outcome.passed
        assert finding.outcome == expected, (requirement.id, finding.reason)
        outcomes[requirement.id] = finding.outcome
    return outcomes


@st.composite
def answer_sets(draw: st.DrawFn, name: str) -> dict[str, Any]:
    """Either arbitrary answers (hidden questions included, as a half-changed draft holds) or
    a vendor's walk through the form, answering only what is shown."""
    _, form, _, _ = paired(name)
    rng = random.Random(draw(st.integers(0, 2**32)))
    walk = draw(st.booleans())
    answers: dict[str, Any] = {}
    for question in form.questions:
        if walk and not question.is_visible(answers):
            continue
        if rng.random() < (0.9 if walk else 0.6):
            answers[question.id] = value_for(question, rng)
    return answers


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_requirements_fail_exactly_when_vsaq_raises_the_finding(name: str, data: Any) -> None:
    answers = data.draw(answer_sets(name))
    assert_same_meaning(name, answers)
    # What the service stores on submit: the answers to shown questions only.
    _, form, _, _ = paired(name)
    assert_same_meaning(name, form.visible_answers(answers))


@pytest.mark.parametrize("name", NAMES)
def test_each_requirement_both_fails_and_passes_on_some_answer_set(name: str) -> None:
    _, form, profile, _ = paired(name)
    rng = random.Random(20260405)
    seen: dict[str, set[Outcome]] = {r.id: set() for r in profile.requirements}
    for attempt in range(400):
        answers: dict[str, Any] = {}
        for question in form.questions:
            if question.is_visible(answers) and rng.random() < 0.95:
                answers[question.id] = value_for(question, rng)
        for requirement_id, outcome in assert_same_meaning(name, answers).items():
            seen[requirement_id].add(outcome)
        if attempt > 50 and all(len(s) == 2 for s in seen.values()):
            break
    never = {rid for rid, outcomes in seen.items() if outcomes != {Outcome.passed, Outcome.failed}}
    assert not never


def test_no_answers_raise_exactly_the_unconditional_findings() -> None:
    outcomes = assert_same_meaning("webapp.json", {})
    # Only findings whose VSAQ condition holds on an empty questionnaire fail.
    assert outcomes["VSAQ-WARN-APPLICATION-NO-XSS-STRATEGY"] == Outcome.failed
    assert outcomes["VSAQ-WARN-APPLICATION-NOT-SSL"] == Outcome.passed


# --- the condition language ----------------------------------------------------------------------


def cel_of(condition: str) -> str:
    return to_cel(parse(condition), lambda token: f"answers.{token}")


def test_operators_apply_left_to_right_without_precedence() -> None:
    assert cel_of("a || b && c") == "((answers.a || answers.b) && answers.c)"
    assert cel_of("a && b || c") == "((answers.a && answers.b) || answers.c)"
    assert cel_of("a || (b && c)") == "(answers.a || (answers.b && answers.c))"


def test_not_binds_to_the_next_name_or_group() -> None:
    assert cel_of("!a && b") == "(!(answers.a) && answers.b)"
    assert cel_of("!(a || b)") == "!(answers.a || answers.b)"
    assert cel_of("!a || !(b && c) && d") == (
        "((!(answers.a) || !(answers.b && answers.c)) && answers.d)"
    )
    assert cel_of("") == "true"


@pytest.mark.parametrize(
    ("condition", "problem"),
    [
        ("a & b", "a single '&'"),
        ("(a || b", "not closed"),
        ("a || ", "ends where a name was expected"),
        ("a b", "unexpected 'b'"),
        ("!!a", "'!' where a name was expected"),
        ('matches(a/value, "x")', "not supported"),
    ],
)
def test_malformed_conditions_are_refused(condition: str, problem: str) -> None:
    with pytest.raises(VsaqError, match=problem):
        cel_of(condition)


def questionnaire(*items: dict[str, Any]) -> str:
    import json

    return json.dumps({"questionnaire": [{"type": "block", "text": "T", "items": list(items)}]})


def radio(group_id: str, cond: str = "") -> dict[str, Any]:
    return {
        "type": "radiogroup",
        "id": group_id,
        "cond": cond,
        "text": "Q?",
        "defaultChoice": False,
        "choices": [{f"{group_id}_yes": "Yes"}, {f"{group_id}_no": "No"}],
    }


def test_an_unknown_reference_is_refused_naming_the_item() -> None:
    source = questionnaire(radio("a"), radio("b", cond="a_yes && nope"))
    with pytest.raises(VsaqError, match=r"radiogroup 'b'.*unknown reference 'nope'"):
        convert_vsaq(source, "broken.json")


def test_a_cycle_is_refused() -> None:
    source = questionnaire(radio("a", cond="b_yes"), radio("b", cond="a_yes"))
    with pytest.raises(VsaqError, match="depends on itself"):
        convert_vsaq(source, "cycle.json")


def test_a_condition_on_a_later_question_is_refused() -> None:
    source = questionnaire(radio("a", cond="b_yes"), radio("b"))
    with pytest.raises(VsaqError, match=r"radiogroup 'a'.*\['b'\].*asked later"):
        convert_vsaq(source, "forward.json")


def test_a_hidden_grandparent_does_not_stop_an_answer_counting() -> None:
    """VSAQ checks only the referenced item's parent and its own condition (items.js)."""
    source = questionnaire(
        radio("gate"),
        {
            "type": "block",
            "id": "outer",
            "cond": "gate_yes",
            "text": "Outer",
            "items": [{"type": "block", "id": "inner", "text": "Inner", "items": [radio("x")]}],
        },
        {
            "type": "tip",
            "id": "warn_x",
            "warn": "yes",
            "severity": "high",
            "text": "T",
            "cond": "x_yes",
        },
    )
    imported = convert_vsaq(source, "quirk.json")
    check = imported.conversion.profile["requirements"][0]["check"]
    assert "gate" not in check  # the finding reads x alone
    x = next(
        q for s in imported.conversion.form["sections"] for q in s["questions"] if q["id"] == "x"
    )
    assert "answers.gate" in x["visible_if"]  # while the question itself is shown under gate


def test_javascript_concatenation_and_comments_are_removed() -> None:
    text = '// licence\n{"a": "x // not a comment" +\n   "y", "b": "p + q"}'
    plain, comments = strip_javascript(text)
    assert comments == ["// licence"]
    import json

    assert json.loads(plain) == {"a": "x // not a commenty", "b": "p + q"}
    with pytest.raises(VsaqError, match="'\\+' must join two strings"):
        strip_javascript('{"a": 1 + 2}')


# --- the command line ----------------------------------------------------------------------------


def test_import_vsaq_writes_form_profile_and_notice(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(VETTING), "forms", "import-vsaq", str(SOURCES[1]), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    name = SOURCES[1].name
    assert (tmp_path / "forms" / f"{form_id(name)}.yaml").read_text() == (
        VSAQ / "forms" / f"{form_id(name)}.yaml"
    ).read_text()
    assert (tmp_path / "policies" / f"{form_id(name)}.yaml").exists()
    assert "Apache License" in (tmp_path / "NOTICE").read_text()


def test_import_vsaq_exits_1_on_a_broken_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text(questionnaire(radio("a", cond="missing_yes")), encoding="utf-8")
    result = subprocess.run(
        [str(VETTING), "forms", "import-vsaq", str(broken), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "unknown reference 'missing_yes'" in result.stderr
    assert not (tmp_path / "out").exists()
