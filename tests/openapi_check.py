"""Check every HTTP exchange against the OpenAPI document the service publishes.

A response must be documented for its route and status, and its JSON body must validate against
the documented schema; a successful request's JSON body must validate against the request schema.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012 as _SPEC


class OpenApiChecker:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        resource = Resource.from_contents(document, default_specification=_SPEC)
        self.registry: Registry = Registry().with_resource("urn:openapi", resource)
        self.routes = [
            (method.upper(), re.compile("^" + re.sub(r"\{\w+\}", "[^/]+", path) + "$"), op)
            for path, operations in document["paths"].items()
            for method, op in operations.items()
        ]
        self.checked = 0

    def operation(self, method: str, path: str) -> dict[str, Any] | None:
        for route_method, pattern, op in self.routes:
            if route_method == method and pattern.match(path):
                return op
        return None

    def _validate(self, schema: dict[str, Any], instance: Any, what: str) -> None:
        validator = Draft202012Validator(_rebase(schema), registry=self.registry)
        errors = sorted(validator.iter_errors(instance), key=str)
        assert not errors, f"{what} does not match the OpenAPI document: {errors[0].message}"

    async def check_response(self, response: httpx.Response) -> None:
        request = response.request
        path = request.url.path
        if path in ("/openapi.json", "/healthz"):
            return
        op = self.operation(request.method, path)
        if op is None:
            assert response.status_code in (404, 405), f"undocumented route {request.method} {path}"
            return
        documented = op["responses"].get(str(response.status_code))
        assert documented is not None, (
            f"{request.method} {path} answered {response.status_code}, which is not documented"
        )
        for header, spec in documented.get("headers", {}).items():
            if spec.get("required"):
                assert header in response.headers, f"{request.method} {path}: no {header} header"
        await response.aread()
        content = documented.get("content", {})
        if "application/json" in content:
            assert response.headers["content-type"].startswith("application/json")
            self._validate(
                content["application/json"]["schema"],
                response.json(),
                f"response {response.status_code} of {request.method} {path}",
            )
        elif content:
            documented_types = list(content)
            assert any(response.headers["content-type"].startswith(t) for t in documented_types)
        else:
            assert not response.content, "a documented empty response carried a body"
        if response.is_success and "requestBody" in op and request.content:
            schema = op["requestBody"]["content"]["application/json"]["schema"]
            self._validate(schema, json.loads(request.content), f"request to {path}")
        self.checked += 1


def _rebase(schema: Any) -> Any:
    """Point '#/components/…' references at the registered document."""
    if isinstance(schema, dict):
        return {
            key: (
                "urn:openapi" + value
                if key == "$ref" and value.startswith("#/")
                else _rebase(value)
            )
            for key, value in schema.items()
        }
    if isinstance(schema, list):
        return [_rebase(item) for item in schema]
    return schema
