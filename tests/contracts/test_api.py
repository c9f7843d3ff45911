"""Legal's side of the API, over HTTP against the real database: generate, regenerate, list,
download, compare; and the organization's contract settings."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
from collections.abc import Iterator
from email.message import Message
from email.utils import decode_rfc2231
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
import yaml
from docx import Document

from service.catalog.loader import current_catalog, install_catalog, load_catalog
from service.config import PROJECT_ROOT, Settings
from service.contracts.service import DOCX
from tests.factories import (
    CONTRACT_SETTINGS,
    Org,
    approve_through_the_chain,
    auth,
    evaluated_review,
    good_answers,
    new_org,
)


async def approved_review(
    client: httpx.AsyncClient,
    org: Org,
    conditions: list[str] | None = None,
    answers: dict[str, Any] | None = None,
    **engagement: Any,
) -> dict[str, Any]:
    review = await evaluated_review(client, org, answers, **engagement)
    return await approve_through_the_chain(client, org, review["id"], conditions)


async def generate(client: httpx.AsyncClient, org: Org, review_id: str) -> dict[str, Any]:
    response = await client.post(f"/api/reviews/{review_id}/contracts", headers=org.h("legal"))
    assert response.status_code == 201, response.text
    return dict(response.json())


async def download(client: httpx.AsyncClient, org: Org, contract_id: str) -> httpx.Response:
    response = await client.get(f"/api/contracts/{contract_id}/document", headers=org.h("legal"))
    assert response.status_code == 200, response.text
    return response


def paragraphs(content: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)


async def test_missing_settings_are_a_409_naming_each_and_nothing_is_stored(
    client: httpx.AsyncClient, operator_token: str
) -> None:
    org = await new_org(client, operator_token, contract_settings={})
    review = await approved_review(client, org)
    audit_before = (await client.get("/api/audit/verification", headers=org.h("auditor"))).json()

    refused = await client.post(f"/api/reviews/{review['id']}/contracts", headers=org.h("legal"))
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert set(body["fields"]) == {
        "organization.address",
        "organization.representative",
        "organization.security_policy_name",
        "organization.incident_contact",
    }
    assert "clause K10 of cloud-security-terms" in body["fields"]["organization.incident_contact"]
    assert (
        "PATCH /api/organizations/{id}/contract-settings"
        in body["fields"]["organization.incident_contact"]
    )
    assert "organization.security_policy_name (clause K01" in body["detail"]
    listing = await client.get(f"/api/reviews/{review['id']}/contracts", headers=org.h("legal"))
    assert listing.json() == []
    audit_after = (await client.get("/api/audit/verification", headers=org.h("auditor"))).json()
    assert audit_after["events"] == audit_before["events"]

    patched = await client.patch(
        f"/api/organizations/{org.id}/contract-settings",
        json=CONTRACT_SETTINGS,
        headers=org.h("admin"),
    )
    assert patched.status_code == 200, patched.text
    contract = await generate(client, org, review["id"])
    text = paragraphs((await download(client, org, contract["id"])).content)
    assert CONTRACT_SETTINGS["incident_contact"] in text
    assert CONTRACT_SETTINGS["security_policy_name"] in text


async def test_contract_settings_are_set_cleared_and_validated(
    client: httpx.AsyncClient, org: Org
) -> None:
    path = f"/api/organizations/{org.id}/contract-settings"
    current = (await client.get(path, headers=org.h("legal"))).json()
    assert current["incident_contact"] == CONTRACT_SETTINGS["incident_contact"]
    assert current["cure_days"] is None  # unset: the product default applies

    changed = await client.patch(
        path, json={"cure_days": 14, "data_location": "日本国内（東日本）"}, headers=org.h("admin")
    )
    assert changed.status_code == 200, changed.text
    settings = changed.json()
    assert settings["cure_days"] == 14
    assert settings["data_location"] == "日本国内（東日本）"
    assert settings["address"] == CONTRACT_SETTINGS["address"]  # untouched

    cleared = await client.patch(path, json={"cure_days": None}, headers=org.h("admin"))
    assert cleared.json()["cure_days"] is None
    assert cleared.json()["data_location"] == "日本国内（東日本）"

    for bad, field in [
        ({"cure_days": 0}, "cure_days"),
        ({"cure_days": "14"}, "cure_days"),
        ({"incident_contact": ""}, "incident_contact"),
        ({"nickname": "x"}, "nickname"),
    ]:
        refused = await client.patch(path, json=bad, headers=org.h("admin"))
        assert refused.status_code == 422, (bad, refused.text)
        assert field in refused.json()["fields"], refused.json()
    refused = await client.patch(path, json={"cure_days": 7}, headers=org.h("legal"))
    assert refused.status_code == 403, refused.text
    unchanged = (await client.get(path, headers=org.h("admin"))).json()
    assert unchanged == cleared.json()


async def test_the_organization_endpoints_point_contract_settings_to_their_own(
    client: httpx.AsyncClient, org: Org, operator_token: str
) -> None:
    for method, path, body in [
        ("PATCH", f"/api/organizations/{org.id}", {"contract_settings": {"cure_days": 14}}),
        (
            "POST",
            "/api/organizations",
            {"name": "移行市", "jurisdiction_court": "東京地方裁判所", "contract_settings": {}},
        ),
    ]:
        token = (
            org.h("admin") if method == "PATCH" else {"Authorization": f"Bearer {operator_token}"}
        )
        refused = await client.request(method, path, json=body, headers=token)
        assert refused.status_code == 422, refused.text
        reason = refused.json()["fields"]["contract_settings"]
        assert "PATCH /api/organizations/{id}/contract-settings" in reason
        assert "contract_settings" in refused.json()["error"] + refused.json()["detail"]
    assert (
        "contract_settings"
        not in (await client.get(f"/api/organizations/{org.id}", headers=org.h("admin"))).json()
    )
    still = await client.get(
        f"/api/organizations/{org.id}/contract-settings", headers=org.h("admin")
    )
    assert still.json()["cure_days"] is None

    # The operator sets another organization's, as it changes its other settings; another
    # organization's admin does not see it.
    by_operator = await client.patch(
        f"/api/organizations/{org.id}/contract-settings",
        json={"cure_days": 21},
        headers={"Authorization": f"Bearer {operator_token}"},
    )
    assert by_operator.status_code == 200 and by_operator.json()["cure_days"] == 21
    other = await new_org(client, operator_token)
    hidden = await client.get(
        f"/api/organizations/{org.id}/contract-settings", headers=other.h("admin")
    )
    assert hidden.status_code == 404, hidden.text


async def test_regenerate_keeps_every_version_and_the_diff_names_what_changed(
    client: httpx.AsyncClient, org: Org
) -> None:
    review = await approved_review(
        client, org, conditions=["契約開始前に従事者名簿を提出すること。"]
    )
    first = await generate(client, org, review["id"])
    assert first["version"] == 1
    assert first["conditions"] == ["契約開始前に従事者名簿を提出すること。"]
    assert first["values"]["organization.incident_contact"] == CONTRACT_SETTINGS["incident_contact"]
    assert first["values"]["vendor.subcontractors"][0].startswith("株式会社みなとデータセンター")
    assert [p["id"] for p in first["parts"]] == ["cloud-security-terms", "personal-data-terms"]
    variants = {c["id"]: c["variant"] for c in first["clauses"]}
    assert variants["K08"] == "named" and variants["CK05"] == "ismap"
    k10 = next(c for c in first["clauses"] if c["id"] == "K10")
    # Base v2: periodic reports, first and full incident reports, the CSIRT and breach reports.
    assert k10["mandated_by"] == [
        "OUT-MON-01-REPORT",
        "OUT-INC-01",
        "OUT-INC-01-DETAIL",
        "CLD2-SEL-05-CSIRT",
        "PII-02",
    ]
    assert first["mandated_not_carried"] == {}

    # Nothing changed: the same bytes again, as a new version.
    same = await generate(client, org, review["id"])
    assert same["version"] == 2 and same["sha256"] == first["sha256"]

    patched = await client.patch(
        f"/api/organizations/{org.id}/contract-settings",
        json={"incident_contact": "危機管理課（電話 0966-00-0000）", "cure_days": 14},
        headers=org.h("admin"),
    )
    assert patched.status_code == 200
    third = await generate(client, org, review["id"])
    assert third["version"] == 3 and third["sha256"] != first["sha256"]

    listing = await client.get(f"/api/reviews/{review['id']}/contracts", headers=org.h("auditor"))
    assert [c["version"] for c in listing.json()] == [1, 2, 3]
    # Older versions are kept byte for byte, each with its SHA-256.
    for stored in listing.json():
        content = (await download(client, org, stored["id"])).content
        assert hashlib.sha256(content).hexdigest() == stored["sha256"]
    old_text = paragraphs((await download(client, org, first["id"])).content)
    assert CONTRACT_SETTINGS["incident_contact"] in old_text
    assert "危機管理課" in paragraphs((await download(client, org, third["id"])).content)

    diff = await client.get(
        f"/api/contracts/{third['id']}/diff/{first['id']}", headers=org.h("legal")
    )
    assert diff.status_code == 200, diff.text
    changes = diff.json()
    assert changes["base"]["version"] == 1 and changes["contract"]["version"] == 3
    assert changes["same_document"] is False
    assert changes["values_changed"] == [
        {
            "name": "organization.incident_contact",
            "old": CONTRACT_SETTINGS["incident_contact"],
            "new": "危機管理課（電話 0966-00-0000）",
        },
        {"name": "terms.cure_days", "old": "30", "new": "14"},
    ]
    assert changes["clauses_added"] == changes["clauses_removed"] == []
    assert changes["clauses_changed"] == []

    same_diff = await client.get(
        f"/api/contracts/{same['id']}/diff/{first['id']}", headers=org.h("auditor")
    )
    assert same_diff.json()["same_document"] is True
    assert same_diff.json()["values_changed"] == []

    one = await client.get(f"/api/contracts/{first['id']}", headers=org.h("auditor"))
    assert one.status_code == 200 and one.json() == listing.json()[0]


async def test_download_has_the_docx_type_and_a_japanese_rfc5987_file_name(
    client: httpx.AsyncClient, org: Org
) -> None:
    review = await approved_review(client, org)
    contract = await generate(client, org, review["id"])
    engagement = await client.get(
        f"/api/engagements/{review['engagement_id']}", headers=org.h("legal")
    )
    number = engagement.json()["number"]
    response = await download(client, org, contract["id"])
    assert response.headers["content-type"] == DOCX
    header = response.headers["content-disposition"]
    assert header.startswith("attachment;")
    assert "filename*=UTF-8''" in header
    assert header.isascii()
    parsed = Message()
    parsed["content-disposition"] = header
    # RFC 5987: filename*=charset'language'percent-encoded; clients that know it use it.
    extended = re.search(r"filename\*=([^;\s]+)", header)
    assert extended, header
    charset, language, encoded = decode_rfc2231(extended.group(1))
    assert (charset, language) == ("UTF-8", "")
    assert encoded.isascii() and "/" not in encoded
    expected = f"クラウドサービス利用に係る情報セキュリティ特記事項_{number}_v1.docx"
    assert unquote(encoded, encoding=charset) == expected
    assert parsed.get_filename() == f"contract_{number}_v1.docx"  # the fallback
    assert hashlib.sha256(response.content).hexdigest() == contract["sha256"]


async def test_only_legal_generates_and_other_organizations_see_nothing(
    client: httpx.AsyncClient, org: Org, operator_token: str
) -> None:
    review = await approved_review(client, org)
    forbidden = await client.post(
        f"/api/reviews/{review['id']}/contracts", headers=org.h("procurement")
    )
    assert forbidden.status_code == 403
    contract = await generate(client, org, review["id"])
    other = await new_org(client, operator_token)
    for path in (
        f"/api/contracts/{contract['id']}",
        f"/api/contracts/{contract['id']}/document",
        f"/api/contracts/{contract['id']}/diff/{contract['id']}",
    ):
        response = await client.get(path, headers=other.h("legal"))
        assert response.status_code == 404, path
    # The base of a comparison must be the caller's too.
    theirs = await generate(client, other, (await approved_review(client, other))["id"])
    mixed = await client.get(
        f"/api/contracts/{contract['id']}/diff/{theirs['id']}", headers=org.h("legal")
    )
    assert mixed.status_code == 404


# --- a changed clause library, and outsourcing with a fixture questionnaire ---------------------


@pytest.fixture
def catalog_copy(tmp_path: Path) -> Iterator[Path]:
    """A copy of forms/, policies/, contract_templates/ that a test may change and install;
    the shipped catalog is put back afterwards."""
    root = tmp_path / "catalog"
    for folder in ("forms", "policies", "contract_templates"):
        shutil.copytree(PROJECT_ROOT / folder, root / folder)
    shipped = current_catalog()
    try:
        yield root
    finally:
        install_catalog(shipped)


def install_copy(root: Path) -> None:
    install_catalog(
        load_catalog(
            Settings(
                forms_dir=root / "forms",
                policies_dir=root / "policies",
                contract_templates_dir=root / "contract_templates",
            )
        )
    )


def edit_yaml(path: Path, change: Any) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


async def test_a_new_template_version_shows_as_clause_changes(
    client: httpx.AsyncClient, org: Org, catalog_copy: Path
) -> None:
    review = await approved_review(client, org)
    before = await generate(client, org, review["id"])

    def change(data: dict[str, Any]) -> None:
        data["version"] += 1
        k07 = next(c for c in data["clauses"] if c["id"] == "K07")
        k07["version"] = 2
        k07["paragraphs"].append(
            {"text": "乙は、秘密の漏えいを防ぐための措置を記録しなければならない。"}
        )
        data["clauses"] = [c for c in data["clauses"] if c["id"] != "GN02"]

    edit_yaml(catalog_copy / "contract_templates" / "cloud-security-terms.yaml", change)
    install_copy(catalog_copy)
    after = await generate(client, org, review["id"])
    assert after["template_version"] == before["template_version"] + 1

    diff = await client.get(
        f"/api/contracts/{after['id']}/diff/{before['id']}", headers=org.h("legal")
    )
    changes = diff.json()
    assert [(c["id"], c["from_version"], c["to_version"]) for c in changes["clauses_changed"]] == [
        ("K07", 1, 2)
    ]
    assert [c["id"] for c in changes["clauses_removed"]] == ["GN02"]
    assert changes["parts_changed"] == [
        {
            "id": "cloud-security-terms",
            "from_version": before["template_version"],
            "to_version": after["template_version"],
        }
    ]
    text = paragraphs((await download(client, org, after["id"])).content)
    assert "乙は、秘密の漏えいを防ぐための措置を記録しなければならない。" in text
    assert "（協議）" not in text


def outsourcing_answers(**changes: Any) -> dict[str, Any]:
    path = PROJECT_ROOT / "docs" / "examples" / "outsourcing-answers.json"
    answers = dict(json.loads(path.read_text(encoding="utf-8"))["answers"])
    return {**answers, **changes}


async def test_outsourcing_with_my_number_over_http(client: httpx.AsyncClient, org: Org) -> None:
    rows = [{"name": "株式会社ひまわりパンチ", "country": "jp", "role": "データ入力"}]
    answers = outsourcing_answers(
        subcontracting_planned=True,
        subcontractor_flowdown=True,
        subcontractor_approval=True,
        subcontractors=rows,
        my_number_handled=True,
        my_number_controls="取扱担当者を3名に限定し、管理区域内の専用端末でのみ取り扱います。",
    )
    review = await evaluated_review(
        client,
        org,
        answers=answers,
        kind="outsourcing",
        service_name="住民税賦課業務の電算処理",
        confidentiality=3,
        availability=2,
        personal_data=True,
        my_number=True,
        network_segment="my_number",
        subcontracting=True,
    )
    assert (review["form_id"], review["form_version"]) == ("outsourcing", 2)
    await approve_through_the_chain(client, org, review["id"])

    contract = await generate(client, org, review["id"])
    assert contract["title"] == "情報セキュリティに関する特記事項"
    assert [p["id"] for p in contract["parts"]] == [
        "information-security-terms",
        "personal-data-terms",
        "my-number-terms",
    ]
    clauses = {c["id"]: c for c in contract["clauses"]}
    assert clauses["K08"]["variant"] == "named"
    # The vendor declared remote access and named its work sites (outsourcing form version 2).
    assert clauses["K02"]["variant"] == "remote_declared_sites"
    assert clauses["K03"]["variant"] == "declared"  # 可用性2: the contractor's RTO/RPO are bound
    assert contract["values"]["terms.incident_first_report_hours"] == "1"
    # CK04 (deletion certificate) is worded by K09 here: K09 carries the mandate …
    assert clauses["K09"]["carries"] == ["CK04"]
    assert "OUT-END-01" in clauses["K09"]["mandated_by"]
    # … while CK03 (service end and migration) has no outsourcing wording: legal is told.
    assert contract["mandated_not_carried"] == {"CK03": ["OUT-END-01"]}
    # The PK02 deadlines are a (verify) item of the reference: flagged for legal, not printed.
    flagged = [(item["part"], item["clause"]) for item in contract["legal_review"]]
    assert ("personal-data-terms", "PK02") in flagged
    text = paragraphs((await download(client, org, contract["id"])).content)
    assert "(1)\u3000株式会社ひまわりパンチ（所在国：日本）\u3000データ入力" in text
    assert "本業務に係る乙の責任者は自治体サービス部 課長 井上 真理とし" in text
    assert "(1)\u3000甲の庁舎その他甲が指定する施設" in text
    assert "(2)\u3000乙又は再委託先の事業所" in text
    assert (
        "株式会社ひかり情報システム 本社（所在地：熊本県熊本市中央区水前寺一丁目5番10号）" in text
    )
    assert "発生した時から8時間以内に第1項の情報システムを復旧させなければならない" in text
    assert "特定個人情報の取扱いに関する特記事項" in text
    assert "個人情報取扱特記事項" in text
    assert "verify" not in text and "要確認" not in text
    _ = auth


async def test_legal_names_the_responsibility_matrix_and_later_versions_keep_it(
    client: httpx.AsyncClient, org: Org
) -> None:
    answers = {k: v for k, v in good_answers().items() if k != "responsibility_matrix"}
    review = await approved_review(client, org, answers=answers)
    first = await generate(client, org, review["id"])
    ck08 = next(c for c in first["clauses"] if c["id"] == "CK08")
    assert ck08["variant"] == "to_be_approved"
    flagged = [(i["clause"], i["note"]) for i in first["legal_review"]]
    assert [clause for clause, _ in flagged] == ["CK08", "PK02"]  # document order
    assert "responsibility_matrix" in flagged[0][1]

    path = f"/api/reviews/{review['id']}/contracts"
    named = await client.post(
        path, params={"responsibility_matrix": "SKR-RM-001 第2版"}, headers=org.h("legal")
    )
    assert named.status_code == 201, named.text
    second = named.json()
    assert second["values"]["contract.responsibility_matrix"] == "SKR-RM-001 第2版"
    assert next(c for c in second["clauses"] if c["id"] == "CK08")["variant"] == "identified"
    assert [i["clause"] for i in second["legal_review"]] == ["PK02"]
    text = paragraphs((await download(client, org, second["id"])).content)
    assert "甲乙が確認した責任分界表（SKR-RM-001 第2版）による。" in text

    kept = await generate(client, org, review["id"])  # not given again: the previous one
    assert kept["values"]["contract.responsibility_matrix"] == "SKR-RM-001 第2版"
    assert kept["sha256"] == second["sha256"]
    cleared = await client.post(path, params={"responsibility_matrix": ""}, headers=org.h("legal"))
    assert "contract.responsibility_matrix" not in cleared.json()["values"]
    too_long = await client.post(
        path, params={"responsibility_matrix": "x" * 301}, headers=org.h("legal")
    )
    assert too_long.status_code == 422
    assert "query.responsibility_matrix" in too_long.json()["fields"]

    diff = await client.get(
        f"/api/contracts/{second['id']}/diff/{first['id']}", headers=org.h("legal")
    )
    changes = diff.json()
    assert changes["clauses_changed"] == [
        {
            "part": "cloud-security-terms",
            "id": "CK08",
            "title": "責任分界",
            "from_version": 3,
            "to_version": 3,
            "from_variant": "to_be_approved",
            "to_variant": "identified",
        }
    ]
    assert {"name": "contract.responsibility_matrix", "old": None, "new": "SKR-RM-001 第2版"} in (
        changes["values_changed"]
    )


def tos_answers(**changes: Any) -> dict[str, Any]:
    path = PROJECT_ROOT / "docs" / "examples" / "tos-cloud-answers.json"
    return {**json.loads(path.read_text(encoding="utf-8"))["answers"], **changes}


TOS_ENGAGEMENT: dict[str, Any] = {
    "kind": "tos_cloud",
    "service_name": "オンライン会議サービス",
    "confidentiality": 1,
    "integrity": 1,
    "availability": 1,
    "network_segment": "internet",
    "subcontracting": False,
}


async def test_tos_cloud_with_personal_data_over_http_carries_the_annex(
    client: httpx.AsyncClient, org: Org
) -> None:
    review = await approved_review(
        client, org, answers=tos_answers(personal_data_entered=True), personal_data=True,
        my_number=False, **TOS_ENGAGEMENT,
    )  # fmt: skip
    contract = await generate(client, org, review["id"])
    assert [p["id"] for p in contract["parts"]] == ["tos-cloud-terms", "tos-personal-data-terms"]
    pk02 = next(c for c in contract["clauses"] if c["id"] == "PK02")
    # PK02 comes with the annex, which the personal data brings; on the ToS route no applicable
    # requirement of the profile mandates it (PII-02 reads incident hours the ToS form lacks).
    verdicts = (
        await client.get(f"/api/reviews/{review['id']}/verdicts", headers=org.h("security"))
    ).json()
    profile = current_catalog().latest_profile("base")
    assert profile is not None
    mandating = sorted(
        v["requirement_id"]
        for v in verdicts
        if v["outcome"] != "not_applicable"
        and "PK02" in profile.requirement(v["requirement_id"]).clauses  # type: ignore[union-attr]
    )
    assert pk02["part"] == "tos-personal-data-terms" and pk02["mandated_by"] == mandating
    assert "PK02" not in contract["mandated_not_carried"]
    assert {i["clause"] for i in contract["legal_review"]} == {"PK02", "TP04"}
    text = paragraphs((await download(client, org, contract["id"])).content)
    assert "個人情報の取扱いに関する確認事項" in text


async def test_the_providers_matrix_is_printed_and_legals_wins_when_given(
    client: httpx.AsyncClient, org: Org
) -> None:
    review = await approved_review(client, org)  # the example answers name the matrix
    first = await generate(client, org, review["id"])
    matrix = good_answers()["responsibility_matrix"]
    assert first["values"]["contract.responsibility_matrix"] == matrix
    assert next(c for c in first["clauses"] if c["id"] == "CK08")["variant"] == "identified"
    assert f"甲乙が確認した責任分界表（{matrix}）による。" in paragraphs(
        (await download(client, org, first["id"])).content
    )
    path = f"/api/reviews/{review['id']}/contracts"
    named = await client.post(
        path, params={"responsibility_matrix": "人吉市 RM-2027-01"}, headers=org.h("legal")
    )
    assert named.status_code == 201, named.text
    assert named.json()["values"]["contract.responsibility_matrix"] == "人吉市 RM-2027-01"
    text = paragraphs((await download(client, org, named.json()["id"])).content)
    assert "責任分界表（人吉市 RM-2027-01）による。" in text and matrix not in text
