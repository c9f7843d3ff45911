"""What every request is held to (service/request_model.py, service/routing.py): strict types,
safe text, bounded nesting, links opened before bodies are read; the same on every database.

Each case here was a 500 or a silently wrong reading found by fuzzing (schemathesis, 225k
requests): see tests/test_fuzz.py for the run that keeps it so.
"""

from __future__ import annotations

import json
import typing
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

import service.app  # noqa: F401  (registers every route)
from service.portal.answer_input import parse_text
from service.request_model import RequestModel
from service.routing import REGISTRY
from tests.factories import Org, auth, invited_review, new_vendor
from tests.test_errors import assert_error

UNSAFE = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u202e", "\u202a", "\u2066", "\u2069"]


def request_models() -> set[type[BaseModel]]:
    """Every model a request is read into, nested ones included."""
    found: set[type[BaseModel]] = set()
    todo = [m for spec in REGISTRY for m in (spec.body_model, spec.query_model) if m is not None]
    while todo:
        model = todo.pop()
        if model in found:
            continue
        found.add(model)
        for field in model.model_fields.values():
            stack = [field.annotation]
            while stack:
                annotation = stack.pop()
                if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                    todo.append(annotation)
                stack.extend(typing.get_args(annotation))
    return found


def test_every_request_model_is_a_request_model() -> None:
    models = request_models()
    assert len(models) > 25
    outside = sorted(m.__name__ for m in models if not issubclass(m, RequestModel))
    assert not outside, f"read from requests but not a RequestModel: {outside}"
    for model in models:
        assert model.model_config.get("strict") is True, model.__name__
        assert model.model_config.get("extra") == "forbid", model.__name__


# --- strict types: no coercion that changes what a request does -----------------------------


async def test_zero_is_not_false(client: httpx.AsyncClient, org: Org, operator_token: str) -> None:
    before = (await client.get("/api/audit/verification", headers=org.h("auditor"))).json()
    response = await client.post(
        "/api/policies/reevaluations", json={"dry_run": 0}, headers=org.h("admin")
    )
    body = assert_error(response, 422, "validation_failed")
    assert "dry_run" in body["fields"]
    after = (await client.get("/api/audit/verification", headers=org.h("auditor"))).json()
    assert after["events"] == before["events"]  # no re-evaluation ran
    reload = await client.post(
        "/api/catalog/reload", json={"reevaluate": 0}, headers=auth(operator_token)
    )
    assert "reevaluate" in assert_error(reload, 422, "validation_failed")["fields"]


@pytest.mark.parametrize("day", ["0.0", "0", "1700000000", "20270401", "2027-02-30", "2027-4-1"])
async def test_a_day_is_written_as_a_day(client: httpx.AsyncClient, org: Org, day: str) -> None:
    response = await client.get(
        "/api/ismap/status", params={"number": "C21-0008-2", "on": day}, headers=org.h("auditor")
    )
    assert "query.on" in assert_error(response, 422, "validation_failed")["fields"]


async def test_a_real_day_and_an_integral_number_are_accepted(
    client: httpx.AsyncClient, org: Org
) -> None:
    response = await client.get(
        "/api/ismap/status",
        params={"number": "C21-0008-2", "on": "2027-04-01"},
        headers=org.h("auditor"),
    )
    assert response.status_code != 422, response.text
    # JSON has one kind of number: 30.0 is the integer 30; 30.5 and "30" are not integers.
    review, _ = await invited_review(client, org)
    made = await client.post(
        f"/api/reviews/{review['id']}/invitations",
        json={"expires_in_days": 30.0},
        headers=org.h("procurement"),
    )
    assert made.status_code == 201, made.text
    for wrong in (30.5, "30", True):
        refused = await client.post(
            f"/api/reviews/{review['id']}/invitations",
            json={"expires_in_days": wrong},
            headers=org.h("procurement"),
        )
        assert "expires_in_days" in assert_error(refused, 422, "validation_failed")["fields"]
    limit = await client.get(
        "/api/email-deliveries", params={"limit": "5.0"}, headers=org.h("admin")
    )
    assert "query.limit" in assert_error(limit, 422, "validation_failed")["fields"]
    ok = await client.get("/api/email-deliveries", params={"limit": "5"}, headers=org.h("admin"))
    assert ok.status_code == 200, ok.text
    cadence = f"/api/organizations/{org.id}/review-cadence"
    listed = await client.patch(
        cadence, json={"reminder_offsets": [30.0, 7]}, headers=org.h("admin")
    )
    assert listed.status_code == 200, listed.text
    assert listed.json()["reminder_offsets"] == [30, 7]
    half = await client.patch(cadence, json={"reminder_offsets": [7.5]}, headers=org.h("admin"))
    assert_error(half, 422, "validation_failed")


# --- text: control and text-direction characters ---------------------------------------------


@pytest.mark.parametrize("character", UNSAFE)
async def test_unsafe_characters_are_refused_naming_the_field(
    client: httpx.AsyncClient, org: Org, character: str
) -> None:
    before = (await client.get("/api/vendors", headers=org.h("procurement"))).json()
    response = await client.post(
        "/api/vendors",
        json={"name": f"株式会社{character}テスト", "corporate_number": "1180301018771"},
        headers=org.h("procurement"),
    )
    body = assert_error(response, 422, "validation_failed")
    assert f"U+{ord(character):04X}" in body["fields"]["name"]
    assert (await client.get("/api/vendors", headers=org.h("procurement"))).json() == before


