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


class ExpressionError(ValueError):
    pass


@dataclass(frozen=True)
class Expression:
    source: str
    program: Any = field(repr=False, compare=False)
    answer_refs: frozenset[str]
    account_refs: frozenset[str] = frozenset()

    def evaluate(self, variables: dict[str, Any]) -> Any:
        return self.program.execute(variables)


def compile_expression(
    source: str, *, roots: frozenset[str], known_answers: frozenset[str] | None
) -> Expression:
    """Compile `source`; refuse unknown variables, engagement fields and question ids."""
    try:
        program = cel.compile(source)
    except ValueError as exc:
        first_line = str(exc).splitlines()[0]
        raise ExpressionError(f"CEL syntax error in {source!r}: {first_line}") from None
    variables = set(program.references()["variables"])
    unknown = variables - roots - set(_MACRO_BINDING.findall(source))
    if unknown:
        raise ExpressionError(f"unknown variable(s) {sorted(unknown)} in {source!r}")
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
    return Expression(
        source=source,
        program=program,
        answer_refs=frozenset(answer_refs),
        account_refs=frozenset(account_refs),
    )
