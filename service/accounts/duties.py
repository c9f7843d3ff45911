"""Separation of duties (職務分離): each organization's rules, and the refusals that name them.

The rules are read here and enforced where the act happens: the decision and its approval chain
(service/reviews/decisions.py), verdict overrides, and the roles given to users and service
tokens (service/accounts/service.py).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field

from service.accounts.roles import Role, conflicting_pairs
from service.errors import Conflict, Forbidden
from service.request_model import RequestModel


class DutyRule(StrEnum):
    requester_cannot_decide = "requester_cannot_decide"
    distinct_consecutive_signers = "distinct_consecutive_signers"
    exclusive_roles = "exclusive_roles"


class SeparationOfDuties(RequestModel):
    """The organization's rules; the first two are on unless the organization turns them off."""

    requester_cannot_decide: bool = Field(
        default=True,
        description="the engagement's requester (who registered it) may neither override a "
        "verdict of its reviews nor sign any step of their decision / "
        "申請者は自らの案件を審査できない",
    )
    distinct_consecutive_signers: bool = Field(
        default=True,
        description="a step of the approval chain is never signed by the one who signed the "
        "step before / 連続する承認段階は別の者が署名する",
    )
    exclusive_roles: bool = Field(
        default=False,
        description="no user holds two roles that conflict (procurement with security or "
        "approver; auditor with any other role) / 兼務できない役割の組合せを禁止",
    )


class SeparationOfDutiesUpdate(RequestModel):
    requester_cannot_decide: bool | None = None
    distinct_consecutive_signers: bool | None = None
    exclusive_roles: bool | None = None

    def merged_into(self, stored: dict[str, Any]) -> dict[str, Any]:
        return {**stored, **self.model_dump(exclude_none=True)}


def duties_of(stored: dict[str, Any]) -> SeparationOfDuties:
    return SeparationOfDuties.model_validate(stored)


def requester_refusal() -> Forbidden:
    return Forbidden(
        "この案件の申請者（登録者）は、その審査の判定の上書きや決定を行えません（職務分離）。 / "
        "The requester who registered this engagement cannot override or decide its review "
        "(separation of duties: requester_cannot_decide).",
        rule=DutyRule.requester_cannot_decide,
    )


def consecutive_signer_refusal(step: int) -> Forbidden:
    return Forbidden(
        f"第{step - 1}段階に署名した者は第{step}段階に署名できません（職務分離）。 / "
        f"The one who signed step {step - 1} cannot sign step {step} "
        "(separation of duties: distinct_consecutive_signers).",
        rule=DutyRule.distinct_consecutive_signers,
    )


def check_exclusive_roles(duties: SeparationOfDuties, roles: set[Role] | frozenset[Role]) -> None:
    """409 when the organization forbids a pair of `roles` held together."""
    pairs = conflicting_pairs(roles)
    if not duties.exclusive_roles or not pairs:
        return
    named = ", ".join(f"{a.value} + {b.value}" for a, b in pairs)
    raise Conflict(
        f"一人の利用者に兼務させられない役割の組合せです: {named}（職務分離）。 / "
        f"One user may not hold these roles together: {named} "
        "(separation of duties: exclusive_roles).",
        fields={"roles": f"conflicting: {named}"},
        rule=DutyRule.exclusive_roles,
    )
