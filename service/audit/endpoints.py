"""Audit API: verify the organization's chain; where its checkpoints are sent."""

from __future__ import annotations

from uuid import UUID

from service.accounts.principal import Principal
from service.accounts.roles import Role
from service.audit import checkpoints
from service.audit.schemas import (
    AuditSettingsOut,
    AuditSettingsUpdate,
    ChainReportOut,
    CheckpointOut,
)
from service.audit.verification import verify_chain
from service.routing import endpoint


@endpoint(
    "GET",
    "/api/audit/verification",
    summary="Verify the audit hash chain and its latest checkpoint / 監査証跡の検証",
    tag="audit",
    roles={Role.auditor, Role.admin},
)
async def verify_audit_chain(principal: Principal) -> ChainReportOut:
    report = await verify_chain(principal.organization_id)
    checkpoint = report.checkpoint
    return ChainReportOut(
        ok=report.ok,
        events=report.events,
        first_broken_seq=report.first_broken_seq,
        problem=report.problem,
        unkeyed_events=report.unkeyed_events,
        head_seq=report.head_seq,
        head_hash=report.head_hash,
        truncated=report.truncated,
        latest_checkpoint=(
            CheckpointOut.model_validate(checkpoint.as_dict()) if checkpoint else None
        ),
    )


@endpoint(
    "GET",
    "/api/organizations/{organization_id}/checkpoint-settings",
    summary="Where the audit chain's checkpoints are e-mailed / 監査チェックポイントの送付先",
    tag="audit",
    roles={Role.auditor, Role.admin},
)
async def get_audit_settings(principal: Principal, organization_id: UUID) -> AuditSettingsOut:
    email = await checkpoints.get_checkpoint_email(principal, str(organization_id))
    return AuditSettingsOut(checkpoint_email=email or None)


@endpoint(
    "PATCH",
    "/api/organizations/{organization_id}/checkpoint-settings",
    summary="Choose where the audit chain's checkpoints are e-mailed / 送付先の変更",
    tag="audit",
    roles={Role.admin},
)
async def update_audit_settings(
    principal: Principal, organization_id: UUID, body: AuditSettingsUpdate
) -> AuditSettingsOut:
    email = await checkpoints.set_checkpoint_email(
        principal, str(organization_id), str(body.checkpoint_email or "")
    )
    return AuditSettingsOut(checkpoint_email=email or None)
