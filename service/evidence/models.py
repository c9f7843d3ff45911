"""Evidence files a vendor uploaded for a question: the row is the record, the file sits on disk."""

from __future__ import annotations

from uuid import uuid4

from tortoise import fields
from tortoise.models import Model

from service.accounts.models import Organization
from service.reviews.models import Review


class Evidence(Model):
    id = fields.UUIDField(primary_key=True, default=uuid4)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="evidence", on_delete=fields.RESTRICT
    )
    organization_id: str
    review: fields.ForeignKeyRelation[Review] = fields.ForeignKeyField(
        "models.Review", related_name="evidence", on_delete=fields.RESTRICT
    )
    review_id: str
    question_id = fields.CharField(max_length=64)
    sha256 = fields.CharField(max_length=64)
    size = fields.BigIntField()
    media_type = fields.CharField(max_length=100)  # from the content, never from the name
    # Shown to people only; never used to build a path.
    original_name = fields.CharField(max_length=255)
    stored_name = fields.CharField(max_length=32)  # generated; see evidence/storage.py
    # A re-review round carries the previous round's files forward as new rows, same file.
    copied_from: fields.ForeignKeyNullableRelation[Evidence] = fields.ForeignKeyField(
        "models.Evidence", related_name="copies", null=True, on_delete=fields.RESTRICT
    )
    copied_from_id: str | None
    uploaded_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "evidence"
