"""Audit API: verify the organization's hash chain."""

from __future__ import annotations

from pydantic import BaseModel

from service.accounts.principal import Principal
from service.accounts.roles import Role
from service.audit.service import verify_chain
from service.routing import endpoint


class ChainReportOut(BaseModel):
    ok: bool
    events: int
    first_broken_seq: int | None
    problem: str


@endpoint(
    "GET",
    "/api/audit/verification",
    summary="Verify the audit hash chain / 監査証跡の検証",
    tag="audit",
    roles={Role.auditor, Role.admin},
)
async def verify_audit_chain(principal: Principal) -> ChainReportOut:
    report = await verify_chain(principal.organization_id)
    return ChainReportOut(
        ok=report.ok,
        events=report.events,
        first_broken_seq=report.first_broken_seq,
        problem=report.problem,
    )
