"""`vetting forms check`: each broken fixture is refused with its file, question and problem."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from service.catalog.loader import load_catalog, load_forms
from service.config import PROJECT_ROOT
from service.errors import CatalogError

HERE = Path(__file__).resolve().parent
BROKEN = HERE / "broken_forms"
VETTING = Path(sys.executable).parent / "vetting"


def forms_check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VETTING), "forms", "check", *args],
        env={**os.environ, "VETTING_FORMS_DIR": str(PROJECT_ROOT / "forms")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


CASES = [
    ("unknown-reference.yaml", "expiry", "visible_if: unknown question 'certifed'"),
    ("forward-reference.yaml", "expiry", "refers to question(s) ['scope'] asked later"),
    ("cycle.yaml", "expiry", "required: refers to itself (a cycle)"),
    ("duplicate-id.yaml", "certified", "duplicate id"),
    ("bad-type.yaml", "scope", "type: Input should be 'yes_no', 'single_choice'"),
    ("choices-missing.yaml", "country", "single_choice needs choices"),
    ("choices-duplicate.yaml", "country", "duplicate choice value(s) ['jp']"),
    ("choices-on-text.yaml", "scope", "only choice questions take choices"),
]


def test_every_broken_fixture_has_a_case() -> None:
    names = {case[0] for case in CASES} | {"bad-kind.yaml"}
    assert names == {p.name for p in BROKEN.glob("*.yaml")}


@pytest.mark.parametrize(("name", "question_id", "problem"), CASES)
def test_loader_names_file_question_and_problem(name: str, question_id: str, problem: str) -> None:
    with pytest.raises(CatalogError) as caught:
        load_forms([BROKEN / name], HERE)
    error = caught.value
    assert error.file == f"broken_forms/{name}"
    assert error.item is not None
    assert f"questions[{question_id}]" in error.item
    assert problem in str(error)


@pytest.mark.parametrize(("name", "question_id", "problem"), CASES)
def test_forms_check_exits_1_naming_file_question_and_problem(
    name: str, question_id: str, problem: str
) -> None:
    result = forms_check(str(BROKEN / name))
    assert result.returncode == 1, result.stdout
    assert name in result.stderr
    assert f"questions[{question_id}]" in result.stderr
    assert problem in result.stderr
    assert "ok:" not in result.stdout


def test_an_unknown_engagement_kind_is_refused() -> None:
    result = forms_check(str(BROKEN / "bad-kind.yaml"))
    assert result.returncode == 1
    assert "bad-kind.yaml" in result.stderr
    assert "unknown kind(s) ['cloud_service']" in result.stderr


def test_a_valid_form_passes() -> None:
    result = forms_check(str(HERE / "valid_form.yaml"))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok: broken v1: 2 question(s)\n"


def test_the_shipped_forms_pass() -> None:
    result = forms_check()
    assert result.returncode == 0, result.stderr
    catalog = load_catalog()
    counts = {key: len(form.questions) for key, form in catalog.forms.items()}
    assert result.stdout.splitlines() == [
        f"ok: {form_id} v{version}: {count} question(s)"
        for (form_id, version), count in sorted(counts.items())
    ]
    assert sorted(counts) == [
        ("cloud-service", 1),
        ("cloud-service", 2),
        ("outsourcing", 1),
        ("outsourcing", 2),
        ("tos-cloud", 1),
    ]
    assert counts[("cloud-service", 1)] >= 60


def test_a_folder_of_forms_stops_at_the_first_broken_one() -> None:
    result = forms_check(str(BROKEN))
    assert result.returncode == 1
    assert "broken_forms/bad-kind.yaml" in result.stderr or "bad-kind.yaml" in result.stderr


def test_a_missing_path_is_an_error() -> None:
    result = forms_check("/nonexistent/forms")
    assert result.returncode == 1
    assert "no such file or folder" in result.stderr
