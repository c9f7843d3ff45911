"""The layers of the code (README, "Code layout") hold, and domains meet only at their front doors.

The layer order and the absence of import circles are import-linter contracts in pyproject.toml
(`make check` runs them; so does the first test here). The second test adds what import-linter
cannot say: a domain imports another domain's `service`, `models` and `schemas` only, plus the
few modules listed in PUBLIC_MODULES, never its other (helper) modules.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
FRONT_DOOR = {"service", "models", "schemas"}
# More modules a domain offers to the others, and why.
PUBLIC_MODULES: dict[str, set[str]] = {
    # Who is calling and what they may do: the principal, its roles, the read permissions, the
    # separation of duties, and the tokens routing authenticates.
    "accounts": {"principal", "roles", "permissions", "duties", "tokens"},
    # The content read from forms/, policies/ and contract_templates/: its types and the loader.
    "catalog": {
        "loader",
        "reload",
        "forms",
        "policies",
        "contract_templates",
        "base_document",
        "expressions",
        "text",
        "answer_ids",
    },
    # The pure state table every domain that moves a review consults.
    "reviews": {"states"},
    # The upload stream and the content check that the vendor portal drives.
    "evidence": {"storage", "inspect"},
    # The ISMAP registry index the checks look services up in.
    "ismap": {"matching", "text"},
    # The address check a webhook registration runs before any delivery.
    "outbox": {"webhooks"},
    # The vendor portal's web pieces the staff console shares (server-side sessions with their
    # CSRF token, the page renderer, the word lists); they are to move to one web package.
    "portal": {"sessions", "rendering", "i18n", "view"},
    # The console's sign-in steps: the second factor and the staff session.
    "signin": {"mfa", "sessions"},
}
# Entry points wire everything: they may import any module (endpoints, actors, reports); so do
# migrations, which name the enums of the models they create.
SKIPPED = {"service.app", "service.cli", "service.openapi", "service.migrations", "workers"}


def _domain(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "service" or len(parts) < 3 or parts[1] == "migrations":
        return None
    return parts[1]


def test_the_import_contracts_hold() -> None:
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def helper_reaches(graph: grimp.ImportGraph) -> list[str]:
    reaches = []
    for importer in sorted(graph.modules):
        if any(importer == e or importer.startswith(e + ".") for e in SKIPPED):
            continue
        for imported in graph.find_modules_directly_imported_by(importer):
            domain = _domain(imported)
            if domain is None or domain == _domain(importer):
                continue
            name = imported.split(".")[2]
            if name in FRONT_DOOR or name in PUBLIC_MODULES.get(domain, set()):
                continue
            reaches.append(f"{importer} -> {imported}")
    return reaches


def test_domains_import_only_the_front_door_of_another() -> None:
    graph = grimp.build_graph("service", "workers", exclude_type_checking_imports=True)
    assert helper_reaches(graph) == [], "import the domain's service, models or schemas instead"


def test_a_reach_into_a_helper_module_is_named() -> None:
    graph = grimp.ImportGraph()
    for importer, imported in [
        ("service.social.rules", "service.checks.evaluate"),  # a helper: refused
        ("service.social.rules", "service.checks.service"),  # the front door
        ("service.social.rules", "service.reviews.states"),  # declared public
        ("service.checks.service", "service.checks.evaluate"),  # inside the domain
        ("service.app", "service.checks.endpoints"),  # an entry point wires routes
    ]:
        graph.add_import(importer=importer, imported=imported)
    assert helper_reaches(graph) == ["service.social.rules -> service.checks.evaluate"]
