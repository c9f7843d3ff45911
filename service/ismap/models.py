"""Snapshots of the ISMAP cloud service list (ISMAPクラウドサービスリスト) and their entries.

Unlike everything else in this service, these rows belong to no organization: the list is public
reference data published by the ISMAP operators, the same for every municipality, so one import
serves all tenants and a verdict in any organization can name the snapshot it was checked
against. Who imported a snapshot is recorded in the operator organization's audit chain
(action `ismap.snapshot_imported`); only an operator admin may import.

A snapshot is immutable once written: a newer list is a new snapshot, and old ones stay so that
an old decision can still be explained.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from tortoise import fields
from tortoise.models import Model

from service.ismap.listing import ListKind


class IsmapSnapshot(Model):
    id = fields.UUIDField(primary_key=True, default=uuid4)
    # The file name or URL the bytes came from.
    source = fields.CharField(max_length=2000)
    # SHA-256 of the imported bytes: the same file imported twice is one snapshot.
    sha256 = fields.CharField(max_length=64, unique=True)
    size_bytes = fields.IntField()
    imported_at = fields.DatetimeField(db_index=True)
    imported_by = fields.CharField(max_length=200)  # actor label, for display; audit has the id
    # The date printed in the list's title (「令和7年4月1日時点」), when there is one.
    published_on = fields.DateField(null=True)
    row_count = fields.IntField()
    # [{"sheet", "header_row", "columns": {field: header text}}]: how the file was read.
    layouts: list[dict[str, Any]] = fields.JSONField(default=list)
    # Rows that could not be used, with sheet, row, column and reason (ja/en).
    problems: list[dict[str, Any]] = fields.JSONField(default=list)
    previous_snapshot_id = fields.UUIDField(null=True)
    # The changes against the previous snapshot reported at import (see diff.Change).
    changes: list[dict[str, Any]] = fields.JSONField(default=list)
    expiring_within_days = fields.IntField()

    entries: fields.ReverseRelation[IsmapEntry]

    class Meta:
        table = "ismap_snapshot"


class IsmapEntry(Model):
    id = fields.UUIDField(primary_key=True, default=uuid4)
    snapshot: fields.ForeignKeyRelation[IsmapSnapshot] = fields.ForeignKeyField(
        "models.IsmapSnapshot", related_name="entries", on_delete=fields.CASCADE
    )
    snapshot_id: str
    registration_number = fields.CharField(max_length=32)  # C21-0008-2
    stem = fields.CharField(max_length=32, db_index=True)  # C21-0008
    suffix = fields.IntField(null=True)  # 2
    # Text, not bounded strings: a name in the list is as long as its publisher made it.
    service_name = fields.TextField()
    provider_name = fields.TextField()
    provider_key = fields.TextField()
    registered_on = fields.DateField(null=True)
    expires_on = fields.DateField(null=True)
    audit_period_start = fields.DateField(null=True)
    audit_period_end = fields.DateField(null=True)
    expiry_derived = fields.BooleanField(default=False)
    scope = fields.TextField(default="")
    list_kind = fields.CharEnumField(ListKind, max_length=16)
    sheet = fields.CharField(max_length=100)
    row = fields.IntField()

    class Meta:
        table = "ismap_entry"
        unique_together = (("snapshot", "registration_number"),)
