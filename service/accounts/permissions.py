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

and what each may do (GRANTS below): procurement submits engagements, opens rounds and invites
the vendor; security asks for clarification, overrides verdicts and decides; approvers decide
their step; legal generates the contract.

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
    # What each role may do in the vetting work: the API's x-roles and the console's buttons.
    submit_engagement = "submit_engagement"  # 利用申請 (and registering its vendor)
    open_round = "open_round"  # open a review round of an engagement
    invite_vendor = "invite_vendor"  # issue the vendor's link
    manage_links = "manage_links"  # resend or revoke a vendor's link
    request_clarification = "request_clarification"  # 確認依頼
    override_verdict = "override_verdict"  # 判定の上書き
    decide = "decide"  # sign an approval step, or reject
    generate_contract = "generate_contract"  # 契約書の作成


_VETTERS = frozenset({Role.procurement, Role.security, Role.approver, Role.auditor})

GRANTS: dict[Permission, frozenset[Role]] = {
    Permission.read_answers: _VETTERS,
    Permission.read_evidence: _VETTERS,
    Permission.read_contracts: _VETTERS | {Role.legal},
    Permission.submit_engagement: frozenset({Role.procurement}),
    Permission.open_round: frozenset({Role.procurement}),
    Permission.invite_vendor: frozenset({Role.procurement}),
    Permission.manage_links: frozenset({Role.procurement, Role.security}),
    Permission.request_clarification: frozenset({Role.security}),
    Permission.override_verdict: frozenset({Role.security}),
    # Which step a decider may sign is the approval chain's rule (service.reviews.approvals).
    Permission.decide: frozenset({Role.security, Role.approver}),
    Permission.generate_contract: frozenset({Role.legal}),
}


def roles_for(permission: Permission) -> frozenset[Role]:
    return GRANTS[permission]


def may(roles: Iterable[Role], permission: Permission) -> bool:
    return not GRANTS[permission].isdisjoint(roles)
