"""What the catalog API accepts and returns: reloading the data folders."""

from __future__ import annotations

from pydantic import BaseModel, Field

from service.checks.schemas import ReevaluationOut
from service.request_model import RequestModel


class CatalogReloadCreate(RequestModel):
    reevaluate: bool = Field(
        default=False,
        description="then re-evaluate every organization's open reviews under newer profiles",
    )


class CatalogReloadOut(BaseModel):
    added: dict[str, list[str]] = Field(description="id@version now loaded, per kind")
    removed: dict[str, list[str]]
    newer_profiles: dict[str, int] = Field(description="profile id -> its new latest version")
    counts: dict[str, int]
    reevaluation: ReevaluationOut | None = None
