"""Roles a user may hold inside an organization, and which roles never go together."""

from __future__ import annotations

from enum import StrEnum
from itertools import combinations


class Role(StrEnum):
    admin = "admin"  # users, tokens, organization settings; not the vetting work itself
    procurement = "procurement"  # 業務主管課: vendors, engagements, review rounds, invitations
    security = "security"  # 情報セキュリティ管理者: overrides, decisions
    approver = "approver"  # 課長, CISO: decisions
    legal = "legal"  # 契約担当: contracts
    auditor = "auditor"  # 監査: reads the work and verifies the audit trail


EVERYONE = frozenset(Role)

# A service token acts for a system, not a person: never the roles that sign decisions and
# overrides (security, approver), which separation of duties counts per person, nor admin, which
# would let a machine manage users and mint tokens.
SERVICE_TOKEN_ROLES = frozenset({Role.procurement, Role.legal, Role.auditor})

# Pairs one user may not hold together where the organization turns on `exclusive_roles`:
# the requester against those who judge the request, and the auditor against everyone it audits.
CONFLICTING_ROLES: frozenset[frozenset[Role]] = frozenset(
    {
        frozenset({Role.procurement, Role.security}),
        frozenset({Role.procurement, Role.approver}),
        *(frozenset({Role.auditor, other}) for other in Role if other != Role.auditor),
    }
)


def conflicting_pairs(roles: set[Role] | frozenset[Role]) -> list[tuple[Role, Role]]:
    """The pairs of `roles` that CONFLICTING_ROLES forbids together, in a stable order."""
    ordered = sorted(roles, key=list(Role).index)
    return [(a, b) for a, b in combinations(ordered, 2) if frozenset({a, b}) in CONFLICTING_ROLES]
