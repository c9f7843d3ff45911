"""Error answers: one body shape, the right status, the offending fields named, nothing written."""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from service.questionnaire.models import Invitation
from tests.factories import (
    CORPORATE_NUMBERS,
    Org,
    engagement_body,
    new_engagement,
    new_org,
    new_vendor,
)

MiB = 1024 * 1024
VALID_VENDOR = {
    "name": "株式会社エラー検証",
    "corporate_number": "1180301018771",
    "address": "東京都千代田区霞が関1-1-1",
}


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "detail", "fields"}, body
    assert body["error"] == code, body
    assert isinstance(body["detail"], str) and body["detail"], body
    assert isinstance(body["fields"], dict), body
    return body


async def written(client: httpx.AsyncClient, org: Org, listing: str) -> tuple[int, Any]:
    """The organization's audit event count and a listing: both must not move on an error."""
    audit = await client.get("/api/audit/verification", headers=org.h("auditor"))
    assert audit.status_code == 200, audit.text
    assert audit.json()["ok"] is True
    items = await client.get(listing, headers=org.h("auditor"))
    assert items.status_code == 200, items.text
    return int(audit.json()["events"]), items.json()


# --- POST /api/vendors ---------------------------------------------------------------------


def _bad_check_digit(number: str) -> str:
    return str((int(number[0]) + 1) % 10) + number[1:]


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({**VALID_VENDOR, "name": 123}, {"name"}),
        ({**VALID_VENDOR, "corporate_number": 1180301018771}, {"corporate_number"}),
        ({**VALID_VENDOR, "homepage": "https://example.jp"}, {"homepage"}),
        ({}, {"name", "corporate_number"}),
        ({"address": "東京都"}, {"name", "corporate_number"}),
        ({"name": "株式会社名のみ"}, {"corporate_number"}),
        (
            {**VALID_VENDOR, "corporate_number": _bad_check_digit("1180301018771")},
            {"corporate_number"},
        ),
        ({**VALID_VENDOR, "corporate_number": "118030101877"}, {"corporate_number"}),
        ({**VALID_VENDOR, "corporate_number": "１１８０３０１０１８７７１"}, {"corporate_number"}),
        ({**VALID_VENDOR, "name": ""}, {"name"}),
    ],
    ids=[
        "name-not-a-string",
        "number-not-a-string",
        "unknown-field",
        "all-missing",
        "required-missing",
        "number-missing",
        "check-digit",
        "twelve-digits",
        "full-width-digits",
        "empty-name",
    ],
)
async def test_invalid_vendor_is_422_naming_the_fields(
    client: httpx.AsyncClient, org: Org, body: dict[str, Any], named: set[str]
) -> None:
    before = await written(client, org, "/api/vendors")
    response = await client.post("/api/vendors", json=body, headers=org.h("procurement"))
    error = assert_error(response, 422, "validation_failed")
    assert set(error["fields"]) == named
    assert await written(client, org, "/api/vendors") == before


async def test_check_digit_error_says_so(client: httpx.AsyncClient, org: Org) -> None:
    for number in CORPORATE_NUMBERS:  # each valid one is off by one in its check digit
        body = {**VALID_VENDOR, "corporate_number": _bad_check_digit(number)}
        response = await client.post("/api/vendors", json=body, headers=org.h("procurement"))
        error = assert_error(response, 422, "validation_failed")
        assert "check digit" in error["fields"]["corporate_number"]
    # …and the untouched numbers are accepted.
    accepted = await client.post("/api/vendors", json=VALID_VENDOR, headers=org.h("procurement"))
    assert accepted.status_code == 201, accepted.text


@pytest.mark.parametrize(
    "raw",
    ['{"name": "株式会社", '.encode(), b"not json", b"\xff\xfe\x00", b"", b"   "],
    ids=["truncated", "text", "not-utf8", "empty", "blank"],
)
async def test_malformed_json_is_422_on_body(
    client: httpx.AsyncClient, org: Org, raw: bytes
) -> None:
    before = await written(client, org, "/api/vendors")
    response = await client.post(
        "/api/vendors",
        content=raw,
        headers={**org.h("procurement"), "Content-Type": "application/json"},
    )
    error = assert_error(response, 422, "validation_failed")
    assert "body" in error["fields"]
    assert await written(client, org, "/api/vendors") == before


