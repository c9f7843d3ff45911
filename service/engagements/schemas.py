"""What the engagements API accepts and returns."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from service.engagements.models import EngagementKind, NetworkSegment, SupplierType


class EngagementCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    vendor_id: UUID
    kind: EngagementKind = Field(
        description=(
            "outsourcing 業務委託 / cloud クラウド(機密性2以上) / tos_cloud 約款型(機密性1のみ)"
        )
    )
    supplier_type: SupplierType = Field(
        default=SupplierType.contractor,
        description=(
            "contractor 委託事業者 / designated_manager 指定管理者 / housing_agent 管理代行者"
        ),
    )
    service_name: str = Field(min_length=1, max_length=200)
    purpose: str = Field(min_length=1, max_length=4000)
    confidentiality: Literal[1, 2, 3] = Field(description="機密性")
    integrity: Literal[1, 2] = Field(description="完全性")
    availability: Literal[1, 2] = Field(description="可用性")
    personal_data: bool
    my_number: bool
    network_segment: NetworkSegment
    subcontracting: bool
    start_date: date
    term_months: int = Field(ge=1, le=120)

    @model_validator(mode="after")
    def _consistent(self) -> EngagementCreate:
        if self.kind == EngagementKind.tos_cloud and self.confidentiality > 1:
            raise ValueError(
                "a terms-of-service cloud may only hold 機密性1 information; 機密性2以上 must "
                "take the contract route (kind 'cloud') / "
                "約款型サービスでは機密性2以上の情報を扱えません"
            )
        if self.my_number and not self.personal_data:
            raise ValueError(
                "My Number data is personal data: set personal_data as well / "
                "特定個人情報は個人情報でもあります"
            )
        return self


class EngagementOut(BaseModel):
    id: UUID
    number: str
    vendor_id: UUID
    kind: EngagementKind
    supplier_type: SupplierType
    service_name: str
    purpose: str
    confidentiality: int
    integrity: int
    availability: int
    personal_data: bool
    my_number: bool
    network_segment: NetworkSegment
    subcontracting: bool
    start_date: date
    term_months: int
    next_review_due: date | None
    created_at: datetime
