"""Evaluate one requirement against an engagement and answers: pure, no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cel

from service.catalog.policies import Requirement
from service.checks.models import Outcome


@dataclass(frozen=True)
class Finding:
    requirement_id: str
    outcome: Outcome
    reason: dict[str, str]  # {"ja": ..., "en": ...}
    inputs: dict[str, Any]


def _inputs(requirement: Requirement, answers: dict[str, Any]) -> dict[str, Any]:
    refs = requirement.check_expr.answer_refs
    return {name: answers.get(name) for name in sorted(refs)}


def evaluation_context(engagement: dict[str, Any], answers: dict[str, Any]) -> Any:
    """The CEL variables for one review, converted once and shared by all its requirements.

    Passing plain dicts would convert them again on every evaluation (about 100x slower).
    """
    return cel.Context(variables={"engagement": engagement, "answers": answers})


def evaluate_profile(
    requirements: Sequence[Requirement], engagement: dict[str, Any], answers: dict[str, Any]
) -> list[Finding]:
    context = evaluation_context(engagement, answers)
    return [evaluate_requirement(r, engagement, answers, context=context) for r in requirements]


def evaluate_requirement(
    requirement: Requirement,
    engagement: dict[str, Any],
    answers: dict[str, Any],
    *,
    context: Any = None,
) -> Finding:
    variables = context if context is not None else evaluation_context(engagement, answers)
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
    if result is True:
        return Finding(
            requirement.id,
            Outcome.passed,
            {"ja": "回答は要件を満たしています。", "en": "The answers meet the requirement."},
            inputs,
        )
    if result is False:
        return Finding(
            requirement.id,
            Outcome.failed,
            {"ja": requirement.fail_reason.ja, "en": requirement.fail_reason.en},
            inputs,
        )
    return Finding(
        requirement.id,
        Outcome.needs_review,
        {
            "ja": "判定式が真偽値を返しませんでした。",
            "en": f"The check gave {result!r}, not true or false.",
        },
        inputs,
    )


def evaluate_account(requirements: Sequence[Requirement], account: dict[str, Any]) -> list[Finding]:
    """Requirements about one social-media account (subject: account) over its facts."""
    context = cel.Context(variables={"account": account})
    return [_evaluate_on_account(r, account, context) for r in requirements]


def _evaluate_on_account(
    requirement: Requirement, account: dict[str, Any], context: Any
) -> Finding:
    inputs = {name: account.get(name) for name in sorted(requirement.check_expr.account_refs)}
    try:
        applies = requirement.applies_expr.evaluate(context)
        result = requirement.check_expr.evaluate(context) if applies is True else None
    except (KeyError, TypeError, RuntimeError, ValueError) as exc:
        return Finding(
            requirement.id,
            Outcome.needs_review,
            {
                "ja": f"アカウント情報から自動判定できませんでした（{exc}）。",
                "en": f"Could not check this from the account record ({exc}).",
            },
            inputs,
        )
    if applies is not True:
        return Finding(
            requirement.id,
            Outcome.not_applicable,
            {"ja": "このアカウントには適用されません。", "en": "Does not apply to this account."},
            {},
        )
    if result is True:
        return Finding(
            requirement.id,
            Outcome.passed,
            {"ja": "登録内容は要件を満たしています。", "en": "The record meets the rule."},
            inputs,
        )
    if result is False:
        return Finding(
            requirement.id,
            Outcome.failed,
            {"ja": requirement.fail_reason.ja, "en": requirement.fail_reason.en},
            inputs,
        )
    return Finding(
        requirement.id,
        Outcome.needs_review,
        {
            "ja": "判定式が真偽値を返しませんでした。",
            "en": f"The check gave {result!r}, not true or false.",
        },
        inputs,
    )
