"""Evaluate one requirement against an engagement and answers: pure, no I/O.

Registry look-ups (`ismap(…)`) answer from data the caller loaded beforehand (RegistryLookups).
"""

from __future__ import annotations

import re
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
ACCOUNT_PASSED_REASON = {
    "ja": "登録内容は要件を満たしています。",
    "en": "The record meets the rule.",
}


@dataclass(frozen=True)
class Finding:
    requirement_id: str
    outcome: Outcome
    reason: dict[str, str]  # {"ja": ..., "en": ...}
    inputs: dict[str, Any]


# What `\s` matches in CEL's (Rust) regular expressions: the Unicode White_Space property, so
# that filled() answers exactly what `matches(r'\S')` would.
_WHITE_SPACE = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def filled(value: object) -> bool:
    """CEL `filled(text)`: some character that is not white space (TEXT_FUNCTIONS)."""
    if not isinstance(value, str):
        raise TypeError(f"filled() takes text, not {type(value).__name__}")
    return any(c not in _WHITE_SPACE for c in value)


# The implementations of service.catalog.expressions.TEXT_FUNCTIONS, by name.
_TEXT_FUNCTIONS = {"filled": filled}


@dataclass(frozen=True, slots=True)
class _Step:
    """What evaluating one requirement needs, read once off the pydantic model.

    Reading a model's private attributes goes through pydantic's __getattr__ (microseconds
    each); a profile of 60 requirements evaluated for 100,000 reviews would pay that millions
    of times.
    """

    requirement_id: str
    applies: Any  # compiled CEL programs
    check: Any
    answer_refs: tuple[str, ...]
    fail_reason: dict[str, str]
    uses_lookups: bool

    @classmethod
    def of(cls, requirement: Requirement) -> _Step:
        check = requirement.check_expr
        return cls(
            requirement_id=requirement.id,
            applies=requirement.applies_expr.program,
            check=check.program,
            answer_refs=tuple(sorted(check.answer_refs)),
            fail_reason={"ja": requirement.fail_reason.ja, "en": requirement.fail_reason.en},
            uses_lookups=bool(check.lookups),
        )


@dataclass(frozen=True, slots=True)
class _ProfilePlan:
    steps: list[_Step]
    # The answers any check reads by name; None when one reads `answers` some other way.
    # Converting only those to CEL costs a fifth of converting every answer.
    answer_refs: frozenset[str] | None

    def answers_for(self, answers: dict[str, Any]) -> dict[str, Any]:
        if self.answer_refs is None:
            return answers
        return {name: answers[name] for name in self.answer_refs if name in answers}


_OTHER_ANSWERS_USE = re.compile(r"\banswers\b(?!\s*\.\s*[A-Za-z_])")
# Plans per requirement list (a profile's list lives as long as its catalog).
_plans: dict[int, tuple[Sequence[Requirement], _ProfilePlan]] = {}


def _plan(requirements: Sequence[Requirement]) -> _ProfilePlan:
    cached = _plans.get(id(requirements))
    if cached is not None and cached[0] is requirements:
        return cached[1]
    if len(_plans) > 64:  # catalogs reloaded many times: forget the old ones
        _plans.clear()
    steps = [_Step.of(r) for r in requirements]
    by_name = all(
        not _OTHER_ANSWERS_USE.search(source)
        for r in requirements
        for source in (r.applies_if, r.check)
    )
    refs = frozenset(name for step in steps for name in step.answer_refs)
    plan = _ProfilePlan(steps, refs if by_name else None)
    _plans[id(requirements)] = (requirements, plan)
    return plan


def answers_read(requirements: Sequence[Requirement]) -> frozenset[str] | None:
    """The answers evaluate_profile reads for these requirements (None: possibly any)."""
    return _plan(requirements).answer_refs


def evaluation_context(
    engagement: dict[str, Any], answers: dict[str, Any], lookups: RegistryLookups
) -> Any:
    """The CEL variables for one review, converted once and shared by all its requirements.

    Passing plain dicts would convert them again on every evaluation (about 100x slower).
    """
    return cel.Context(
        variables={"engagement": engagement, "answers": answers},
        functions={**_TEXT_FUNCTIONS, **lookups.functions()},
    )


