"""Engagements: one use of one service from one vendor by one organization (intake)."""

from __future__ import annotations

from enum import StrEnum
from uuid import uuid4

from tortoise import fields
from tortoise.models import Model

from service.accounts.models import Organization, User
from service.vendors.models import Vendor


class EngagementKind(StrEnum):
    outsourcing = "outsourcing"  # 業務委託
    cloud = "cloud"  # クラウドサービス（機密性2以上を取り扱う）
    tos_cloud = "tos_cloud"  # 約款型クラウド（機密性1のみ）


class SupplierType(StrEnum):
    contractor = "contractor"  # 委託事業者 / クラウド事業者
    designated_manager = "designated_manager"  # 指定管理者 (公の施設の管理)
    housing_agent = "housing_agent"  # 管理代行者 (公営住宅の管理)


class NetworkSegment(StrEnum):
    my_number = "my_number"  # マイナンバー利用事務系
    lgwan = "lgwan"  # LGWAN接続系
    internet = "internet"  # インターネット接続系


class Engagement(Model):
    id = fields.UUIDField(primary_key=True, default=uuid4)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="engagements", on_delete=fields.RESTRICT
    )
    organization_id: str
    vendor: fields.ForeignKeyRelation[Vendor] = fields.ForeignKeyField(
        "models.Vendor", related_name="engagements", on_delete=fields.RESTRICT
    )
    vendor_id: str
    number = fields.CharField(max_length=32)
    kind = fields.CharEnumField(EngagementKind, max_length=20, description="EngagementKind")
    supplier_type = fields.CharEnumField(
        SupplierType, max_length=20, default=SupplierType.contractor, description="SupplierType"
    )
    service_name = fields.CharField(max_length=200)
    purpose = fields.TextField()
    confidentiality = fields.SmallIntField()
    integrity = fields.SmallIntField()
    availability = fields.SmallIntField()
    personal_data = fields.BooleanField()
    my_number = fields.BooleanField()
    network_segment = fields.CharEnumField(
        NetworkSegment, max_length=20, description="NetworkSegment"
    )
    subcontracting = fields.BooleanField()
    start_date = fields.DateField()
    term_months = fields.SmallIntField()
    next_review_due = fields.DateField(null=True)
    # 所管課 and 担当者: the department that owns the engagement and the person in charge of it,
    # to whom hand-off e-mails go and by whom the console's lists filter.
    department = fields.CharField(max_length=100, default="", db_default="")
    contact_user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="engagements_in_charge", null=True, on_delete=fields.RESTRICT
    )
    contact_user_id: str | None
    created_by: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="engagements_created", on_delete=fields.RESTRICT
    )
    created_by_id: str
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "engagement"
        unique_together = (("organization", "number"),)
