"""Thin JSON endpoints: one decorator declares a route, and the OpenAPI document is built from it.

The request body model comes from the handler's `body` parameter annotation, path parameters from
the other parameters, the response from the return annotation, so what the document promises is
what the code accepts and returns.
"""

from __future__ import annotations

import inspect
import json
import re
import typing
from collections.abc import Awaitable, Callable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from service.accounts.roles import Role
from service.config import get_settings
from service.db import retry_transient
from service.errors import AppError, Forbidden, NotFound, PayloadTooLarge, ValidationFailed
from service.request_model import MAX_JSON_DEPTH, unsafe_character
from service.throttling import SecretKind, guard

Handler = Callable[..., Awaitable[Any]]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class Download:
    """A file response (e.g. a contract .docx)."""

    content: bytes
    media_type: str
    filename: str
    ascii_filename: str | None = None  # for clients that ignore filename* (RFC 6266)


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    handler: Handler
    status: int
    summary: str
    tag: str
    auth: str  # "user" | "vendor" | "none"
    roles: frozenset[Role] | None
    body_model: type[BaseModel] | None
    query_model: type[BaseModel] | None
    path_params: dict[str, type]
    returns: Any  # a type: BaseModel subclass, list[...], Download or None
    download_types: tuple[str, ...] = (DOCX,)  # the media types a Download may have
    description: str = ""  # the operation's longer description in the OpenAPI document
    # The secret the path carries (a link token): failures to open it are throttled.
    secret: SecretKind | None = None
    # For a link route (auth "vendor" or "none"): opens the {token} of the path, before the body
    # is read, so a caller without a valid link gets 404/410 and never has its body parsed. What
    # it returns reaches the handler as `opened`.
    opens: Callable[[str], Awaitable[Any]] | None = None
    # Only an admin of the operator organization (it serves every tenant: catalog, ISMAP list,
    # new organizations); documented as x-operator-only.
    operator_only: bool = False
    # Who else may, whatever their role, decided by the service on the object (e.g. "the user
    # themselves"); documented as x-also. The roles above may on any object of their organization.
    also: str | None = None

    @property
    def operation_id(self) -> str:
        return self.handler.__name__

    @property
    def throttled(self) -> bool:
        """May answer 429: a bearer token, or a secret in the path, is checked."""
        return self.auth == "user" or self.secret is not None


REGISTRY: list[Endpoint] = []


def endpoint(
    method: str,
    path: str,
    *,
    summary: str,
    tag: str,
    status: int = 200,
    auth: str = "user",
    roles: frozenset[Role] | set[Role] | None = None,
    download_types: tuple[str, ...] = (DOCX,),
    description: str = "",
    secret: SecretKind | None = None,
    opens: Callable[[str], Awaitable[Any]] | None = None,
    operator_only: bool = False,
    also: str | None = None,
) -> Callable[[Handler], Handler]:
    """Declare a route. auth="vendor" means the path's {token} is a vendor link; another secret
    in the path (auth="none") names its kind with `secret`, so that its failures are throttled."""
    if auth == "vendor":
        secret = secret or SecretKind.vendor_link

    def register(handler: Handler) -> Handler:
        hints = typing.get_type_hints(handler)
        body_model = hints.get("body")
        query_model = hints.get("query")  # a model of the query string (?number=…)
        names_in_path = re.findall(r"\{(\w+)\}", path)
        if auth != "user" and body_model is not None:
            assert opens is not None and "token" in names_in_path, (
                f"{handler.__name__}: a link route with a body must open its link first (opens=)"
            )
        path_params = {name: hints[name] for name in names_in_path}
        returns = hints.get("return")
        if returns is type(None):  # get_type_hints turns `-> None` into NoneType
            returns = None
        REGISTRY.append(
            Endpoint(
                method=method,
                path=path,
                handler=handler,
                status=status,
                summary=summary,
                tag=tag,
                auth=auth,
                roles=frozenset(roles) if roles is not None else None,
                body_model=body_model,
                query_model=query_model,
                path_params=path_params,
                returns=returns,
                download_types=download_types,
                description=description,
                secret=secret,
                opens=opens,
                operator_only=operator_only,
                also=also,
            )
        )
        return handler

    return register


async def read_json_body(request: Request) -> bytes:
    """The raw body, refusing more than the configured limit while it streams in."""
    limit = get_settings().max_body_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"request body is over {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"request body is over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _field_errors(exc: ValidationError, prefix: str = "") -> dict[str, str]:
    fields: dict[str, str] = {}
    for error in exc.errors():
        name = ".".join(str(part) for part in error["loc"]) or "body"
        fields[f"{prefix}{name}"] = error["msg"]
    return fields


