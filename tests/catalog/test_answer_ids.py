"""The answers code reads are declared (service/catalog/answer_ids.py) and checked at load."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from service.catalog import answer_ids
from service.catalog.loader import load_catalog
from service.config import get_settings
from service.errors import CatalogError

ROOT = Path(__file__).resolve().parents[2]


def test_the_shipped_latest_forms_ask_what_code_reads() -> None:
    catalog = load_catalog()
    for kind, needed in answer_ids.READ_BY_KIND.items():
        form = catalog.latest_form_for_kind(kind)
        assert form is not None
        assert needed <= {q.id for q in form.questions}, kind


def test_a_latest_form_without_an_answer_code_reads_is_refused(tmp_path: Path) -> None:
    for folder in ("forms", "policies", "contract_templates"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    form = tmp_path / "forms" / "cloud-service.yaml"
    text = form.read_text(encoding="utf-8")
    assert "id: rto_hours\n" in text
    form.write_text(text.replace("id: rto_hours\n", "id: rto_hours_typo\n"), encoding="utf-8")
    settings = get_settings().model_copy(
        update={
            "forms_dir": tmp_path / "forms",
            "policies_dir": tmp_path / "policies",
            "contract_templates_dir": tmp_path / "contract_templates",
        }
    )
    with pytest.raises(CatalogError) as refused:
        load_catalog(settings)
    assert refused.value.file.endswith("cloud-service.yaml")
    assert refused.value.item == "rto_hours"
