"""What the engagements API accepts and returns."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from service.engagements.models import EngagementKind, NetworkSegment, SupplierType
from service.request_model import RequestModel

TOS_MY_NUMBER = (
    "特定個人情報（マイナンバー）は約款型クラウドサービス（kind 'tos_cloud'）では取り扱えません。"
    "番号法が求める委託先の監督（再委託の各段階の許諾、実地の調査等）を利用規約では確保できない"
    "ため、契約によるクラウドサービス（kind 'cloud'）として登録してください。 / "
    "My Number data cannot go into a terms-of-service cloud (kind 'tos_cloud'): the supervision "
    "the My Number Act requires (consent to every subcontracting tier, on-site inspection) cannot "
    "be had on terms of service. Register it as a contracted cloud service (kind 'cloud')."
)


class EngagementCreate(RequestModel):
    """kind tos_cloud takes confidentiality 1 and no My Number; my_number needs personal_data;
    vendor_id is a vendor of the organization (422 otherwise)."""

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
    department: str = Field(default="", max_length=100, description="所管課 / owning department")
    contact_user_id: UUID | None = Field(
        default=None,
        description=(
            "担当者: an active person of the organization in charge of the engagement; "
            "default: the submitter / 省略時は申請者"
        ),
    )

    @field_validator("my_number")
    @classmethod
    def _no_my_number_on_terms_of_service(cls, my_number: bool, info: ValidationInfo) -> bool:
        # Refused here, before anything is written, rather than when the contract is generated
        # after approval (tos-cloud-terms' refuse_if says the same to a review already decided).
        if my_number and info.data.get("kind") == EngagementKind.tos_cloud:
            raise PydanticCustomError("rule_tos_cloud_my_number", TOS_MY_NUMBER)
        return my_number

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
    department: str
    contact_user_id: UUID | None
    created_at: datetime
