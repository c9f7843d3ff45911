"""Vendors (委託事業者, クラウド事業者) known to one organization."""

from __future__ import annotations

from uuid import uuid4

from tortoise import fields
from tortoise.models import Model

from service.accounts.models import Organization


class Vendor(Model):
    id = fields.UUIDField(primary_key=True, default=uuid4)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="vendors", on_delete=fields.RESTRICT
    )
    organization_id: str
    name = fields.CharField(max_length=200)
    corporate_number = fields.CharField(max_length=13)
    address = fields.CharField(max_length=300, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "vendor"
        unique_together = (("organization", "corporate_number"),)
