"""What each role may read of the vetting work: the one rule the API and the staff console share.

Endpoints declare `roles=roles_for(Permission.…)`, so the OpenAPI document's `x-roles` is this
table; a console asks `may(principal.roles, Permission.…)` before it shows a thing.

| role        | answers, verdicts | evidence files | contracts |
|-------------|-------------------|----------------|-----------|
| admin       | no                | no             | no        |
| procurement | yes               | yes            | yes       |
| security    | yes               | yes            | yes       |
| approver    | yes               | yes            | yes       |
| legal       | no                | no             | yes       |
| auditor     | yes               | yes            | yes       |

The admin manages accounts and settings, not the work; legal works from the contract, which
carries every value it uses from the answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from service.accounts.roles import Role


class Permission(StrEnum):
    # The vendor's answers and what was found in them: submissions, verdicts (their inputs quote
    # the answers) and evaluations.
    read_answers = "read_answers"
    read_evidence = "read_evidence"  # the files the vendor uploaded
    read_contracts = "read_contracts"  # generated contracts, their values and documents


_VETTERS = frozenset({Role.procurement, Role.security, Role.approver, Role.auditor})

GRANTS: dict[Permission, frozenset[Role]] = {
    Permission.read_answers: _VETTERS,
    Permission.read_evidence: _VETTERS,
    Permission.read_contracts: _VETTERS | {Role.legal},
}


def roles_for(permission: Permission) -> frozenset[Role]:
    return GRANTS[permission]


def may(roles: Iterable[Role], permission: Permission) -> bool:
    return not GRANTS[permission].isdisjoint(roles)
