"""What changed between two stored contract versions (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ContractChanges:
    clauses_added: list[dict[str, Any]] = field(default_factory=list)
    clauses_removed: list[dict[str, Any]] = field(default_factory=list)
    # {part, id, title, from_version, to_version, from_variant, to_variant}
    clauses_changed: list[dict[str, Any]] = field(default_factory=list)
    # {name, old, new}; None on one side when the value is used only by the other version.
    values_changed: list[dict[str, Any]] = field(default_factory=list)
    conditions_added: list[str] = field(default_factory=list)
    conditions_removed: list[str] = field(default_factory=list)
    # {id, from_version, to_version}; a part added or removed shows in its clauses.
    parts_changed: list[dict[str, Any]] = field(default_factory=list)


def _key(clause: dict[str, Any]) -> tuple[str, str]:
    return (str(clause.get("part", "")), str(clause["id"]))


def _brief(clause: dict[str, Any]) -> dict[str, Any]:
    return {
        "part": clause.get("part", ""),
        "id": clause["id"],
        "version": clause["version"],
        "variant": clause.get("variant", ""),
        "title": clause.get("title", ""),
    }


def contract_changes(
    *,
    old_clauses: list[dict[str, Any]],
    new_clauses: list[dict[str, Any]],
    old_values: dict[str, Any],
    new_values: dict[str, Any],
    old_conditions: list[str],
    new_conditions: list[str],
    old_parts: list[dict[str, Any]],
    new_parts: list[dict[str, Any]],
) -> ContractChanges:
    """Clauses added, removed or changed (version or variant), values and conditions changed."""
    old = {_key(c): c for c in old_clauses}
    new = {_key(c): c for c in new_clauses}
    changed = []
    for key, clause in new.items():
        before = old.get(key)
        if before is None:
            continue
        if (before["version"], before.get("variant", "")) != (
            clause["version"],
            clause.get("variant", ""),
        ):
            changed.append(
                {
                    "part": key[0],
                    "id": key[1],
                    "title": clause.get("title", ""),
                    "from_version": before["version"],
                    "to_version": clause["version"],
                    "from_variant": before.get("variant", ""),
                    "to_variant": clause.get("variant", ""),
                }
            )
    values = [
        {"name": name, "old": old_values.get(name), "new": new_values.get(name)}
        for name in sorted(set(old_values) | set(new_values))
        if old_values.get(name) != new_values.get(name)
    ]
    old_part_versions = {p["id"]: p["version"] for p in old_parts}
    parts = [
        {"id": p["id"], "from_version": old_part_versions[p["id"]], "to_version": p["version"]}
        for p in new_parts
        if p["id"] in old_part_versions and old_part_versions[p["id"]] != p["version"]
    ]
    return ContractChanges(
        clauses_added=[_brief(c) for k, c in new.items() if k not in old],
        clauses_removed=[_brief(c) for k, c in old.items() if k not in new],
        clauses_changed=changed,
        values_changed=values,
        conditions_added=[c for c in new_conditions if c not in old_conditions],
        conditions_removed=[c for c in old_conditions if c not in new_conditions],
        parts_changed=parts,
    )
