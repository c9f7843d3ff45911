"""What the ISMAP API accepts and returns."""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, Field, field_validator, model_validator

from service.ismap.diff import DEFAULT_EXPIRING_WITHIN_DAYS, ChangeKind
from service.ismap.fetch import is_url
from service.ismap.listing import ListKind
from service.ismap.matching import MatchMethod
from service.request_model import RequestModel


class ImportRequest(RequestModel):
    """Either a URL to download, or the file itself (base64) with its name."""

    url: str | None = Field(
        default=None,
        max_length=2000,
        description="http(s) address of the list (XLSX or CSV) / 一覧ファイルのURL",
    )
    filename: str | None = Field(
        default=None,
        min_length=1,
        max_length=255,
        description="name of the uploaded file, kept as the snapshot's source / ファイル名",
    )
    content_base64: str | None = Field(
        default=None,
        description="the XLSX or CSV file, base64-encoded / ファイルの内容（base64）",
    )
    expiring_within_days: int = Field(
        default=DEFAULT_EXPIRING_WITHIN_DAYS,
        ge=1,
        le=3650,
        description="report registrations that lapse within this many days / 期限切れ予告の日数",
    )

    @field_validator("url")
    @classmethod
    def _is_http_url(cls, value: str | None) -> str | None:
        if value is not None and not is_url(value):
            raise ValueError("not an http(s) URL / http(s) のURLを指定してください")
        return value

    @field_validator("content_base64")
    @classmethod
    def _is_base64(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                raise ValueError("not valid base64 / base64として不正です") from None
        return value

    @model_validator(mode="after")
    def _one_source(self) -> ImportRequest:
        if (self.url is None) == (self.content_base64 is None):
            raise ValueError(
                "give either url or content_base64 (with filename) / "
                "url か content_base64 のどちらか一方を指定してください"
            )
        if self.content_base64 is not None and self.filename is None:
            raise ValueError("filename is required with content_base64 / ファイル名が必要です")
        if self.url is not None and self.filename is not None:
            raise ValueError("filename goes only with content_base64 / ファイル名は不要です")
        return self

    def content(self) -> bytes:
        assert self.content_base64 is not None
        return base64.b64decode(self.content_base64, validate=True)


class StatusQuery(RequestModel):
    number: str = Field(
        min_length=1, max_length=64, description="registration number, e.g. C21-0008-2 / 登録番号"
    )
    on: date | None = Field(
        default=None, description="the day to judge validity for (default: today, JST) / 判定日"
    )


class CandidatesQuery(RequestModel):
    provider: str = Field(
        default="",
        max_length=300,
        description="provider name; give this or service (422 with neither) / 事業者名",
    )
    service: str = Field(
        default="",
        max_length=500,
        description="service name; give this or provider (422 with neither) / サービス名",
    )

    @model_validator(mode="after")
    def _something_to_compare(self) -> CandidatesQuery:
        if not self.provider.strip() and not self.service.strip():
            raise ValueError("give provider or service / 事業者名かサービス名を指定してください")
        return self


class TextOut(BaseModel):
    ja: str
    en: str


class ChangeOut(BaseModel):
    kind: ChangeKind
    stem: str
    registration_number: str
    service_name: str
    provider_name: str
    expires_on: date | None
    previous_number: str | None
    previous_expires_on: date | None
    previous_name: str | None


class ProblemOut(BaseModel):
    sheet: str
    row: int
    column: str
    ja: str
    en: str


class LayoutOut(BaseModel):
    sheet: str
    header_row: int
    columns: dict[str, str]


class SnapshotOut(BaseModel):
    id: UUID
    source: str
    sha256: str
    size_bytes: int
    imported_at: datetime
    imported_by: str
    published_on: date | None
    row_count: int
    problem_count: int
    previous_snapshot_id: UUID | None
    change_counts: dict[str, int]
    is_latest: bool
    label: TextOut


class SnapshotDetailOut(SnapshotOut):
    layouts: list[LayoutOut]
    problems: list[ProblemOut]
    changes: list[ChangeOut]


class ImportOut(BaseModel):
    duplicate: bool = Field(description="the same bytes were imported before: nothing was added")
    message: TextOut
    snapshot: SnapshotDetailOut


class EntryOut(BaseModel):
    registration_number: str
    stem: str
    suffix: int | None
    service_name: str
    provider_name: str
    registered_on: date | None
    expires_on: date | None
    audit_period_start: date | None
    audit_period_end: date | None
    expiry_derived: bool
    scope: str
    list_kind: ListKind


class SnapshotRefOut(BaseModel):
    id: UUID
    imported_at: datetime
    published_on: date | None
    sha256: str
    label: TextOut


class StatusOut(BaseModel):
    query: str
    on: date
    match: MatchMethod
    listed: bool
    valid: bool
    number_updated: bool
    expires_on: date | None
    entry: EntryOut | None
    reason: TextOut
    warnings: list[TextOut]
    snapshot: SnapshotRefOut


class CandidateOut(BaseModel):
    score: float
    provider_score: float
    service_score: float
    entry: EntryOut
