"""Loader errors for profiles that extend another: each names the file and the problem."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from service.catalog.loader import load_catalog
from service.config import PROJECT_ROOT, Settings
from service.errors import CatalogError

CHILD = """
id: child
version: 1
title: {{ja: 子, en: Child}}
extends: {{id: base, version: {base_version}}}
{body}
"""


def catalog_with(tmp_path: Path, child_body: str, base_version: int = 1) -> Settings:
    for folder in ("forms", "policies", "contract_templates"):
        shutil.copytree(PROJECT_ROOT / folder, tmp_path / folder)
    (tmp_path / "policies" / "child.yaml").write_text(
        CHILD.format(body=child_body, base_version=base_version), encoding="utf-8"
    )
    return Settings(
        forms_dir=tmp_path / "forms",
        policies_dir=tmp_path / "policies",
        contract_templates_dir=tmp_path / "contract_templates",
    )


@pytest.mark.parametrize(
    ("body", "base_version", "problem"),
    [
        ("remove: [NOPE-01]", 1, "remove: 'NOPE-01' is not in base v1"),
        ("overrides: [{id: NOPE-02, severity: must}]", 1, "overrides: 'NOPE-02' is not in base"),
        ("overrides: [{id: SEG-03, severity: sometimes}]", 1, "overrides: 'SEG-03' severity"),
        ("remove: []", 9, "no profile base v9"),
    ],
)
def test_broken_child_profiles_are_refused(
    tmp_path: Path, body: str, base_version: int, problem: str
) -> None:
    settings = catalog_with(tmp_path, body, base_version)
    with pytest.raises(CatalogError) as caught:
        load_catalog(settings)
    assert "policies/child.yaml" in str(caught.value)
    assert problem in str(caught.value)


def test_an_added_requirement_may_not_shadow_a_base_one(tmp_path: Path) -> None:
    body = """requirements:
  - id: SEG-03
    title: {ja: 重複, en: Duplicate}
    sources: [{document: GL, section: "8.3"}]
    check: "true"
    severity: must
    on_fail: reject
    fail_reason: {ja: x, en: x}
    remediation: {ja: x, en: x}"""
    with pytest.raises(CatalogError, match="'SEG-03' is already in base; use overrides"):
        load_catalog(catalog_with(tmp_path, body))


def test_an_override_is_compiled_against_the_questions(tmp_path: Path) -> None:
    body = 'overrides: [{id: SEG-03, check: "answers.no_such_question == 1"}]'
    with pytest.raises(CatalogError) as caught:
        load_catalog(catalog_with(tmp_path, body))
    assert "child.yaml: SEG-03" in str(caught.value)
    assert "no_such_question" in str(caught.value)


def test_profiles_extending_each_other_in_a_cycle_are_refused(tmp_path: Path) -> None:
    settings = catalog_with(tmp_path, "remove: []")
    (tmp_path / "policies" / "loop.yaml").write_text(
        "id: loop\nversion: 1\ntitle: {ja: 輪, en: Loop}\nextends: {id: loop2, version: 1}\n",
        encoding="utf-8",
    )
    (tmp_path / "policies" / "loop2.yaml").write_text(
        "id: loop2\nversion: 1\ntitle: {ja: 輪, en: Loop}\nextends: {id: loop, version: 1}\n",
        encoding="utf-8",
    )
    with pytest.raises(CatalogError, match="cycle"):
        load_catalog(settings)


def test_an_override_changes_only_the_fields_it_names(tmp_path: Path) -> None:
    settings = catalog_with(tmp_path, "overrides: [{id: SEG-03, severity: must}]")
    catalog = load_catalog(settings)
    child = catalog.profile("child", 1).requirement("SEG-03")
    base = catalog.profile("base", 1).requirement("SEG-03")
    assert child is not None and base is not None
    assert (child.severity, base.severity) == ("must", "should")
    assert child.check == base.check and child.sources == base.sources
