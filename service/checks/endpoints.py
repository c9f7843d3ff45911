"""Checks API: re-evaluating an organization's reviews under the latest profile versions, and
each review's evaluations."""

from __future__ import annotations

from uuid import UUID

from service.accounts.permissions import Permission, roles_for
from service.accounts.principal import Principal
from service.accounts.roles import Role
from service.checks import service
from service.checks.reevaluation import ReevaluationReport, reevaluate_reviews
from service.checks.schemas import (
    EvaluationOut,
    ReevaluationCreate,
    ReevaluationOut,
    ReviewChangesOut,
    TimingsOut,
)
from service.routing import endpoint

TAG = "checks"


def reevaluation_out(report: ReevaluationReport) -> ReevaluationOut:
    return ReevaluationOut(
        run_id=report.run_id,
        dry_run=report.dry_run,
        include_decided=report.include_decided,
        profiles=report.profiles,
        considered=report.considered,
        reevaluated=report.reevaluated,
        recorded=report.recorded,
        changed=report.changed,
        skipped=report.skipped,
        reviews=[
            ReviewChangesOut(
                review_id=r.review_id,
                status=r.status,
                profile_id=r.profile_id,
                from_version=r.from_version,
                to_version=r.to_version,
                applied=r.applied,
                changes=r.changes,
            )
            for r in report.reviews
        ],
        timings=TimingsOut(
            load_seconds=round(report.timings.load, 3),
            evaluate_seconds=round(report.timings.evaluate, 3),
            write_seconds=round(report.timings.write, 3),
        ),
    )


@endpoint(
    "POST",
    "/api/policies/reevaluations",
    summary="Re-evaluate reviews under the latest policy profile versions / 審査基準更新後の再評価",
    tag=TAG,
    roles={Role.admin, Role.security},
)
async def reevaluate(principal: Principal, body: ReevaluationCreate) -> ReevaluationOut:
    report = await reevaluate_reviews(
        actor=principal.actor,
        organization_id=principal.organization_id,
        include_decided=body.include_decided,
        dry_run=body.dry_run,
    )
    return reevaluation_out(report)


@endpoint(
    "GET",
    "/api/reviews/{review_id}/evaluations",
    summary="A review's evaluations under each profile version / 評価履歴",
    tag=TAG,
    roles=roles_for(Permission.read_answers),
)
async def list_evaluations(principal: Principal, review_id: UUID) -> list[EvaluationOut]:
    return [
        EvaluationOut.model_validate(e, from_attributes=True)
        for e in await service.list_evaluations(principal, str(review_id))
    ]
