"""The OpenAPI 3.1 document, built from the endpoint registry and the pydantic schemas."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field, TypeAdapter

from service.accounts.roles import Role
from service.routing import REGISTRY, Download, Endpoint

REF_TEMPLATE = "#/components/schemas/{model}"

_ERROR_STATUSES = {
    "401": "no valid API token / 有効なAPIトークンがありません",
    "403": "the caller's role may not do this / 権限がありません",
    "404": "no such object for this caller / 対象が見つかりません",
    "409": "conflicts with the current state / 現在の状態と競合します",
    "410": "the link has expired or was revoked / リンクの期限切れまたは失効",
    "413": "the body is over the size limit / 本文が大きすぎます",
    "422": "the body or a value is invalid / 入力が不正です",
}

# Only where a secret is checked: a client with too many failed secrets (service.throttling).
_THROTTLED = (
    "too many failed secrets from this address: wait Retry-After seconds / "
    "失敗した試行が多すぎます（Retry-After 秒後に再試行）"
)


class ErrorBody(BaseModel):
    error: str
    detail: str
    fields: dict[str, str]
    rule: str | None = Field(
        default=None,
        description="the access rule that refused the request, e.g. 'requester_cannot_decide' "
        "/ 拒否の根拠となった規則",
    )


def _schema(adapter_type: Any, components: dict[str, Any]) -> dict[str, Any]:
    schema = TypeAdapter(adapter_type).json_schema(ref_template=REF_TEMPLATE)
    for name, definition in schema.pop("$defs", {}).items():
        components[name] = definition
    if isinstance(adapter_type, type) and issubclass(adapter_type, BaseModel):
        components[adapter_type.__name__] = schema
        return {"$ref": REF_TEMPLATE.format(model=adapter_type.__name__)}
    return schema


def _without_null(field_schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is present or absent, never null: document its one real type."""
    variants = [v for v in field_schema.get("anyOf", []) if v.get("type") != "null"]
    if len(variants) != 1:
        return field_schema
    rest = {k: v for k, v in field_schema.items() if k not in ("anyOf", "default")}
    return {**rest, **variants[0]}


def _operation(spec: Endpoint, components: dict[str, Any]) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": spec.operation_id,
        "summary": spec.summary,
        "tags": [spec.tag],
        "parameters": [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": {"type": "string", "format": "uuid"}
                if annotation is UUID
                else {"type": "string"},
            }
            for name, annotation in spec.path_params.items()
        ],
        "responses": {},
    }
    if spec.description:
        operation["description"] = spec.description
    if spec.query_model is not None:
        schema = spec.query_model.model_json_schema(ref_template=REF_TEMPLATE)
        required = set(schema.get("required", []))
        operation["parameters"] += [
            {
                "name": name,
                "in": "query",
                "required": name in required,
                "description": field_schema.get("description", ""),
                "schema": _without_null(field_schema),
            }
            for name, field_schema in schema["properties"].items()
        ]
    if spec.auth == "user":
        operation["security"] = [{"bearerAuth": []}]
        # Every role that may call it (all of them when the route names none).
        roles = set(Role) if spec.roles is None else spec.roles
        operation["x-roles"] = sorted(role.value for role in roles)
        if spec.also is not None:
            operation["x-also"] = spec.also
            operation["description"] = (
                "The roles in x-roles on any object of their organization; also "
                if roles
                else "Only "
            ) + f"{spec.also}, whatever their role (403 for anyone else)."
        if spec.operator_only:
            operation["x-operator-only"] = True
            operation["description"] = (
                "Only an admin of the operator organization / 運用管理組織の管理者のみ"
            )
    else:
        operation["security"] = []
    if spec.body_model is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _schema(spec.body_model, components)}},
        }
    status = str(spec.status)
    if spec.returns is None:
        operation["responses"]["204" if status == "200" else status] = {"description": "done"}
    elif spec.returns is Download:
        operation["responses"][status] = {
            "description": "the document",
            "content": {
                media_type: {"schema": {"type": "string", "format": "binary"}}
                for media_type in spec.download_types
            },
        }
    else:
        operation["responses"][status] = {
            "description": "success",
            "content": {"application/json": {"schema": _schema(spec.returns, components)}},
        }
    error_ref = {"$ref": REF_TEMPLATE.format(model="ErrorBody")}
    for code, description in _ERROR_STATUSES.items():
        operation["responses"][code] = {
            "description": description,
            "content": {"application/json": {"schema": error_ref}},
        }
    if spec.throttled:
        operation["responses"]["429"] = {
            "description": _THROTTLED,
            "headers": {
                "Retry-After": {
                    "description": "seconds until the client may try again / 再試行までの秒数",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 1},
                }
            },
            "content": {"application/json": {"schema": error_ref}},
        }
    return operation


def build_openapi() -> dict[str, Any]:
    components: dict[str, Any] = {}
    _schema(ErrorBody, components)
    paths: dict[str, dict[str, Any]] = {}
    for spec in REGISTRY:
        paths.setdefault(spec.path, {})[spec.method.lower()] = _operation(spec, components)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Vetting service API / 委託先・クラウドサービス審査API",
            "version": "1",
        },
        "paths": paths,
        "components": {
            "schemas": dict(sorted(components.items())),
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
    }
