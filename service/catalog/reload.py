"""Re-read forms/, policies/ and contract_templates/ in a running service, keeping the last good.

A broken file leaves the installed catalog in place and names file, item and problem; a good
set is installed whole (never one folder without the others) and reported with the versions it
added or dropped. The catalog lives in the process's memory: with several API processes
(`--workers`, replicas), each must be asked, or restarted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from service.catalog.loader import Catalog, current_catalog, install_catalog, load_catalog
from service.config import Settings, get_settings
from service.errors import CatalogError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CatalogProblem:
    file: str
    item: str | None
    problem: str


@dataclass
class ReloadResult:
    installed: bool
    problem: CatalogProblem | None = None
    # "id@version" of what appeared or went away, per kind: forms, profiles, templates.
    added: dict[str, list[str]] = field(default_factory=dict)
    removed: dict[str, list[str]] = field(default_factory=dict)
    # Profiles whose latest version is now newer: id -> version (what re-evaluation moves to).
    newer_profiles: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def _keys(items: dict[tuple[str, int], object]) -> set[str]:
    return {f"{item_id}@{version}" for item_id, version in items}


def _difference(old: Catalog, new: Catalog) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    added: dict[str, list[str]] = {}
    removed: dict[str, list[str]] = {}
    for kind, before, after in (
        ("forms", old.forms, new.forms),
        ("profiles", old.profiles, new.profiles),
        ("templates", old.templates, new.templates),
    ):
        added[kind] = sorted(_keys(after) - _keys(before))  # type: ignore[arg-type]
        removed[kind] = sorted(_keys(before) - _keys(after))  # type: ignore[arg-type]
    return added, removed


def reload_catalog(settings: Settings | None = None) -> ReloadResult:
    """Load the data folders again; install them only if every file is good."""
    settings = settings or get_settings()
    old = current_catalog()
    try:
        new = load_catalog(settings)
    except CatalogError as exc:
        log.error("catalog reload refused, keeping the current catalog: %s", exc)
        return ReloadResult(
            installed=False, problem=CatalogProblem(exc.file, exc.item, exc.problem)
        )
    added, removed = _difference(old, new)
    newer: dict[str, int] = {}
    for profile_id in sorted({pid for pid, _ in new.profiles}):
        latest, before = new.latest_profile(profile_id), old.latest_profile(profile_id)
        if latest is not None and (before is None or latest.version > before.version):
            newer[profile_id] = latest.version
    install_catalog(new)
    log.info("catalog reloaded: added %s, removed %s", added, removed)
    return ReloadResult(
        installed=True,
        added=added,
        removed=removed,
        newer_profiles=newer,
        counts={
            "forms": len(new.forms),
            "profiles": len(new.profiles),
            "templates": len(new.templates),
        },
    )
