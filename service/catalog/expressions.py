"""CEL expressions in data files: compiled once, with the names they read checked at load."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import cel

ALLOWED_ROOTS = frozenset({"answers", "engagement", "account"})
ENGAGEMENT_FIELDS = frozenset(
    {
        "kind",
        "supplier_type",
        "confidentiality",
        "integrity",
        "availability",
        "personal_data",
        "my_number",
        "network_segment",
        "subcontracting",
        "term_months",
    }
)
# What an `account` requirement (subject: account) may read: one official social-media account
# as service.social.rules.account_facts builds it. Dates are ISO strings, day counts are ints.
ACCOUNT_FIELDS = frozenset(
    {
        "platform",
        "status",
        "has_procedure_doc",
        "has_hijack_runbook",
        "listing_page_url",
        "profile_names_org",
        "mfa_enabled",
        "mfa_method",
        "login_identifier_type",
        "credential_custodian",
        "recovery_contacts_org_owned",
        "allowed_content_categories",
        "allowed_content_text",
        "posts_within_scope_attested",
        "owner_active",
        "owner_in_organization",
        "a2_use",
        "mirror_page_url",
        "outsourced",
        "operator_vendor_id",
        "operator_engagement_approved",
        "days_since_last_post",
        "dormancy_days",
        "tos_reviewed_at",
        "days_since_tos_review",
        "uses_url_shortener",
    }
)
_FIELD_REF = re.compile(r"\b(answers|engagement|account)\.([A-Za-z_][A-Za-z0-9_]*)")
# Macros bind their own names (`answers.x.exists(f, f == 'csv')`); those are not unknown.
_MACRO_BINDING = re.compile(r"\.(?:all|exists|exists_one|map|filter)\(\s*([A-Za-z_]\w*)\s*,")
# Registry look-ups a requirement's check may call, by name and number of arguments. The checks
# domain implements them over data loaded before evaluation (service/checks/lookups.py), so
# evaluating stays pure: `ismap(answers.ismap_registration).valid`.
LOOKUP_FUNCTIONS = {"ismap": 1}
# Pure helpers policy requirements may call (service/checks/evaluate.py implements them).
# `filled(answers.x)`: answered with some text that is not all white space. CEL's
# `matches(r'\S')` says the same but compiles its regular expression again on every call
# (40–80 µs; 24 checks of base v2 use the test).
TEXT_FUNCTIONS = {"filled": 1}
# CEL's own functions (operators are named `_op_`, `!_` or `@…` and are always allowed).
_STANDARD_FUNCTIONS = frozenset(
    {
        "size", "contains", "startsWith", "endsWith", "matches", "int", "uint", "double",
        "string", "bytes", "bool", "dyn", "type", "timestamp", "duration", "max", "min",
        "getFullYear", "getMonth", "getDayOfYear", "getDayOfMonth", "getDate", "getDayOfWeek",
        "getHours", "getMinutes", "getSeconds", "getMilliseconds",
    }
)  # fmt: skip


class ExpressionError(ValueError):
    pass


@dataclass(frozen=True)
class Expression:
    source: str
    program: Any = field(repr=False, compare=False)
    answer_refs: frozenset[str]
    account_refs: frozenset[str] = frozenset()
    lookups: frozenset[str] = frozenset()  # the LOOKUP_FUNCTIONS it calls

    def evaluate(self, variables: dict[str, Any]) -> Any:
        return self.program.execute(variables)


def compile_expression(
    source: str,
    *,
    roots: frozenset[str],
    known_answers: frozenset[str] | None,
    functions: frozenset[str] = frozenset(),
) -> Expression:
    """Compile `source`; refuse unknown variables, engagement fields, question ids and functions.

    `functions` names the look-ups of LOOKUP_FUNCTIONS this expression may call.
    """
    try:
        program = cel.compile(source)
    except ValueError as exc:
        first_line = str(exc).splitlines()[0]
        raise ExpressionError(f"CEL syntax error in {source!r}: {first_line}") from None
    variables = set(program.references()["variables"])
    unknown = variables - roots - set(_MACRO_BINDING.findall(source))
    if unknown:
        raise ExpressionError(f"unknown variable(s) {sorted(unknown)} in {source!r}")
    _check_functions(source, set(program.references()["functions"]), functions)
    answer_refs: set[str] = set()
    account_refs: set[str] = set()
    for root, name in _FIELD_REF.findall(source):
        if root == "engagement" and name not in ENGAGEMENT_FIELDS:
            raise ExpressionError(f"unknown engagement field '{name}' in {source!r}")
        if root == "account" and name not in ACCOUNT_FIELDS:
            raise ExpressionError(f"unknown account field '{name}' in {source!r}")
        if root == "account":
            account_refs.add(name)
        if root == "answers":
            if known_answers is not None and name not in known_answers:
                raise ExpressionError(f"unknown question '{name}' in {source!r}")
            answer_refs.add(name)
    called = frozenset(program.references()["functions"]) & LOOKUP_FUNCTIONS.keys()
    return Expression(
        source=source,
        program=program,
        answer_refs=frozenset(answer_refs),
        account_refs=frozenset(account_refs),
        lookups=called,
    )


def _check_functions(source: str, called: set[str], allowed: frozenset[str]) -> None:
    for name in sorted(called):
        if name[0] in "_!@" or name in _STANDARD_FUNCTIONS:
            continue
        arity = TEXT_FUNCTIONS.get(name) or LOOKUP_FUNCTIONS.get(name)
        if arity is None:
            raise ExpressionError(f"unknown function '{name}' in {source!r}")
        if name not in allowed:
            where = "a requirement's check" if name in LOOKUP_FUNCTIONS else "policy requirements"
            raise ExpressionError(f"'{name}()' may only be used in {where}")
        # Count the arguments of each call: `ismap(a, b)` compiles, but would fail at run time.
        for arguments in re.findall(rf"\b{name}\(([^()]*)\)", source):
            given = len([a for a in arguments.split(",") if a.strip()])
            if given != arity:
                raise ExpressionError(
                    f"'{name}()' takes {arity} argument(s), not {given}, in {source!r}"
                )
