"""The OpenAPI document covers every route, and responses are checked against it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.routing import Route

from service.routing import REGISTRY
from tests.factories import Org, evaluated_review
from tests.openapi_check import OpenApiChecker


async def test_document_is_served_as_openapi_3_1(client: httpx.AsyncClient) -> None:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"] == "3.1.0"
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


async def test_every_route_is_documented_and_every_operation_exists(
    app: Any, client: httpx.AsyncClient
) -> None:
    document = (await client.get("/openapi.json")).json()
    documented = {
        (method.upper(), path) for path, ops in document["paths"].items() for method in ops
    }
    served = {
        (method, route.path)
        for route in app.routes
        if isinstance(route, Route) and route.path.startswith("/api/")
        for method in (route.methods or set()) - {"HEAD"}
    }
    assert served == documented
    assert len({spec.operation_id for spec in REGISTRY}) == len(REGISTRY)


async def test_every_reference_resolves(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if ref is not None:
                assert ref.startswith("#/components/schemas/"), ref
                assert ref.rsplit("/", 1)[1] in schemas, ref
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)


async def test_request_schemas_forbid_unknown_fields(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            if "requestBody" in op:
                ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                schema = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
                assert schema.get("additionalProperties") is False, (method, path)


async def test_responses_are_validated_against_the_document(
    client: httpx.AsyncClient, checker: OpenApiChecker, org: Org
) -> None:
    before = checker.checked
    await evaluated_review(client, org)
    assert checker.checked > before + 5


def test_checker_rejects_a_response_that_breaks_the_schema(checker: OpenApiChecker) -> None:
    schema = {"$ref": "#/components/schemas/VendorOut"}
    with pytest.raises(AssertionError, match="does not match"):
        checker._validate(schema, {"id": "not-a-vendor"}, "a fake response")
