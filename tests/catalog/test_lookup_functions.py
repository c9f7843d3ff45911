"""The loader knows the registry look-ups checks may call, and refuses every other function."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.catalog.test_loader import CatalogCopy, assert_names, requirement

POLICY = "policies/base.yaml"


@pytest.fixture
def copy(tmp_path: Path) -> CatalogCopy:
    return CatalogCopy(tmp_path / "catalog")


def test_the_shipped_ismap_check_loads(copy: CatalogCopy) -> None:
    catalog = copy.settings()
    from service.catalog.loader import load_catalog

    base = load_catalog(catalog).latest_profile("base")
    assert base is not None
    sel14 = base.requirement("CLD2-SEL-14")
    assert sel14 is not None and sel14.check_expr.lookups == {"ismap"}


@pytest.mark.parametrize(
    ("field", "expression", "problem"),
    [
        ("check", "lookup_vendor(answers.legal_name)", "unknown function 'lookup_vendor'"),
        ("check", "ismap(answers.ismap_registration, 1).valid", "takes 1 argument(s), not 2"),
        ("applies_if", "ismap('C21-0008').valid", "may only be used in a requirement's check"),
    ],
    ids=["unknown", "arity", "applies-if"],
)
def test_a_function_the_engine_does_not_have_is_refused(
    copy: CatalogCopy, field: str, expression: str, problem: str
) -> None:
    def change(data: dict[str, Any]) -> None:
        requirement(data, "CLD2-SEL-14")[field] = expression

    copy.edit(POLICY, change)
    assert_names(copy.refused(), POLICY, "CLD2-SEL-14", problem)
