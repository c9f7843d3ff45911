"""`POST /api/catalog/reload`: a broken file keeps the last good catalog, a good set installs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from service.audit.models import AuditEvent
from service.catalog.loader import current_catalog, install_catalog
from service.config import get_settings
from tests.checks.catalogs import ADDED, NEW, CatalogFolders
from tests.factories import Org, auth, evaluated_review, weak_answers

URL = "/api/catalog/reload"


@pytest.fixture
def folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CatalogFolders]:
    """The running service reads its data folders from a copy; the shipped catalog afterwards."""
    folders = CatalogFolders(tmp_path / "catalog")
    settings = get_settings()
    for name, value in folders.settings().model_dump().items():
        if name.endswith("_dir") and name != "evidence_dir":
            monkeypatch.setattr(settings, name, value)
    shipped = current_catalog()
    yield folders
    install_catalog(shipped)


async def test_a_broken_file_keeps_the_current_catalog_and_names_the_problem(
    client: httpx.AsyncClient, operator_token: str, folders: CatalogFolders
) -> None:
    before = current_catalog()
    policy = folders.root / "policies/base.yaml"
    text = policy.read_text("utf-8")
    policy.write_text(
        text.replace('check: "answers.admin_mfa == true"', 'check: "answers.admin_mfa =="')
    )
    response = await client.post(URL, json={}, headers=auth(operator_token))
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["fields"] == {
        "file": "policies/base.yaml",
        "item": "CLD2-BLD-01",
        "problem": body["fields"]["problem"],
    }
    assert body["fields"]["problem"].startswith("CEL syntax error")
    assert "現在の定義を使い続けます" in body["detail"]
    assert current_catalog() is before  # nothing half-installed
    refused = await AuditEvent.filter(action="catalog.reload_refused").order_by("-at").first()
    assert refused is not None and refused.data["problem"]["item"] == "CLD2-BLD-01"


async def test_only_the_operator_admin_may_reload(
    client: httpx.AsyncClient, org: Org, folders: CatalogFolders
) -> None:
    for role in ("admin", "security"):
        response = await client.post(URL, json={}, headers=org.h(role))
        assert response.status_code == 403, (role, response.text)


async def test_a_good_set_installs_reports_new_versions_and_can_reevaluate(
    client: httpx.AsyncClient, org: Org, operator_token: str, folders: CatalogFolders
) -> None:
    review = await evaluated_review(client, org, answers=weak_answers())
    unchanged = await client.post(URL, json={}, headers=auth(operator_token))
    assert unchanged.status_code == 200, unchanged.text
    assert unchanged.json()["newer_profiles"] == {}
    assert unchanged.json()["reevaluation"] is None

    folders.add_base_update()
    response = await client.post(URL, json={"reevaluate": True}, headers=auth(operator_token))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["added"]["profiles"] == [f"base@{NEW}"]
    assert body["newer_profiles"] == {"base": NEW}
    assert current_catalog().latest_profile("base").version == NEW  # type: ignore[union-attr]
    reevaluation = body["reevaluation"]
    assert reevaluation["profiles"] == {"base": NEW}
    assert review["id"] in {r["review_id"] for r in reevaluation["reviews"]}
    verdicts = await client.get(f"/api/reviews/{review['id']}/verdicts", headers=org.h("security"))
    assert ADDED in {v["requirement_id"] for v in verdicts.json()}