async def test_json_that_is_not_an_object_is_422(client: httpx.AsyncClient, org: Org) -> None:
    before = await written(client, org, "/api/vendors")
    for raw in ([VALID_VENDOR], "株式会社", 42, None):
        response = await client.post("/api/vendors", json=raw, headers=org.h("procurement"))
        assert_error(response, 422, "validation_failed")
    assert await written(client, org, "/api/vendors") == before


# --- POST /api/engagements -----------------------------------------------------------------


async def test_invalid_engagement_is_422_naming_the_fields(
    client: httpx.AsyncClient, operator_token: str, org: Org
) -> None:
    vendor = await new_vendor(client, org)
    other = await new_org(client, operator_token)
    foreign_vendor = await new_vendor(client, other)
    before = await written(client, org, "/api/engagements")
    other_before = await written(client, other, "/api/engagements")

    async def post(body: dict[str, Any]) -> dict[str, Any]:
        response = await client.post("/api/engagements", json=body, headers=org.h("procurement"))
        return assert_error(response, 422, "validation_failed")

    error = await post(engagement_body(vendor["id"], confidentiality="2"))
    assert set(error["fields"]) == {"confidentiality"}

    error = await post(engagement_body(vendor["id"], kind="tos_cloud", confidentiality=2))
    assert "機密性" in error["detail"], error

    error = await post(engagement_body(vendor["id"], my_number=True, personal_data=False))
    assert "personal_data" in error["detail"], error

    error = await post(engagement_body(foreign_vendor["id"]))
    assert set(error["fields"]) == {"vendor_id"}
    assert other.id not in json.dumps(error)

    error = await post(engagement_body("00000000-0000-4000-8000-000000000000"))
    assert set(error["fields"]) == {"vendor_id"}

    error = await post(engagement_body(vendor["id"], start_date="2027-02-30", term_months=0))
    assert set(error["fields"]) == {"start_date", "term_months"}

    error = await post({"vendor_id": vendor["id"]})
    assert set(error["fields"]) == set(engagement_body(vendor["id"])) - {"vendor_id"}

    assert await written(client, org, "/api/engagements") == before
    assert await written(client, other, "/api/engagements") == other_before
    # The tos_cloud route itself is open to 機密性1.
    fine = engagement_body(vendor["id"], kind="tos_cloud", confidentiality=1)
    response = await client.post("/api/engagements", json=fine, headers=org.h("procurement"))
    assert response.status_code == 201, response.text


async def test_my_number_on_the_terms_of_service_route_is_422_naming_my_number(
    client: httpx.AsyncClient, org: Org
) -> None:
    """Refused at intake, not after approval: the body names the field and the route to take."""
    vendor = await new_vendor(client, org)
    before = await written(client, org, "/api/engagements")
    body = engagement_body(
        vendor["id"], kind="tos_cloud", confidentiality=1, personal_data=True, my_number=True
    )
    response = await client.post("/api/engagements", json=body, headers=org.h("procurement"))
    error = assert_error(response, 422, "validation_failed")
    assert list(error["fields"]) == ["my_number"]
    reason = error["fields"]["my_number"]
    assert reason == error["detail"]
    assert reason.startswith("特定個人情報（マイナンバー）は約款型クラウドサービス")
    assert "kind 'cloud'" in reason and "My Number data cannot go into" in reason
    assert reason.index("特定個人情報") < reason.index("My Number")  # Japanese first
    assert await written(client, org, "/api/engagements") == before
    # The contract route takes it.
    routed = {**body, "kind": "cloud", "confidentiality": 2}
    response = await client.post("/api/engagements", json=routed, headers=org.h("procurement"))
    assert response.status_code == 201, response.text


# --- body size limit -----------------------------------------------------------------------


async def test_body_over_one_mib_is_413(client: httpx.AsyncClient, org: Org) -> None:
    vendor = await new_vendor(client, org)
    before = await written(client, org, "/api/engagements")
    body = engagement_body(vendor["id"], purpose="あ" * 400_000)  # 1.2 MB of UTF-8
    raw = json.dumps(body, ensure_ascii=False).encode()
    assert len(raw) > MiB
    response = await client.post(
        "/api/engagements",
        content=raw,
        headers={**org.h("procurement"), "Content-Type": "application/json"},
    )
    assert response.request.headers["content-length"] == str(len(raw))
    assert_error(response, 413, "payload_too_large")
    assert await written(client, org, "/api/engagements") == before

    # Just under the limit the body is read and judged on its content instead.
    small = json.dumps(engagement_body(vendor["id"], purpose="a" * (MiB - 2000))).encode()
    assert len(small) < MiB
    response = await client.post(
        "/api/engagements",
        content=small,
        headers={**org.h("procurement"), "Content-Type": "application/json"},
    )
    assert set(assert_error(response, 422, "validation_failed")["fields"]) == {"purpose"}
    assert await written(client, org, "/api/engagements") == before