async def test_nested_text_and_keys_are_held_to_the_same_rule(
    client: httpx.AsyncClient, org: Org
) -> None:
    _, token = await invited_review(client, org)
    for answers in ({"legal_name": "株式会社\x00"}, {"legal\u202ename": "x"}):
        response = await client.patch(
            f"/api/vendor/{token}/answers", json={"answers": answers}, headers={}
        )
        assert "answers" in assert_error(response, 422, "validation_failed")["fields"]
    settings = await client.patch(
        f"/api/organizations/{org.id}/contract-settings",
        json={"address": "住所\u202e"},
        headers=org.h("admin"),
    )
    fields = assert_error(settings, 422, "validation_failed")["fields"]
    assert "address" in fields
    query = await client.get(
        "/api/ismap/candidates", params={"provider": "さくら\x00"}, headers=org.h("auditor")
    )
    assert "query.provider" in assert_error(query, 422, "validation_failed")["fields"]


async def test_tabs_and_line_breaks_stay_allowed(client: httpx.AsyncClient, org: Org) -> None:
    vendor = await new_vendor(client, org, address="東京都\t千代田区\r\n霞が関")
    assert vendor["address"] == "東京都\t千代田区\r\n霞が関"


async def test_a_path_with_a_control_character_names_nothing(
    client: httpx.AsyncClient, org: Org
) -> None:
    for path in ("/api/vendor/abc%00def", "/api/calendar/%1b", "/api/social/attestations/%00"):
        assert_error(await client.get(path), 404, "not_found")


def test_the_portal_refuses_the_same_characters_in_a_text_answer() -> None:
    from service.catalog.forms import Question

    question = Question.model_validate(
        {"id": "q", "type": "text", "label": {"ja": "名称", "en": "Name"}, "max_length": 100}
    )
    for character in UNSAFE:
        value, error = parse_text(question, f"株式会社{character}")
        assert value is None and error is not None
        assert f"U+{ord(character):04X}" in error.ja and f"U+{ord(character):04X}" in error.en
    assert parse_text(question, "株式会社\tみなと") == ("株式会社\tみなと", None)


# --- bodies: nesting, and links before bodies ------------------------------------------------


def deep(levels: int) -> str:
    return '{"answers": {"a": ' + "[" * levels + "]" * levels + "}}"


async def test_deep_json_is_never_parsed_for_a_caller_without_a_link(
    client: httpx.AsyncClient,
) -> None:
    for levels in (40, 5000, 100_000):
        response = await client.patch(
            "/api/vendor/vl_not-a-link/answers",
            content=deep(levels),
            headers={"content-type": "application/json"},
        )
        assert_error(response, 404, "not_found")


async def test_deep_json_is_refused_with_a_link(client: httpx.AsyncClient, org: Org) -> None:
    _, token = await invited_review(client, org)
    for levels in (40, 1000, 100_000):
        response = await client.patch(
            f"/api/vendor/{token}/answers",
            content=deep(levels),
            headers={"content-type": "application/json"},
        )
        body = assert_error(response, 422, "validation_failed")
        assert "nested deeper" in body["fields"]["body"]


# --- social accounts: null where the database keeps a value -----------------------------------

NOT_NULL = [
    "purpose",
    "allowed_content_categories",
    "allowed_content_text",
    "outsourced",
    "login_identifier_type",
    "mfa_enabled",
    "mfa_method",
    "credential_custodian",
    "recovery_contacts_org_owned",
    "listing_page_url",
    "profile_names_org",
    "a2_use",
    "mirror_page_url",
    "procedure_doc_ref",
    "hijack_runbook_ref",
    "handle",
    "url",
    "owning_department",
    "owner_id",
    "status",
]
NULLABLE = ["deputy_id", "operator_vendor_id", "operator_engagement_id", "last_post_on"]


async def test_social_account_fields_refuse_null_unless_they_can_be_empty(
    client: httpx.AsyncClient, org: Org
) -> None:
    created = await client.post(
        "/api/social/accounts",
        json={
            "platform": "x",
            "handle": "@null_city",
            "url": "https://127.0.0.1/@null_city",
            "platform_account_id": "null-1",
            "owning_department": "広報課",
            "owner_id": org.user_ids["legal"],
            "purpose": "広報",
        },
        headers=org.h("security"),
    )
    assert created.status_code == 201, created.text
    url = f"/api/social/accounts/{created.json()['id']}"
    for name in NOT_NULL:
        response = await client.patch(url, json={name: None}, headers=org.h("security"))
        assert name in assert_error(response, 422, "validation_failed")["fields"], name
    for name in NULLABLE:
        response = await client.patch(url, json={name: None}, headers=org.h("security"))
        assert response.status_code == 200, (name, response.text)
    kept = (await client.get(url, headers=org.h("security"))).json()
    assert kept["purpose"] == "広報" and kept["handle"] == "@null_city"


# --- routing ---------------------------------------------------------------------------------


async def test_405_lists_every_method_of_the_path(client: httpx.AsyncClient, org: Org) -> None:
    methods: dict[str, set[str]] = {}
    for spec in REGISTRY:
        methods.setdefault(spec.path, set()).add(spec.method)
    several = {path: found for path, found in methods.items() if len(found) > 1}
    assert len(several) > 5
    for path, found in several.items():
        url = path.replace("{", "").replace("}", "")
        response = await client.put(url, headers=org.h("admin"))
        assert_error(response, 405, "method_not_allowed")
        allow = {m.strip() for m in response.headers["allow"].split(",")}
        assert allow >= found, (path, allow)


def test_json_depth_counts_arrays_and_objects() -> None:
    from service.routing import _depth

    assert _depth(json.loads('{"a": [1, {"b": []}]}')) == 4
    assert _depth("text") == 0
    value: Any = []
    for _ in range(10_000):
        value = [value]
    assert _depth(value) == 10_001
