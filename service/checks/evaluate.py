"""Evaluate one requirement against an engagement and answers: pure, no I/O.

Registry look-ups (`ismap(…)`) answer from data the caller loaded beforehand (RegistryLookups).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cel

from service.catalog.policies import Requirement
from service.checks.lookups import NO_LIST_REASON, IsmapLookup, RegistryLookups
from service.checks.models import Outcome

# Where a verdict's inputs keep the registry look-ups its check made (beside the answers read).
ISMAP_INPUT = "ismap_lookups"
PASSED_REASON = {"ja": "回答は要件を満たしています。", "en": "The answers meet the requirement."}


@dataclass(frozen=True)
class Finding:
    requirement_id: str
    outcome: Outcome
    reason: dict[str, str]  # {"ja": ..., "en": ...}
    inputs: dict[str, Any]


def _inputs(requirement: Requirement, answers: dict[str, Any]) -> dict[str, Any]:
    refs = requirement.check_expr.answer_refs
    return {name: answers.get(name) for name in sorted(refs)}


def evaluation_context(
    engagement: dict[str, Any], answers: dict[str, Any], lookups: RegistryLookups
) -> Any:
    """The CEL variables for one review, converted once and shared by all its requirements.

    Passing plain dicts would convert them again on every evaluation (about 100x slower).
    """
    return cel.Context(
        variables={"engagement": engagement, "answers": answers}, functions=lookups.functions()
    )


def evaluate_profile(
    requirements: Sequence[Requirement],
    engagement: dict[str, Any],
    answers: dict[str, Any],
    *,
    lookups: RegistryLookups | None = None,
) -> list[Finding]:
    lookups = lookups or RegistryLookups()
    context = evaluation_context(engagement, answers, lookups)
    return [
        evaluate_requirement(r, engagement, answers, context=context, lookups=lookups)
        for r in requirements
    ]


def _with_lookups(reason: dict[str, str], calls: list[IsmapLookup]) -> dict[str, str]:
    """The reason followed by what each look-up found, naming the snapshot it was matched on."""
    return {
        "ja": "".join([reason["ja"], *(c.reason.ja for c in calls)]),
        "en": " ".join([reason["en"], *(c.reason.en + "." for c in calls)]),
    }


def evaluate_requirement(
    requirement: Requirement,
    engagement: dict[str, Any],
    answers: dict[str, Any],
    *,
    context: Any = None,
    lookups: RegistryLookups | None = None,
) -> Finding:
    """One verdict; `context` (from evaluation_context) must have been built over `lookups`."""
    if context is None:
        lookups = lookups or RegistryLookups()
        context = evaluation_context(engagement, answers, lookups)
    variables = context
    try:
        applies = requirement.applies_expr.evaluate(variables)
    except (KeyError, TypeError, RuntimeError, ValueError) as exc:
        return Finding(
            requirement.id,
            Outcome.needs_review,
            {
                "ja": f"適用条件を評価できませんでした（{exc}）。",
                "en": f"Could not evaluate whether this applies ({exc}).",
            },
            {},
        )
    if applies is not True:
        return Finding(
            requirement.id,
            Outcome.not_applicable,
            {"ja": "この案件には適用されません。", "en": "Does not apply to this engagement."},
            {},
        )
    inputs = _inputs(requirement, answers)
    if lookups is not None:
        lookups.take_calls()  # a look-up of an earlier requirement is not this one's
    try:
        result = requirement.check_expr.evaluate(variables)
    except KeyError:
        missing = sorted(name for name, value in inputs.items() if value is None)
        return Finding(
            requirement.id,
            Outcome.needs_review,
            {
                "ja": f"判定に必要な回答がありません: {', '.join(missing)}",
                "en": f"Answers needed for this check are missing: {', '.join(missing)}",
            },
            inputs,
        )
    except (TypeError, RuntimeError, ValueError) as exc:
        return Finding(
            requirement.id,
            Outcome.needs_review,
            {
                "ja": f"自動判定できませんでした（{exc}）。",
                "en": f"Could not check automatically ({exc}).",
            },
            inputs,
        )
    calls = lookups.take_calls() if lookups is not None else []
    if calls:
        inputs[ISMAP_INPUT] = [call.as_input() for call in calls]
        if any(call.status is None for call in calls):
            # Without a list, "not listed" would be a guess: a person decides.
            reason = {"ja": NO_LIST_REASON.ja, "en": NO_LIST_REASON.en}
            return Finding(requirement.id, Outcome.needs_review, reason, inputs)
    if result is True:
        return Finding(requirement.id, Outcome.passed, _with_lookups(PASSED_REASON, calls), inputs)
    if result is False:
        fail_reason = {"ja": requirement.fail_reason.ja, "en": requirement.fail_reason.en}
        return Finding(requirement.id, Outcome.failed, _with_lookups(fail_reason, calls), inputs)
    return Finding(
        requirement.id,
        Outcome.needs_review,
        {
            "ja": "判定式が真偽値を返しませんでした。",
            "en": f"The check gave {result!r}, not true or false.",
        },
        inputs,
    )