def evaluate_profile(
    requirements: Sequence[Requirement],
    engagement: dict[str, Any],
    answers: dict[str, Any],
    *,
    lookups: RegistryLookups | None = None,
) -> list[Finding]:
    lookups = lookups or RegistryLookups()
    plan = _plan(requirements)
    context = evaluation_context(engagement, plan.answers_for(answers), lookups)
    return [_evaluate(step, answers, context, lookups) for step in plan.steps]


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
    return _evaluate(_Step.of(requirement), answers, context, lookups)


def _evaluate(
    step: _Step, answers: dict[str, Any], variables: Any, lookups: RegistryLookups | None
) -> Finding:
    try:
        applies = step.applies.execute(variables)
    except (KeyError, TypeError, RuntimeError, ValueError) as exc:
        return Finding(
            step.requirement_id,
            Outcome.needs_review,
            {
                "ja": f"適用条件を評価できませんでした（{exc}）。",
                "en": f"Could not evaluate whether this applies ({exc}).",
            },
            {},
        )
    if applies is not True:
        return Finding(
            step.requirement_id,
            Outcome.not_applicable,
            {"ja": "この案件には適用されません。", "en": "Does not apply to this engagement."},
            {},
        )
    inputs = {name: answers.get(name) for name in step.answer_refs}
    if step.uses_lookups and lookups is not None:
        lookups.take_calls()  # a look-up of an earlier requirement is not this one's
    try:
        result = step.check.execute(variables)
    except KeyError:
        missing = sorted(name for name, value in inputs.items() if value is None)
        return Finding(
            step.requirement_id,
            Outcome.needs_review,
            {
                "ja": f"判定に必要な回答がありません: {', '.join(missing)}",
                "en": f"Answers needed for this check are missing: {', '.join(missing)}",
            },
            inputs,
        )
    except (TypeError, RuntimeError, ValueError) as exc:
        return Finding(
            step.requirement_id,
            Outcome.needs_review,
            {
                "ja": f"自動判定できませんでした（{exc}）。",
                "en": f"Could not check automatically ({exc}).",
            },
            inputs,
        )
    calls = lookups.take_calls() if step.uses_lookups and lookups is not None else []
    if calls:
        inputs[ISMAP_INPUT] = [call.as_input() for call in calls]
        if any(call.status is None for call in calls):
            # Without a list, "not listed" would be a guess: a person decides.
            reason = {"ja": NO_LIST_REASON.ja, "en": NO_LIST_REASON.en}
            return Finding(step.requirement_id, Outcome.needs_review, reason, inputs)
    if calls:
        passed, failed = _with_lookups(PASSED_REASON, calls), _with_lookups(step.fail_reason, calls)
    else:
        passed, failed = PASSED_REASON, step.fail_reason
    return _judged(step.requirement_id, result, inputs, passed=passed, failed=failed)


def _judged(
    requirement_id: str,
    result: Any,
    inputs: dict[str, Any],
    *,
    passed: dict[str, str],
    failed: dict[str, str],
) -> Finding:
    """The verdict a check's result gives: true passes, false fails, anything else is a person's."""
    if result is True:
        return Finding(requirement_id, Outcome.passed, dict(passed), inputs)
    if result is False:
        return Finding(requirement_id, Outcome.failed, dict(failed), inputs)
    return Finding(
        requirement_id,
        Outcome.needs_review,
        {
            "ja": "判定式が真偽値を返しませんでした。",
            "en": f"The check gave {result!r}, not true or false.",
        },
        inputs,
    )


def evaluate_account(requirements: Sequence[Requirement], account: dict[str, Any]) -> list[Finding]:
    """Requirements about one social-media account (subject: account) over its facts."""
    context = cel.Context(variables={"account": account}, functions=_TEXT_FUNCTIONS)
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
    return _judged(
        requirement.id,
        result,
        inputs,
        passed=ACCOUNT_PASSED_REASON,
        failed={"ja": requirement.fail_reason.ja, "en": requirement.fail_reason.en},
    )