async def _chunks(raw: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(raw), size):
        yield raw[start : start + size]


async def test_streamed_body_over_one_mib_is_413(client: httpx.AsyncClient, org: Org) -> None:
    vendor = await new_vendor(client, org)
    before = await written(client, org, "/api/engagements")
    raw = json.dumps(engagement_body(vendor["id"], purpose="x" * (MiB + 200_000))).encode()
    response = await client.post(
        "/api/engagements",
        content=_chunks(raw),
        headers={**org.h("procurement"), "Content-Type": "application/json"},
    )
    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert_error(response, 413, "payload_too_large")
    assert await written(client, org, "/api/engagements") == before

    # A streamed body under the limit does reach the parser (here: 422 on its content).
    small = json.dumps(engagement_body(vendor["id"], purpose="")).encode()
    response = await client.post(
        "/api/engagements",
        content=_chunks(small, 16),
        headers={**org.h("procurement"), "Content-Type": "application/json"},
    )
    assert set(assert_error(response, 422, "validation_failed")["fields"]) == {"purpose"}
    assert await written(client, org, "/api/engagements") == before


# --- vendor links --------------------------------------------------------------------------


async def _invitation(client: httpx.AsyncClient, org: Org) -> tuple[dict[str, Any], str]:
    """A fresh invitation of a fresh review: (the invitation as created, its link token)."""
    engagement = await new_engagement(client, org, service_name="極秘基盤クラウド")
    review = await client.post(
        f"/api/engagements/{engagement['id']}/reviews", headers=org.h("procurement")
    )
    assert review.status_code == 201, review.text
    invitation = await client.post(
        f"/api/reviews/{review.json()['id']}/invitations", json={}, headers=org.h("procurement")
    )
    assert invitation.status_code == 201, invitation.text
    return dict(invitation.json()), invitation.json()["url"].rsplit("/", 1)[1]


async def _assert_link_refused(
    client: httpx.AsyncClient, org: Org, token: str, status: int, code: str
) -> None:
    organization = await client.get(f"/api/organizations/{org.id}", headers=org.h("admin"))
    secrets_of_tenant = [
        org.id,
        organization.json()["name"],
        "極秘基盤クラウド",
    ]
    invitations = await Invitation.filter(organization_id=org.id)
    secrets_of_tenant += [str(i.review_id) for i in invitations]
    secrets_of_tenant += [str(i.id) for i in invitations]
    before = await written(client, org, "/api/engagements")
    answers = {"answers": {"legal_name": "株式会社回答"}}
    for method, path, body in [
        ("GET", f"/api/vendor/{token}", None),
        ("PATCH", f"/api/vendor/{token}/answers", answers),
        ("POST", f"/api/vendor/{token}/submit", None),
    ]:
        response = await client.request(method, path, json=body)
        error = assert_error(response, status, code)
        assert error["fields"] == {}
        shown = response.text + json.dumps(error, ensure_ascii=False)
        for secret in secrets_of_tenant:
            assert secret not in shown, f"{method} {path} reveals {secret!r}"
    assert await written(client, org, "/api/engagements") == before


async def test_unknown_vendor_link_is_404(client: httpx.AsyncClient, org: Org) -> None:
    await _invitation(client, org)
    await _assert_link_refused(client, org, f"vl_{secrets.token_urlsafe(32)}", 404, "not_found")


async def test_revoked_vendor_link_is_410(client: httpx.AsyncClient, org: Org) -> None:
    invitation, token = await _invitation(client, org)
    assert (await client.get(f"/api/vendor/{token}")).status_code == 200
    revoked = await client.delete(
        f"/api/invitations/{invitation['id']}", headers=org.h("procurement")
    )
    assert revoked.status_code == 204, revoked.text
    await _assert_link_refused(client, org, token, 410, "gone")


