"""Generated contract documents; every version is kept."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from tortoise import fields
from tortoise.models import Model

from service.accounts.models import Organization, User
from service.reviews.models import Review


class Contract(Model):
    id = fields.UUIDField(primary_key=True, default=uuid4)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="contracts", on_delete=fields.RESTRICT
    )
    organization_id: str
    review: fields.ForeignKeyRelation[Review] = fields.ForeignKeyField(
        "models.Review", related_name="contracts", on_delete=fields.RESTRICT
    )
    review_id: str
    version = fields.IntField()
    template_id = fields.CharField(max_length=100)
    template_version = fields.IntField()
    title = fields.CharField(max_length=200)
    # The parts (terms, then annexes) as {id, version, title}.
    parts: list[dict[str, Any]] = fields.JSONField(default=list)
    # Each clause as {part, id, version, variant, title, mandated_by}, in document order.
    clauses: list[dict[str, Any]] = fields.JSONField(default=list)
    # Every variable the document uses, with its value (a string, or a list for 号 lists).
    values: dict[str, Any] = fields.JSONField(default=dict)
    conditions: list[str] = fields.JSONField(default=list)  # the annex (別紙)
    # Mandated clause ids this contract type does not carry: {clause id: [requirement ids]}.
    mandated_not_carried: dict[str, list[str]] = fields.JSONField(default=dict)
    sha256 = fields.CharField(max_length=64)
    content = fields.BinaryField()
    created_by: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="contracts_created", on_delete=fields.RESTRICT
    )
    created_by_id: str
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "contract"
        unique_together = (("review", "version"),)


# An organization's contract settings (service.contracts.settings.ContractSettings): only the
# settings that are set. No row: none set (the product defaults apply). A comment, not a
# docstring: it would become the table comment.
class ContractSettingsRow(Model):
    id = fields.UUIDField(primary_key=True, default=uuid4)
    organization: fields.OneToOneRelation[Organization] = fields.OneToOneField(
        "models.Organization", related_name="contract_settings_row", on_delete=fields.RESTRICT
    )
    organization_id: str
    settings: dict[str, Any] = fields.JSONField(default=dict)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "contract_settings"
