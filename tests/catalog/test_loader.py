"""The data files load, and a broken one is refused with the file, the item and the problem."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from service.catalog.loader import Catalog, load_catalog
from service.config import PROJECT_ROOT, Settings
from service.errors import CatalogError

FOLDERS = ("forms", "policies", "contract_templates")
FORM = "forms/cloud-service.yaml"
POLICY = "policies/base.yaml"
CLOUD_ENGAGEMENT = {
    "kind": "cloud",
    "supplier_type": "contractor",
    "confidentiality": 3,
    "integrity": 2,
    "availability": 2,
    "personal_data": True,
    "subcontracting": True,
    "term_months": 36,
}
TEMPLATE = "contract_templates/cloud-security-terms.yaml"
VETTING = Path(sys.executable).parent / "vetting"


# --- the shipped catalog ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> Catalog:
    return load_catalog(
        Settings(
            forms_dir=PROJECT_ROOT / "forms",
            policies_dir=PROJECT_ROOT / "policies",
            contract_templates_dir=PROJECT_ROOT / "contract_templates",
        )
    )


def test_one_shipped_form_per_engagement_kind(shipped: Catalog) -> None:
    # Published versions stay loadable for the answers given to them; new engagements get the
    # latest one.
    assert sorted(shipped.forms) == [
        ("cloud-service", 1),
        ("cloud-service", 2),
        ("outsourcing", 1),
        ("outsourcing", 2),
        ("tos-cloud", 1),
    ]
    assert shipped.latest_form_for_kind("cloud") is shipped.form("cloud-service", 2)
    assert shipped.latest_form_for_kind("outsourcing") is shipped.form("outsourcing", 2)
    assert shipped.latest_form_for_kind("tos_cloud") is shipped.form("tos-cloud", 1)
    assert len(shipped.form("cloud-service", 1).questions) >= 60


@pytest.mark.parametrize(
    ("form_id", "added"),
    [
        (
            "cloud-service",
            ["work_sites", "responsibility_matrix", "responsibility_matrix_document"],
        ),
        ("outsourcing", ["work_sites", "rto_hours", "rpo_hours"]),
    ],
)
def test_version_2_only_adds_questions_to_version_1(
    shipped: Catalog, form_id: str, added: list[str]
) -> None:
    """Policies and stored answers name questions by id: a new version renames or drops none."""
    old = [q.id for q in shipped.form(form_id, 1).questions]
    new = [q.id for q in shipped.form(form_id, 2).questions]
    assert [i for i in new if i in old] == old
    assert sorted(set(new) - set(old)) == sorted(added)
    by_id = {q.id: q for q in shipped.form(form_id, 2).questions}
    for question in shipped.form(form_id, 1).questions:
        assert question == by_id[question.id]


def test_shipped_base_profile_cites_a_source_for_every_requirement(shipped: Catalog) -> None:
    profile = shipped.latest_profile("base")
    assert profile is not None
    assert len(profile.requirements) >= 10
    for requirement in profile.requirements:
        assert requirement.sources, requirement.id
        for source in requirement.sources:
            assert source.document.strip(), requirement.id
            assert source.section.strip(), requirement.id
    ids = [r.id for r in profile.requirements]
    assert len(ids) == len(set(ids))


def test_shipped_template_has_at_least_8_clauses_covering_every_mandated_clause(
    shipped: Catalog,
) -> None:
    template = shipped.latest_template_for_kind("cloud")
    assert template is not None
    assert len(template.clauses) >= 8
    profile = shipped.latest_profile("base")
    assert profile is not None
    # Every clause a requirement mandates for some cloud engagement is carried by the cloud terms
    # or their annexes (outsourcing-only requirements may mandate outsourcing-only clauses).
    cloud_engagements = [
        {**CLOUD_ENGAGEMENT, "network_segment": segment, "my_number": my_number}
        for segment in ("my_number", "lgwan", "internet")
        for my_number in (False, True)
    ]
    mandated = {
        cid
        for r in profile.requirements
        if any(r.applies_expr.evaluate({"engagement": e}) is True for e in cloud_engagements)
        for cid in r.clauses
    }
    assert "CK01" in mandated
    annexes = [shipped.latest_annex(annex_id) for annex_id in template.annexes]
    assert mandated <= template.clause_ids.union(*(a.clause_ids for a in annexes))


# --- a copy of the catalog, broken one thing at a time -------------------------------------------


class CatalogCopy:
    def __init__(self, root: Path) -> None:
        self.root = root
        for folder in FOLDERS:
            shutil.copytree(PROJECT_ROOT / folder, root / folder)

    def settings(self) -> Settings:
        return Settings(
            forms_dir=self.root / "forms",
            policies_dir=self.root / "policies",
            contract_templates_dir=self.root / "contract_templates",
        )

    def env(self) -> dict[str, str]:
        return {
            "VETTING_FORMS_DIR": str(self.root / "forms"),
            "VETTING_POLICIES_DIR": str(self.root / "policies"),
            "VETTING_CONTRACT_TEMPLATES_DIR": str(self.root / "contract_templates"),
        }

    def edit(self, name: str, change: Callable[[dict[str, Any]], None]) -> None:
        path = self.root / name
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")

    def replace_text(self, name: str, old: str, new: str) -> None:
        path = self.root / name
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} must occur once in {name}"
        path.write_text(text.replace(old, new), encoding="utf-8")

    def refused(self) -> CatalogError:
        with pytest.raises(CatalogError) as caught:
            load_catalog(self.settings())
        return caught.value


@pytest.fixture
def copy(tmp_path: Path) -> CatalogCopy:
    return CatalogCopy(tmp_path / "catalog")


def requirement(data: dict[str, Any], requirement_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(r for r in data["requirements"] if r["id"] == requirement_id)
    return found


def question(data: dict[str, Any], question_id: str) -> dict[str, Any]:
    questions = [q for s in data["sections"] for q in s["questions"]]
    found: dict[str, Any] = next(q for q in questions if q["id"] == question_id)
    return found


def clause(data: dict[str, Any], clause_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in data["clauses"] if c["id"] == clause_id)
    return found


def assert_names(error: CatalogError, file: str, *parts: str) -> None:
    message = str(error)
    assert message.startswith(file), message
    assert error.file == file
    for part in parts:
        assert part in message, f"{part!r} not in {message!r}"


def test_the_unbroken_copy_loads(copy: CatalogCopy) -> None:
    catalog = load_catalog(copy.settings())
    assert ("base", 1) in catalog.profiles


def test_cel_syntax_error_in_a_check_names_the_requirement(copy: CatalogCopy) -> None:
    def change(data: dict[str, Any]) -> None:
        requirement(data, "CLD2-SEL-10")["check"] = "answers.data_center_country == 'jp' &&"

    copy.edit(POLICY, change)
    error = copy.refused()
    assert_names(error, POLICY, "CLD2-SEL-10", "CEL syntax error")
    assert error.item == "CLD2-SEL-10"


def test_check_reading_an_unknown_question_is_refused(copy: CatalogCopy) -> None:
    def change(data: dict[str, Any]) -> None:
        requirement(data, "CLD2-BLD-01")["check"] = "answers.nope == true"

    copy.edit(POLICY, change)
    assert_names(copy.refused(), POLICY, "CLD2-BLD-01", "unknown question", "'nope'")


def test_unknown_question_hidden_behind_has_is_refused_too(copy: CatalogCopy) -> None:
    def change(data: dict[str, Any]) -> None:
        requirement(data, "CLD2-SEL-14")["check"] = "has(answers.nope) && answers.nope != ''"

    copy.edit(POLICY, change)
    assert_names(copy.refused(), POLICY, "CLD2-SEL-14", "'nope'")


@pytest.mark.parametrize("key", ["applies_if", "check"])
def test_unknown_engagement_field_is_refused(copy: CatalogCopy, key: str) -> None:
    def change(data: dict[str, Any]) -> None:
        requirement(data, "OUT-INC-01")[key] = "engagement.colour == 'red'"

    copy.edit(POLICY, change)
    assert_names(copy.refused(), POLICY, "OUT-INC-01", "unknown engagement field", "'colour'")


def test_unknown_variable_in_applies_if_is_refused(copy: CatalogCopy) -> None:
    def change(data: dict[str, Any]) -> None:
        # applies_if sees the engagement only, never the answers.
        requirement(data, "PII-02")["applies_if"] = "answers.admin_mfa == true"

    copy.edit(POLICY, change)
    assert_names(copy.refused(), POLICY, "PII-02", "unknown variable", "answers")


def test_unknown_clause_id_in_a_requirement_is_refused(copy: CatalogCopy) -> None:
    def change(data: dict[str, Any]) -> None:
        requirement(data, "PII-02")["clauses"] = ["PK02", "K99"]

    copy.edit(POLICY, change)
    assert_names(copy.refused(), POLICY, "PII-02", "unknown clause", "K99")


def test_duplicate_requirement_id_is_refused(copy: CatalogCopy) -> None:
    def change(data: dict[str, Any]) -> None:
        data["requirements"][0]["id"] = data["requirements"][1]["id"]

    copy.edit(POLICY, change)
    assert_names(copy.refused(), POLICY, "OUT-SEL-02", "duplicate requirement id")


def test_duplicate_question_id_is_refused(copy: CatalogCopy) -> None:
    def change(data: dict[str, Any]) -> None:
        question(data, "backup_country")["id"] = "data_center_country"

    copy.edit(FORM, change)
    assert_names(copy.refused(), FORM, "data_center_country", "duplicate id")


@pytest.mark.parametrize(
    ("key", "expression", "problem"),
    [
        ("visible_if", "answers.admin_mfa == true", "asked later in the form"),
        ("visible_if", "has(answers.isms_expiry)", "refers to itself (a cycle)"),
        ("required", "answers.subcontracting_planned == true", "asked later in the form"),
        ("visible_if", "answers.nope == true", "unknown question 'nope'"),
    ],
)
def test_condition_on_a_later_or_unknown_question_is_refused(
    copy: CatalogCopy, key: str, expression: str, problem: str
) -> None:
    def change(data: dict[str, Any]) -> None:
        question(data, "isms_expiry")[key] = expression

    copy.edit(FORM, change)
    error = copy.refused()
    assert_names(error, FORM, "isms_expiry", key, problem)
    assert error.item == "sections[B].questions[isms_expiry]"


def test_condition_on_an_earlier_question_is_accepted(copy: CatalogCopy) -> None:
    def change(data: dict[str, Any]) -> None:
        question(data, "admin_mfa")["visible_if"] = "answers.encryption_in_transit != 'older'"

    copy.edit(FORM, change)
    form = load_catalog(copy.settings()).form("cloud-service", 2)
    admin_mfa = next(q for q in form.questions if q.id == "admin_mfa")
    assert admin_mfa.is_visible({"encryption_in_transit": "tls12"})
    assert not admin_mfa.is_visible({"encryption_in_transit": "older"})


@pytest.mark.parametrize("question_id", ["training_frequency", "export_formats"])
def test_choice_question_without_choices_is_refused(copy: CatalogCopy, question_id: str) -> None:
    def change(data: dict[str, Any]) -> None:
        del question(data, question_id)["choices"]

    copy.edit(FORM, change)
    assert_names(copy.refused(), FORM, question_id, "needs choices")


def test_cel_syntax_error_in_a_form_condition_names_the_question(copy: CatalogCopy) -> None:
    def change(data: dict[str, Any]) -> None:
        question(data, "subcontractor_flowdown")["visible_if"] = "answers.subcontracting_planned =="

    copy.edit(FORM, change)
    assert_names(copy.refused(), FORM, "subcontractor_flowdown", "CEL syntax error")


@pytest.mark.parametrize("where", ["K07", "preamble"])
def test_template_with_an_unknown_variable_is_refused(copy: CatalogCopy, where: str) -> None:
    def change(data: dict[str, Any]) -> None:
        if where == "preamble":
            data["preamble"] += "{foo.bar}"
        else:
            clause(data, where)["paragraphs"][1]["text"] += "{foo.bar}"

    copy.edit(TEMPLATE, change)
    assert_names(copy.refused(), TEMPLATE, where, "unknown variable", "foo.bar")


@pytest.mark.parametrize("brace", ["{", "}", "{vendor.name", "{Vendor.Name}"])
def test_stray_brace_in_clause_text_is_refused(copy: CatalogCopy, brace: str) -> None:
    def change(data: dict[str, Any]) -> None:
        clause(data, "CK01")["paragraphs"][0]["text"] += brace

    copy.edit(TEMPLATE, change)
    assert_names(copy.refused(), TEMPLATE, "CK01", "brace")


def test_stray_brace_in_an_item_is_refused(copy: CatalogCopy) -> None:
    def change(data: dict[str, Any]) -> None:
        clause(data, "CK09")["paragraphs"][3]["items"][0] = "多要素認証 {"

    copy.edit(TEMPLATE, change)
    assert_names(copy.refused(), TEMPLATE, "CK09", "brace")


def test_unknown_engagement_field_in_a_clause_condition_is_refused(copy: CatalogCopy) -> None:
    def change(data: dict[str, Any]) -> None:
        clause(data, "K08")["applies_if"] = "engagement.subcontractors > 0"

    copy.edit(TEMPLATE, change)
    assert_names(copy.refused(), TEMPLATE, "K08", "'subcontractors'")


def test_unknown_requirement_id_in_a_clause_is_refused(copy: CatalogCopy) -> None:
    def change(data: dict[str, Any]) -> None:
        clause(data, "K10")["requirements"] = ["OUT-INC-01", "OUT-NOPE-99"]

    copy.edit(TEMPLATE, change)
    assert_names(copy.refused(), TEMPLATE, "K10", "unknown requirement", "OUT-NOPE-99")


def test_unknown_variable_in_an_annex_is_refused(copy: CatalogCopy) -> None:
    annex = "contract_templates/personal-data-terms.yaml"
    copy.replace_text(annex, "{terms.log_retention_days}", "{terms.log_retention_dayz}")
    assert_names(copy.refused(), annex, "PK01", "unknown variable", "terms.log_retention_dayz")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"this is not a zip file", "cannot be opened"),
        (b"", "cannot be opened"),
        ("truncated", "cannot be opened"),
        ("plain", "paragraph style(s) missing"),
    ],
)
def test_a_damaged_base_docx_is_refused_naming_the_file(
    copy: CatalogCopy, content: bytes | str, problem: str
) -> None:
    path = copy.root / "contract_templates" / "base.docx"
    if content == "truncated":
        content = path.read_bytes()[:5000]
    elif content == "plain":
        from docx import Document

        Document().save(str(path))
        content = path.read_bytes()
    assert isinstance(content, bytes)
    path.write_bytes(content)
    error = copy.refused()
    assert_names(error, "contract_templates/base.docx", "not a usable base .docx", problem)


def test_a_missing_base_docx_is_refused(copy: CatalogCopy) -> None:
    (copy.root / "contract_templates" / "base.docx").unlink()
    assert_names(copy.refused(), TEMPLATE, "base_document", "no file contract_templates/base.docx")


def test_a_base_docx_outside_the_folder_is_refused(copy: CatalogCopy) -> None:
    def change(data: dict[str, Any]) -> None:
        data["base_document"] = "../forms/cloud-service.yaml"

    copy.edit(TEMPLATE, change)
    assert_names(copy.refused(), TEMPLATE, "base_document", "no file")


def test_an_unknown_annex_is_refused(copy: CatalogCopy) -> None:
    def change(data: dict[str, Any]) -> None:
        data["annexes"] = ["personal-data-terms", "no-such-annex"]

    copy.edit(TEMPLATE, change)
    assert_names(copy.refused(), TEMPLATE, "annexes", "no-such-annex")


def test_the_last_variant_must_be_the_unconditional_fallback(copy: CatalogCopy) -> None:
    def change(data: dict[str, Any]) -> None:
        clause(data, "K08")["variants"][-1]["applies_if"] = "!engagement.subcontracting"

    copy.edit(TEMPLATE, change)
    assert_names(copy.refused(), TEMPLATE, "K08", "fallback")


def test_a_variant_condition_on_an_unknown_question_is_refused(copy: CatalogCopy) -> None:
    def change(data: dict[str, Any]) -> None:
        clause(data, "K08")["variants"][0]["applies_if"] = "has(answers.subcontractorz)"

    copy.edit(TEMPLATE, change)
    assert_names(copy.refused(), TEMPLATE, "K08", "variant 'named'", "'subcontractorz'")


def test_an_unknown_review_field_is_refused(copy: CatalogCopy) -> None:
    def change(data: dict[str, Any]) -> None:
        clause(data, "K12")["applies_if"] = "size(review.verdicts) > 0"

    copy.edit(TEMPLATE, change)
    assert_names(copy.refused(), TEMPLATE, "K12", "unknown review field", "verdicts")


@pytest.mark.parametrize(
    ("where", "problem"),
    [("items_from", "not a list variable"), ("text", "is a list")],
)
def test_list_variables_only_as_items_from(copy: CatalogCopy, where: str, problem: str) -> None:
    def change(data: dict[str, Any]) -> None:
        paragraph = clause(data, "K08")["variants"][0]["paragraphs"][0]
        if where == "items_from":
            paragraph["items_from"] = "vendor.name"
        else:
            paragraph["text"] += "{vendor.subcontractors}"

    copy.edit(TEMPLATE, change)
    assert_names(copy.refused(), TEMPLATE, "K08", problem)


def test_clause_with_both_paragraphs_and_variants_is_refused(copy: CatalogCopy) -> None:
    def change(data: dict[str, Any]) -> None:
        clause(data, "K08")["paragraphs"] = [{"text": "本文"}]

    copy.edit(TEMPLATE, change)
    assert_names(copy.refused(), TEMPLATE, "K08", "either `paragraphs` or `variants`")


@pytest.mark.parametrize(
    ("name", "change", "problem"),
    [
        (TEMPLATE, lambda d: d.pop("parties"), "needs ['parties']"),
        (TEMPLATE, lambda d: d.update(engagement_kinds=["saas"]), "unknown engagement kind"),
        (
            "contract_templates/my-number-terms.yaml",
            lambda d: d.update(engagement_kinds=["cloud"]),
            "annex takes its layout from the terms",
        ),
    ],
)
def test_template_roles_are_checked(
    copy: CatalogCopy, name: str, change: Callable[[dict[str, Any]], None], problem: str
) -> None:
    copy.edit(name, change)
    assert_names(copy.refused(), name, problem)


def test_invalid_yaml_names_the_file_and_the_line(copy: CatalogCopy) -> None:
    text = (copy.root / POLICY).read_text(encoding="utf-8")
    line = text.splitlines().index("id: base") + 1
    copy.replace_text(POLICY, "\nid: base\n", "\nid: [base\n")
    error = copy.refused()
    assert_names(error, POLICY, "not valid YAML")
    # PyYAML reports where the flow sequence began or where it broke; either names a line.
    assert "line " in str(error)
    assert any(f"line {n}" in str(error) for n in range(line, line + 3)), str(error)


def test_a_file_that_is_not_a_mapping_is_refused(copy: CatalogCopy) -> None:
    (copy.root / FORM).write_text("- just\n- a list\n", encoding="utf-8")
    assert_names(copy.refused(), FORM, "mapping")


def test_requirement_without_check_names_the_requirement_and_the_key(copy: CatalogCopy) -> None:
    def change(data: dict[str, Any]) -> None:
        del requirement(data, "CLD2-BLD-01")["check"]

    copy.edit(POLICY, change)
    error = copy.refused()
    assert_names(error, POLICY, "CLD2-BLD-01", "check", "Field required")
    assert error.item == "requirements[CLD2-BLD-01].check"


def test_question_without_label_names_the_section_and_question(copy: CatalogCopy) -> None:
    def change(data: dict[str, Any]) -> None:
        del question(data, "admin_mfa")["label"]["en"]

    copy.edit(FORM, change)
    error = copy.refused()
    assert_names(error, FORM, "admin_mfa", "label.en", "Field required")
    assert error.item == "sections[F].questions[admin_mfa].label.en"


def test_unknown_key_is_refused(copy: CatalogCopy) -> None:
    def change(data: dict[str, Any]) -> None:
        clause(data, "K10")["titel"] = "typo"

    copy.edit(TEMPLATE, change)
    assert_names(copy.refused(), TEMPLATE, "K10", "titel", "Extra inputs are not permitted")


def test_two_files_with_the_same_id_and_version_are_refused(copy: CatalogCopy) -> None:
    shutil.copy(copy.root / POLICY, copy.root / "policies" / "base-copy.yaml")
    error = copy.refused()
    assert_names(error, "policies/base.yaml", "profile base v2", "also defined in")
    assert "policies/base-copy.yaml" in str(error)


def test_an_empty_folder_is_refused(copy: CatalogCopy) -> None:
    for path in (copy.root / "contract_templates").glob("*.yaml"):
        path.unlink()
    assert "need files" in str(copy.refused())


# --- the command line -----------------------------------------------------------------------------


def run_vetting(
    args: list[str], env: dict[str, str], timeout: float
) -> subprocess.CompletedProcess[str]:
    assert VETTING.exists(), f"{VETTING} is missing: install the project with `pip install -e .`"
    return subprocess.run(
        [str(VETTING), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def break_policy_check(copy: CatalogCopy) -> None:
    def change(data: dict[str, Any]) -> None:
        requirement(data, "CLD2-BLD-01")["check"] = "answers.nope == true"

    copy.edit(POLICY, change)


def test_catalog_check_passes_on_a_good_copy(copy: CatalogCopy) -> None:
    result = run_vetting(["catalog", "check"], copy.env(), timeout=60)
    assert result.returncode == 0, result.stderr
    counts = [len(list((copy.root / f).glob("*.yaml"))) for f in FOLDERS]
    expected = "ok: {} form(s), {} policy profile(s), {} contract template(s)".format(*counts)
    assert expected in result.stdout


def test_catalog_check_exits_1_and_names_the_file(copy: CatalogCopy) -> None:
    break_policy_check(copy)
    result = run_vetting(["catalog", "check"], copy.env(), timeout=60)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "policies/base.yaml" in result.stderr
    assert "CLD2-BLD-01" in result.stderr
    assert "nope" in result.stderr
    assert "ok:" not in result.stdout


def test_serve_refuses_to_start_on_a_broken_catalog(copy: CatalogCopy, tmp_path: Path) -> None:
    copy.replace_text(TEMPLATE, "{organization.data_location}", "{terms.data_locaton}")
    database = tmp_path / "serve.sqlite3"
    port = free_port()
    env = {
        **copy.env(),
        "VETTING_DATABASE_URL": f"sqlite://{database}",
        "VETTING_HOST": "127.0.0.1",
        "VETTING_PORT": str(port),
    }
    try:
        result = run_vetting(["serve", "--host", "127.0.0.1", "--port", str(port)], env, 60)
    except subprocess.TimeoutExpired:  # pragma: no cover - only when the bug is back
        pytest.fail("`vetting serve` kept running on a broken catalog")
    assert result.returncode != 0
    assert "refusing to start" in result.stderr
    assert "contract_templates/cloud-security-terms.yaml" in result.stderr
    assert "CK01" in result.stderr
    assert "terms.data_locaton" in result.stderr
    # Nothing happened before the refusal: no server line, no migration, no bootstrap token.
    assert "vetting service:" not in result.stdout
    assert "token" not in result.stdout
    assert not database.exists()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0
