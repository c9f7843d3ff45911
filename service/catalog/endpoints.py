"""Catalog API: reload forms/, policies/ and contract_templates/ in the running service."""

from __future__ import annotations

from service.accounts.principal import Principal
from service.accounts.roles import Role
from service.audit.service import record
from service.catalog.reload import reload_catalog
from service.catalog.schemas import CatalogReloadCreate, CatalogReloadOut
from service.errors import Forbidden, ValidationFailed
from service.jobs import transaction
from service.routing import endpoint

TAG = "catalog"


@endpoint(
    "POST",
    "/api/catalog/reload",
    summary="Reload the data folders, keeping the last good / 定義ファイルの再読込",
    tag=TAG,
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
        from service.checks.endpoints import reevaluation_out
        from service.checks.reevaluation import reevaluate_reviews

        out.reevaluation = reevaluation_out(await reevaluate_reviews(actor=principal.actor))
    return out
