"""Checks API: re-evaluating an organization's reviews under the latest profile versions, each
review's evaluations and verdicts (with overrides), and reloading the catalog (which may
re-evaluate)."""

from __future__ import annotations

from uuid import UUID

from service.accounts.permissions import Permission, roles_for
from service.accounts.principal import Principal
from service.accounts.roles import Role
from service.audit.service import record
from service.catalog.reload import reload_catalog
from service.checks import service
from service.checks.models import Verdict
from service.checks.reevaluation import ReevaluationReport, reevaluate_reviews
from service.checks.schemas import (
    CatalogReloadCreate,
    CatalogReloadOut,
    EvaluationOut,
    OverrideCreate,
    ReevaluationCreate,
    ReevaluationOut,
    ReviewChangesOut,
    TimingsOut,
    VerdictOut,
)
from service.errors import Forbidden, ValidationFailed
from service.jobs import transaction
from service.reviews.service import get_review
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


# The catalog is data under every domain; reloading it lives here, where it may re-evaluate.
@endpoint(
    "POST",
    "/api/catalog/reload",
    summary="Reload the data folders, keeping the last good / 定義ファイルの再読込",
    tag="catalog",
    roles={Role.admin},
    operator_only=True,
)
async def reload(principal: Principal, body: CatalogReloadCreate) -> CatalogReloadOut:
    # The catalog serves every tenant: only the operator organization's admin may swap it.
    if not principal.is_operator_admin:
        raise Forbidden(
            "only an admin of the operator organization may reload the catalog / "
            "定義ファイルの再読込は運用管理組織の管理者のみ行えます"
        )
    result = reload_catalog()
    async with transaction() as conn:
        await record(
            conn,
            organization_id=principal.organization_id,
            actor=principal.actor,
            action="catalog.reloaded" if result.installed else "catalog.reload_refused",
            object_type="catalog",
            object_id="catalog",
            data={
                "added": result.added,
                "removed": result.removed,
                "problem": vars(result.problem) if result.problem else None,
            },
        )
    if result.problem is not None:
        problem = result.problem
        where = f"{problem.file}: {problem.item}" if problem.item else problem.file
        raise ValidationFailed(
            f"{where}: {problem.problem} / 定義ファイルに誤りがあるため読み込みませんでした"
            "（現在の定義を使い続けます）",
            fields={"file": problem.file, "item": problem.item or "", "problem": problem.problem},
        )
    out = CatalogReloadOut(
        added=result.added,
        removed=result.removed,
        newer_profiles=result.newer_profiles,
        counts=result.counts,
    )
    if body.reevaluate and result.newer_profiles:
        out.reevaluation = reevaluation_out(await reevaluate_reviews(actor=principal.actor))
    return out


verdict_out = service.describe_verdict


@endpoint(
    "GET",
    "/api/reviews/{review_id}/verdicts",
    summary="Automatic verdicts with their policy clauses / 自動判定結果",
    tag="reviews",
    roles=roles_for(Permission.read_answers),
)
async def list_verdicts(principal: Principal, review_id: UUID) -> list[VerdictOut]:
    review = await get_review(principal, str(review_id))
    verdicts = await Verdict.filter(review_id=review.id).order_by("requirement_id")
    return [verdict_out(v, review) for v in verdicts]


@endpoint(
    "POST",
    "/api/reviews/{review_id}/verdicts/{requirement_id}/override",
    summary="Override a verdict with a reason / 判定の上書き",
    tag="reviews",
    roles=roles_for(Permission.override_verdict),
)
async def override_verdict(
    principal: Principal, review_id: UUID, requirement_id: str, body: OverrideCreate
) -> VerdictOut:
    review, verdict = await service.override_verdict(
        principal=principal,
        review_id=str(review_id),
        requirement_id=requirement_id,
        outcome=body.outcome,
        reason=body.reason,
    )
    return verdict_out(verdict, review)
