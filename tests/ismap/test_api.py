"""Importing the list (upload and URL), snapshots, the status look-up, roles and the audit."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from service.accounts.models import Organization
from service.accounts.principal import Principal
from service.accounts.tokens import authenticate
from service.audit.models import AuditEvent
from service.errors import PayloadTooLarge, ValidationFailed
from service.ismap import fetch, service
from tests.factories import Org, auth
from tests.ismap.fixtures import LIST_A_XLSX, LIST_B_XLSX, unique_csv, unique_xlsx
from tests.ismap.http_server import Reply, serve

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(content: bytes, filename: str = "ismap.csv", **extra: Any) -> dict[str, Any]:
    return {
        "filename": filename,
        "content_base64": base64.b64encode(content).decode(),
        **extra,
    }


async def import_ok(client: httpx.AsyncClient, token: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/api/ismap/imports", json=body, headers=auth(token))
    assert response.status_code == 200, response.text
    return dict(response.json())


async def operator(token: str) -> Principal:
    return await authenticate(f"Bearer {token}")


async def test_upload_makes_a_snapshot_and_the_same_bytes_again_do_not(
    client: httpx.AsyncClient, operator_token: str
) -> None:
    content = unique_csv()
    first = await import_ok(client, operator_token, upload(content, "ismap_2025-04.csv"))
    assert first["duplicate"] is False
    snapshot = first["snapshot"]
    assert snapshot["row_count"] == 15
    assert snapshot["source"] == "ismap_2025-04.csv"
    assert snapshot["size_bytes"] == len(content)
    assert snapshot["is_latest"] is True
    assert snapshot["problem_count"] == 0
    assert snapshot["layouts"][0]["columns"]["registration_number"] == "登録No."

    listed = (await client.get("/api/ismap/snapshots", headers=auth(operator_token))).json()
    again = await import_ok(client, operator_token, upload(content, "renamed-copy.csv"))
    assert again["duplicate"] is True
    assert again["snapshot"]["id"] == snapshot["id"]
    assert again["snapshot"]["source"] == "ismap_2025-04.csv"  # the first import's record
    assert again["snapshot"]["changes"] == []
    assert "取込済み" in again["message"]["ja"] and snapshot["id"] in again["message"]["en"]
    after = (await client.get("/api/ismap/snapshots", headers=auth(operator_token))).json()
    assert len(after) == len(listed)

    # One audit event, in the operator organization's chain, and the chain still holds.
    events = await AuditEvent.filter(
        action="ismap.snapshot_imported", object_id=snapshot["id"]
    ).all()
    assert len(events) == 1
    operator_org = await Organization.get(is_operator=True)
    assert str(events[0].organization_id) == str(operator_org.id)
    assert events[0].data["sha256"] == snapshot["sha256"]
    assert events[0].data["row_count"] == 15
    chain = await client.get("/api/audit/verification", headers=auth(operator_token))
    assert chain.json()["ok"] is True


async def test_a_newer_list_reports_its_changes(
    client: httpx.AsyncClient, operator_token: str, org: Org
) -> None:
    april = await import_ok(
        client, operator_token, upload(unique_xlsx(LIST_A_XLSX), "ismap_2025-04.xlsx")
    )
    october = await import_ok(
        client,
        operator_token,
        upload(unique_xlsx(LIST_B_XLSX), "ismap_2025-10.xlsx", expiring_within_days=30),
    )
    snapshot = october["snapshot"]
    assert snapshot["previous_snapshot_id"] == april["snapshot"]["id"]
    assert snapshot["published_on"] == "2025-10-01"
    by_kind: dict[str, list[str]] = {}
    for change in snapshot["changes"]:
        by_kind.setdefault(change["kind"], []).append(change["registration_number"])
    assert by_kind["added"] == ["C25-0140-1"]
    assert by_kind["removed"] == ["C22-0052-1"]
    assert by_kind["renewed"] == ["C21-0008-3"]
    assert by_kind["renamed"] == ["C23-0067-1"]
    assert "C23-0088-1" in by_kind["expired"]
    assert snapshot["change_counts"]["added"] == 1

    # Public reference data: any organization's user reads the operator's import.
    detail = await client.get(f"/api/ismap/snapshots/{snapshot['id']}", headers=org.h("auditor"))
    assert detail.status_code == 200
    assert detail.json()["changes"] == snapshot["changes"]
    renewed = next(c for c in detail.json()["changes"] if c["kind"] == "renewed")
    assert renewed["previous_number"] == "C21-0008-2"
    assert renewed["previous_expires_on"] == "2025-08-01"

    listing = (await client.get("/api/ismap/snapshots", headers=auth(operator_token))).json()
    assert listing[0]["id"] == snapshot["id"] and listing[0]["is_latest"] is True
    assert [s["is_latest"] for s in listing].count(True) == 1

    index = await service.current_index()
    assert index is not None and index.snapshot.id == snapshot["id"]
    assert await service.current_index() is index  # loaded once while it stays the latest


async def test_status_of_a_number_for_any_role(
    client: httpx.AsyncClient, operator_token: str, org: Org
) -> None:
    imported = await import_ok(client, operator_token, upload(unique_xlsx(LIST_B_XLSX)))
    snapshot_id = imported["snapshot"]["id"]

    for role in ("procurement", "security", "auditor", "legal"):
        response = await client.get(
            "/api/ismap/status",
            params={"number": "C21-0008-2", "on": "2025-10-10"},
            headers=org.h(role),
        )
        assert response.status_code == 200, response.text
    renewed = response.json()
    assert renewed["match"] == "stem"
    assert renewed["number_updated"] is True
    assert (renewed["listed"], renewed["valid"]) == (True, True)
    assert renewed["entry"]["registration_number"] == "C21-0008-3"
    assert renewed["expires_on"] == "2026-08-01"
    assert renewed["snapshot"]["id"] == snapshot_id
    assert renewed["warnings"]

    lapsed = await client.get(
        "/api/ismap/status",
        params={"number": "C23-0088-1", "on": "2025-10-10"},
        headers=org.h("security"),
    )
    body = lapsed.json()
    assert (body["listed"], body["valid"]) == (True, False)
    assert snapshot_id in body["reason"]["ja"] and snapshot_id in body["reason"]["en"]

    absent = await client.get(
        "/api/ismap/status", params={"number": "C99-9999-1"}, headers=org.h("auditor")
    )
    assert (absent.json()["listed"], absent.json()["valid"]) == (False, False)
    assert snapshot_id in absent.json()["reason"]["ja"]

    candidates = await client.get(
        "/api/ismap/candidates",
        params={"provider": "みどり行政システム", "service": "施設予約"},
        headers=org.h("procurement"),
    )
    assert candidates.status_code == 200
    assert candidates.json()[0]["entry"]["registration_number"] == "C25-0140-1"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "query.number"),
        ({"number": "C21-0008-2", "on": "昨日"}, "query.on"),
        ({"number": "C21-0008-2", "extra": "1"}, "query.extra"),
    ],
)
async def test_bad_status_queries_are_422(
    client: httpx.AsyncClient, org: Org, params: dict[str, str], field: str
) -> None:
    response = await client.get("/api/ismap/status", params=params, headers=org.h("auditor"))
    assert response.status_code == 422, response.text
    assert field in response.json()["fields"]


async def test_an_unknown_snapshot_is_404(client: httpx.AsyncClient, org: Org) -> None:
    for snapshot_id in ("00000000-0000-0000-0000-000000000000", "not-a-uuid"):
        response = await client.get(f"/api/ismap/snapshots/{snapshot_id}", headers=org.h("auditor"))
        assert response.status_code == 404


async def test_only_an_operator_admin_imports(
    client: httpx.AsyncClient, operator_token: str, org: Org
) -> None:
    before = len((await client.get("/api/ismap/snapshots", headers=org.h("auditor"))).json())
    body = upload(unique_csv())
    assert (await client.post("/api/ismap/imports", json=body)).status_code == 401
    for role in ("admin", "procurement", "security"):  # an ordinary organization's admin too
        response = await client.post("/api/ismap/imports", json=body, headers=org.h(role))
        assert response.status_code == 403, (role, response.text)
    after = len((await client.get("/api/ismap/snapshots", headers=org.h("auditor"))).json())
    assert after == before


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({}, "either url or content_base64"),
        ({"url": "http://127.0.0.1/x", **upload(b"a,b")}, "either url or content_base64"),
        ({"content_base64": "QUJD"}, "filename is required"),
        ({"filename": "x.csv", "content_base64": "not base64!"}, "not valid base64"),
        ({"url": "ftp://example.jp/list.xlsx"}, "not an http(s) URL"),
        ({"url": "/etc/passwd"}, "not an http(s) URL"),  # the API never reads server files
        ({"url": "file:///etc/passwd"}, "not an http(s) URL"),
        ({"filename": "x.csv", "content_base64": "", "expiring_within_days": 0}, "greater"),
    ],
)
async def test_bad_import_requests_are_422(
    client: httpx.AsyncClient, operator_token: str, body: dict[str, Any], reason: str
) -> None:
    response = await client.post("/api/ismap/imports", json=body, headers=auth(operator_token))
    assert response.status_code == 422, response.text
    assert reason in response.text


async def test_an_unreadable_upload_is_422_and_stores_nothing(
    client: httpx.AsyncClient, operator_token: str
) -> None:
    before = len((await client.get("/api/ismap/snapshots", headers=auth(operator_token))).json())
    response = await client.post(
        "/api/ismap/imports",
        json=upload(b"<html><body>portal</body></html>", "list.html"),
        headers=auth(operator_token),
    )
    assert response.status_code == 422
    assert "HTML" in response.json()["detail"]
    after = len((await client.get("/api/ismap/snapshots", headers=auth(operator_token))).json())
    assert after == before


async def test_import_from_a_url_on_a_real_http_server(
    client: httpx.AsyncClient, operator_token: str
) -> None:
    content = unique_xlsx(LIST_B_XLSX)
    with serve() as site:
        site.replies["/files/ismap_list.xlsx"] = Reply(content, content_type=XLSX)
        site.replies["/latest"] = Reply(b"", status=302, location="/files/ismap_list.xlsx")
        url = f"{site.base_url}/latest"
        imported = await import_ok(client, operator_token, {"url": url})
        assert site.requests == ["/latest", "/files/ismap_list.xlsx"]

        snapshot = imported["snapshot"]
        assert imported["duplicate"] is False
        assert snapshot["source"] == url
        assert snapshot["row_count"] == 15
        assert snapshot["size_bytes"] == len(content)

        # The same bytes from another address: recognised by the hash.
        site.replies["/mirror.xlsx"] = Reply(content, content_type=XLSX, send_length=False)
        again = await import_ok(client, operator_token, {"url": f"{site.base_url}/mirror.xlsx"})
        assert again["duplicate"] is True and again["snapshot"]["id"] == snapshot["id"]

        missing = await client.post(
            "/api/ismap/imports",
            json={"url": f"{site.base_url}/nothing.xlsx"},
            headers=auth(operator_token),
        )
        assert missing.status_code == 422
        assert missing.json()["fields"] == {"url": "HTTP 404"}

        site.replies["/portal"] = Reply(b"<!DOCTYPE html><html></html>", content_type="text/html")
        portal = await client.post(
            "/api/ismap/imports",
            json={"url": f"{site.base_url}/portal"},
            headers=auth(operator_token),
        )
        assert portal.status_code == 422
        assert "download the Excel file" in portal.json()["detail"]


async def test_a_download_over_the_size_cap_is_refused(operator_token: str) -> None:
    principal = await operator(operator_token)
    big = unique_csv() + b"x" * 5000
    before = await service.list_snapshots()
    with serve() as site:
        site.replies["/declared.csv"] = Reply(big)  # says its length up front
        site.replies["/streamed.csv"] = Reply(big, send_length=False)  # found out while reading
        for path in ("/declared.csv", "/streamed.csv"):
            with pytest.raises(PayloadTooLarge):
                await service.import_from_source(
                    principal=principal, source=site.base_url + path, max_bytes=4096
                )
            # Refused by the download itself, not only after the whole body was held.
            with pytest.raises(PayloadTooLarge):
                await fetch.download(site.base_url + path, max_bytes=4096, timeout_seconds=10)
        # Under the cap the same download is fine.
        outcome = await service.import_from_source(
            principal=principal, source=site.base_url + "/streamed.csv", max_bytes=len(big)
        )
    assert not outcome.duplicate
    assert len(await service.list_snapshots()) == len(before) + 1


async def test_an_unreachable_url_is_a_clear_error(operator_token: str) -> None:
    principal = await operator(operator_token)
    with serve() as site:
        closed = site.base_url
    with pytest.raises(ValidationFailed) as caught:
        await service.import_from_source(principal=principal, source=f"{closed}/list.xlsx")
    assert caught.value.fields == {"url": "ConnectError"}