async def test_expired_vendor_link_is_410(client: httpx.AsyncClient, org: Org) -> None:
    invitation, token = await _invitation(client, org)
    assert (await client.get(f"/api/vendor/{token}")).status_code == 200
    past = datetime.now(UTC) - timedelta(minutes=1)
    assert await Invitation.filter(id=invitation["id"]).update(expires_at=past) == 1
    await _assert_link_refused(client, org, token, 410, "gone")


# --- vendor answers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "named"),
    [
        ({"availability_pct": "high"}, "answers.availability_pct"),
        ({"availability_pct": True}, "answers.availability_pct"),
        ({"favourite_colour": "blue"}, "answers.favourite_colour"),
        ({"availability_pct": 100.5}, "answers.availability_pct"),
        ({"availability_pct": -1}, "answers.availability_pct"),
        ({"incident_first_report_hours": 721}, "answers.incident_first_report_hours"),
        ({"isms_expiry": "2028-02-30"}, "answers.isms_expiry"),
        ({"training_frequency": "never"}, "answers.training_frequency"),
        ({"legal_name": "株式会社正常", "admin_mfa": "yes"}, "answers.admin_mfa"),
    ],
    ids=[
        "number-as-text",
        "number-as-bool",
        "unknown-question",
        "over-max",
        "under-min",
        "hours-over-max",
        "impossible-date",
        "unknown-choice",
        "one-bad-in-a-batch",
    ],
)
async def test_invalid_answers_are_422_naming_the_question(
    client: httpx.AsyncClient, org: Org, answers: dict[str, Any], named: str
) -> None:
    _, token = await _invitation(client, org)
    first = await client.patch(
        f"/api/vendor/{token}/answers", json={"answers": {"legal_name": "株式会社初回"}}
    )
    assert first.status_code == 200, first.text
    before = (await written(client, org, "/api/engagements"), first.json())

    response = await client.patch(f"/api/vendor/{token}/answers", json={"answers": answers})
    error = assert_error(response, 422, "validation_failed")
    assert set(error["fields"]) == {named}

    after = (
        await written(client, org, "/api/engagements"),
        await client.get(f"/api/vendor/{token}"),
    )
    assert after[0] == before[0]
    assert after[1].json() == before[1]  # the draft still holds only the first answer
    assert after[1].json()["answers"] == {"legal_name": "株式会社初回"}


async def test_answers_body_of_the_wrong_shape_is_422(client: httpx.AsyncClient, org: Org) -> None:
    _, token = await _invitation(client, org)
    before = await written(client, org, "/api/engagements")
    for body, named in [
        ({"answers": ["availability_pct", 99.9]}, "answers"),
        ({}, "answers"),
        ({"answers": {}, "submit": True}, "submit"),
    ]:
        response = await client.patch(f"/api/vendor/{token}/answers", json=body)
        assert named in assert_error(response, 422, "validation_failed")["fields"]
    assert await written(client, org, "/api/engagements") == before
    status = (await client.get(f"/api/vendor/{token}")).json()["status"]
    assert status == "invited"  # no draft was saved


# --- routing -------------------------------------------------------------------------------


async def test_unknown_route_is_404_json(client: httpx.AsyncClient, org: Org) -> None:
    for path in ("/api/nothing-here", "/api/vendors/x/y", "/nowhere"):
        response = await client.get(path, headers=org.h("auditor"))
        assert_error(response, 404, "not_found")


async def test_malformed_id_in_a_path_is_404_json(client: httpx.AsyncClient, org: Org) -> None:
    for path in ("/api/reviews/not-a-uuid", "/api/vendors/123", "/api/engagements/%00"):
        response = await client.get(path, headers=org.h("auditor"))
        assert_error(response, 404, "not_found")


async def test_wrong_method_is_405_json(client: httpx.AsyncClient, org: Org) -> None:
    before = await written(client, org, "/api/vendors")
    for method, path in [
        ("DELETE", "/api/vendors"),
        ("PUT", "/api/engagements"),
        ("PATCH", "/api/me"),
        ("GET", f"/api/organizations/{org.id}/users"),
    ]:
        response = await client.request(method, path, headers=org.h("admin"))
        assert_error(response, 405, "method_not_allowed")
        assert response.headers.get("allow"), f"{method} {path} without an Allow header"
    assert await written(client, org, "/api/vendors") == before
