"""contract_changes: what changed between two stored versions."""

from __future__ import annotations

from typing import Any

from service.contracts.diff import contract_changes


def clause(part: str, cid: str, version: int = 1, variant: str = "") -> dict[str, Any]:
    return {
        "part": part,
        "id": cid,
        "version": version,
        "variant": variant,
        "title": f"{cid}の表題",
        "mandated_by": [],
    }


def test_added_removed_changed_values_and_conditions() -> None:
    old = [clause("t", "K01"), clause("t", "K08", variant="prohibited"), clause("t", "K13")]
    new = [
        clause("t", "K01", version=2),
        clause("t", "K08", variant="named"),
        clause("t", "K13"),
        clause("pd", "PK02"),
    ]
    changes = contract_changes(
        old_clauses=[*old, clause("t", "GN02")],
        new_clauses=new,
        old_values={"a": "1", "b": "x", "gone": "y", "list": ["p"]},
        new_values={"a": "1", "b": "z", "new": "w", "list": ["p", "q"]},
        old_conditions=["条件A", "条件B"],
        new_conditions=["条件B", "条件C"],
        old_parts=[{"id": "t", "version": 2, "title": "T"}],
        new_parts=[
            {"id": "t", "version": 3, "title": "T"},
            {"id": "pd", "version": 1, "title": "P"},
        ],
    )
    assert [(c["part"], c["id"]) for c in changes.clauses_added] == [("pd", "PK02")]
    assert [(c["part"], c["id"]) for c in changes.clauses_removed] == [("t", "GN02")]
    assert changes.clauses_changed == [
        {
            "part": "t",
            "id": "K01",
            "title": "K01の表題",
            "from_version": 1,
            "to_version": 2,
            "from_variant": "",
            "to_variant": "",
        },
        {
            "part": "t",
            "id": "K08",
            "title": "K08の表題",
            "from_version": 1,
            "to_version": 1,
            "from_variant": "prohibited",
            "to_variant": "named",
        },
    ]
    assert changes.values_changed == [
        {"name": "b", "old": "x", "new": "z"},
        {"name": "gone", "old": "y", "new": None},
        {"name": "list", "old": ["p"], "new": ["p", "q"]},
        {"name": "new", "old": None, "new": "w"},
    ]
    assert changes.conditions_added == ["条件C"]
    assert changes.conditions_removed == ["条件A"]
    assert changes.parts_changed == [{"id": "t", "from_version": 2, "to_version": 3}]


def test_a_version_compared_with_itself_has_no_changes() -> None:
    clauses = [clause("t", "K01"), clause("t", "K08", variant="named")]
    changes = contract_changes(
        old_clauses=clauses,
        new_clauses=clauses,
        old_values={"a": "1"},
        new_values={"a": "1"},
        old_conditions=["c"],
        new_conditions=["c"],
        old_parts=[{"id": "t", "version": 1, "title": "T"}],
        new_parts=[{"id": "t", "version": 1, "title": "T"}],
    )
    assert not any(vars(changes).values())