def _depth(value: Any) -> int:
    """How deeply `value` nests arrays and objects (without recursion: the input is untrusted)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


def parse_body(model: type[BaseModel], raw: bytes) -> BaseModel:
    if not raw.strip():
        raise ValidationFailed("a JSON body is required", fields={"body": "missing"})
    too_deep = ValidationFailed(
        f"the body nests deeper than {MAX_JSON_DEPTH} levels / 入れ子が深すぎます",
        fields={"body": f"nested deeper than {MAX_JSON_DEPTH} levels"},
    )
    try:
        parsed = json.loads(raw)
    except RecursionError:
        raise too_deep from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed("the body is not valid JSON", fields={"body": str(exc)}) from None
    if _depth(parsed) > MAX_JSON_DEPTH:
        raise too_deep
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        # A rule over the whole body (e.g. tos_cloud only with 機密性1) names no field: say it.
        # So does a rule that names its field (error type 'rule_…', e.g. My Number on tos_cloud).
        rules = [
            e["msg"].removeprefix("Value error, ")
            for e in exc.errors()
            if not e["loc"] or str(e["type"]).startswith("rule_")
        ]
        fields = _field_errors(exc)
        moved: dict[str, str] = getattr(model, "moved_fields", {})
        for name, where in moved.items():
            if name in fields:
                fields[name] = where
                rules.append(f"{name}: {where}")
        raise ValidationFailed(
            "; ".join(rules) or "the body does not fit the schema", fields=fields
        ) from None


def _query_value(model: type[BaseModel], name: str, raw: str) -> Any:
    """A query string value as the JSON value it stands for: digits for an integer field,
    true/false for a boolean one; everything else stays text (a day, an id, a choice)."""
    field = model.model_fields.get(name)
    kinds = set(typing.get_args(field.annotation)) | {field.annotation} if field else set()
    if int in kinds and re.fullmatch(r"-?[0-9]{1,18}", raw):
        return int(raw)
    if bool in kinds and raw in ("true", "false"):
        return raw == "true"
    return raw


def parse_query(model: type[BaseModel], request: Request) -> BaseModel:
    """Query string values are read as strictly as a JSON body: `?on=0` is no day, `?limit=1.0`
    no integer."""
    values = {name: _query_value(model, name, raw) for name, raw in request.query_params.items()}
    try:
        return model.model_validate_json(json.dumps(values))
    except ValidationError as exc:
        raise ValidationFailed(
            "the query parameters do not fit", fields=_field_errors(exc, prefix="query.")
        ) from None


def _path_value(name: str, annotation: type, raw: str) -> Any:
    if annotation is UUID:
        try:
            return UUID(raw)
        except ValueError:
            # Not a well-formed id, so it names nothing this caller can see.
            raise NotFound(f"no such {name.removesuffix('_id')}") from None
    if unsafe_character(raw):
        # No id, link or requirement is written with a control character: it names nothing.
        raise NotFound(f"no such {name.removesuffix('_id')}")
    return raw


def _render(returns: Any, result: Any, status: int) -> Response:
    if returns is None or result is None:
        return Response(status_code=204 if status == 200 else status)
    if isinstance(result, Download):
        return download_response(result)
    payload = TypeAdapter(returns).dump_json(result)
    return Response(payload, status_code=status, media_type="application/json")


def download_response(result: Download) -> Response:
    """A file handed out as an attachment, never rendered: the API's and the console's."""
    from urllib.parse import quote

    ascii_name = result.ascii_filename or result.filename
    ascii_name = ascii_name.encode("ascii", "replace").decode()
    ascii_name = re.sub(r'[?"\\\x00-\x1f\x7f]', "_", ascii_name)
    # RFC 5987: percent-encode everything outside attr-char, "/" included.
    encoded = quote(result.filename, safe="")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{encoded}"
    return Response(
        result.content,
        media_type=result.media_type,
        headers={"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"},
    )


def error_response(exc: AppError) -> JSONResponse:
    return JSONResponse(exc.to_body(), status_code=exc.status_code, headers=exc.headers)


def _runner(spec: Endpoint) -> Callable[[Request], Awaitable[Response]]:
    from service.accounts.tokens import authenticate

    parameters = inspect.signature(spec.handler).parameters

    async def run(request: Request) -> Response:
        kwargs: dict[str, Any] = {}
        if spec.auth == "user":
            async with guard(request, SecretKind.api_token):
                principal = await authenticate(request.headers.get("authorization"))
            if spec.roles is not None and spec.also is None and not (principal.roles & spec.roles):
                needed = ", ".join(sorted(r.value for r in spec.roles))
                raise Forbidden(f"this needs one of the roles: {needed}")
            if spec.operator_only and not principal.is_operator_admin:
                raise Forbidden(
                    "only an admin of the operator organization may do this / "
                    "運用管理組織の管理者のみ行えます"
                )
            kwargs["principal"] = principal
        # A link's handler opens the link first: its 401/404/410 are failures of the secret.
        async with guard(request, spec.secret) if spec.secret else nullcontext():
            for name, annotation in spec.path_params.items():
                kwargs[name] = _path_value(name, annotation, request.path_params[name])
            if spec.opens is not None:
                opened = await spec.opens(kwargs["token"])
                if "opened" in parameters:
                    kwargs["opened"] = opened
            if spec.query_model is not None:
                kwargs["query"] = parse_query(spec.query_model, request)
            if spec.body_model is not None:
                kwargs["body"] = parse_body(spec.body_model, await read_json_body(request))
            if "request" in parameters:
                kwargs["request"] = request
                # It may read the body itself, which cannot be read twice: no retry.
                result = await spec.handler(**kwargs)
            else:
                result = await retry_transient(lambda: spec.handler(**kwargs))
        return _render(spec.returns, result, spec.status)

    return run


def build_routes(specs: list[Endpoint]) -> list[Route]:
    """One route per path serving all of its methods, so a 405 lists every one in `Allow`."""
    by_path: dict[str, dict[str, Endpoint]] = {}
    for spec in specs:
        by_path.setdefault(spec.path, {})[spec.method] = spec
    routes = []
    for path, methods in by_path.items():
        runners = {method: _runner(spec) for method, spec in methods.items()}

        async def dispatch(
            request: Request,
            runners: dict[str, Callable[[Request], Awaitable[Response]]] = runners,
        ) -> Response:
            method = "GET" if request.method == "HEAD" else request.method
            return await runners[method](request)

        name = "|".join(spec.operation_id for spec in methods.values())
        routes.append(Route(path, dispatch, methods=list(methods), name=name))
    return routes
