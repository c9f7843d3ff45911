"""Schemathesis fuzzes every operation of the OpenAPI document, as every role and as nobody.

The app is served by uvicorn on a loopback port inside the session's event loop (Tortoise's
connections belong to that loop); schemathesis, which is synchronous, runs in a worker thread and
sends real HTTP to it. Path parameters are real ids of a seeded organization (tests/world.py), so
requests reach the code behind the ownership checks. A fixed seed and a fixed number of examples
per operation, role and mode (valid and invalid data) keep the run the same every time.

Asserted: no 5xx, every status, content type, header and body as documented, invalid data
refused with a 4xx, and data the document calls valid never refused as invalid (422): the
document says what the code enforces.
"""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import requests
import schemathesis
import uvicorn
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service.openapi import build_openapi
from tests.factories import ROLES, auth
from tests.world import Tenant, build_tenant

SEED = 20261203
# Per operation, per mode (valid, invalid data) and per caller the operation serves (x-roles;
# anyone for a link route); a caller it refuses gets one valid example.
EXAMPLES = 3
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    positive_data_acceptance,
]
# 409 and 410 are the state of the seeded objects (a round already decided, a link used), not
# a judgement on the data; 5xx is never fine.
CONFIG = """
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "401", "403", "404", "409", "410"]
[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "409", "410", "413", "415", "422"]
"""
# Rules over several fields or over the stored state that JSON Schema cannot say; each
# operation's description says them, and a 422 for data the schema allows is right here.
CROSS_FIELD_RULES = {
    "create_engagement",  # tos_cloud only with 機密性1; My Number needs personal_data
    "ismap_candidates",  # provider or service
    "import_ismap_list",  # url, or filename with content_base64
    "vendor_save_answers",  # answers are checked against the form's questions
    "request_clarification",  # question ids of the form
    "reassign_social_owners",  # users of the organization
    "update_organization",  # policy_profile must be a loaded profile
    "create_organization",
    "create_social_account",  # owner and deputy differ, deputy and vendor of the organization
    "update_social_account",
    "vendor_submit",  # only a complete questionnaire is submitted
    "decide",  # conditions with approve_with_conditions only
    "create_vendor",  # the 法人番号's check digit
}
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@contextmanager
def loopback_only() -> Iterator[None]:
    """Names resolve to loopback only: generated webhook, ISMAP and social-media URLs never
    leave the machine, whatever the fuzzer writes into them."""
    real = socket.getaddrinfo

    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in _LOOPBACK:
            raise socket.gaierror(socket.EAI_NONAME, "fuzzing: no names but loopback")
        return real(host, *args, **kwargs)

    socket.getaddrinfo = resolve
    try:
        yield
    finally:
        socket.getaddrinfo = real


def path_ids(tenant: Tenant, path: str) -> dict[str, str]:
    """Real ids for the operation's path; `token` is the secret that path takes."""
    ids = {**tenant.ids, "organization_id": tenant.org.id}
    if path.startswith("/api/vendor/"):
        ids["token"] = tenant.vendor_link
    elif path.startswith("/api/calendar/"):
        ids["token"] = tenant.calendar_token
    else:
        ids["token"] = "not-a-link"  # confirmation links arrive by email only
    return ids


def one_run(
    strategy: Any,
    examples: int,
    headers: dict[str, str],
    base_url: str,
    session: requests.Session,
    excluded: list[Callable[..., Any]],
) -> Callable[[], None]:
    """The hypothesis test for one operation, caller and mode."""

    @seed(SEED)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        case.headers = {**(case.headers or {}), **headers}
        if not headers:
            case.headers.pop("Authorization", None)
        case.call_and_validate(
            base_url=base_url, session=session, checks=CHECKS, excluded_checks=excluded
        )

    return run  # type: ignore[no-any-return]


def fuzz(document: dict[str, Any], base_url: str, tenant: Tenant, operator_token: str) -> list[str]:
    """Run every operation as every caller; the failures, one line each."""
    schema = schemathesis.openapi.from_dict(document, config=SchemathesisConfig.from_str(CONFIG))
    callers: dict[str, dict[str, str]] = {role: tenant.org.h(role) for role in ROLES}
    callers["nobody"] = {}
    callers["operator"] = auth(operator_token)  # only where x-operator-only
    failures: list[str] = []
    session = requests.Session()
    for result in schema.get_all_operations():
        operation = result.ok()
        known = path_ids(tenant, operation.path)
        names = re.findall(r"\{(\w+)\}", operation.path)
        fixed = {name: known[name] for name in names if name in known}
        raw = operation.definition.raw
        # Only a body or a query string can be made invalid (path ids are fixed, real ones).
        takes_data = "requestBody" in raw or any(p["in"] == "query" for p in raw["parameters"])
        allowed = set(raw.get("x-roles", []))
        if raw.get("x-operator-only"):
            allowed = {"operator"}
        if not raw.get("security", [{}]):
            allowed = set(callers)  # a link route: anyone holding the link
        for caller, headers in callers.items():
            if caller == "operator" and caller not in allowed:
                continue
            # A caller the operation refuses stops at 401/403 before the data is read: one
            # valid example shows that; the callers it serves get the full budget.
            plan = [(GenerationMode.POSITIVE, EXAMPLES if caller in allowed else 1)]
            if caller in allowed and takes_data:
                plan.append((GenerationMode.NEGATIVE, EXAMPLES))
            for mode, examples in plan:
                excluded: list[Callable[..., Any]] = []
                if operation.definition.raw.get("operationId") in CROSS_FIELD_RULES:
                    excluded.append(positive_data_acceptance)
                strategy = operation.as_strategy(generation_mode=mode, path_parameters=fixed)

                run = one_run(strategy, examples, headers, base_url, session, excluded)
                try:
                    run()
                except Unsatisfiable:
                    continue  # nothing in this operation can be made invalid (no body, no query)
                except (Exception, BaseExceptionGroup) as failure:  # one line each
                    lines = [line.strip() for line in str(failure).splitlines() if line.strip()]
                    failures.append(
                        f"{operation.label} as {caller} ({mode.value}): " + " | ".join(lines[:9])
                    )
    session.close()
    return failures


async def test_fuzzing_finds_no_server_error_and_no_schema_violation(
    app: Any, client: httpx.AsyncClient, operator_token: str
) -> None:
    with loopback_only():
        tenant = await build_tenant(client, operator_token)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False)
    )
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        while not server.started:  # noqa: ASYNC110 (uvicorn offers no event to wait on)
            await asyncio.sleep(0.01)
        with loopback_only():
            failures = await asyncio.to_thread(
                fuzz, build_openapi(), f"http://127.0.0.1:{port}", tenant, operator_token
            )
    finally:
        server.should_exit = True
        await serving
        listener.close()
    assert not failures, f"{len(failures)} failure(s):\n" + "\n".join(failures)
