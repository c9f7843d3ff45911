"""Evidence: checking received files, recording them, and handing them to staff. The only writer."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio.to_thread
from tortoise.backends.base.client import BaseDBAsyncClient

from service.accounts.principal import Principal
from service.audit.service import Actor, record
from service.catalog.forms import Question
from service.catalog.text import Text
from service.config import get_settings
from service.errors import Conflict, NotFound
from service.evidence.inspect import (
    HEAD_BYTES,
    EvidenceKind,
    EvidenceRefused,
    clean_original_name,
    identify,
    served_name,
)
from service.evidence.models import Evidence
from service.evidence.storage import EvidenceStore, ReceivedUpload, new_stored_name
from service.reviews.models import Review
from service.reviews.service import get_review


def evidence_store() -> EvidenceStore:
    return EvidenceStore(get_settings().evidence_dir)


@dataclass(frozen=True)
class CheckedUpload:
    """A received file that passed every check and may become evidence."""

    upload: ReceivedUpload
    kind: EvidenceKind
    original_name: str
    stored_name: str


def accepted_kinds_text(question: Question) -> Text:
    kinds = "、".join(EvidenceKind(k).label for k in question.accept)
    kinds_en = ", ".join(EvidenceKind(k).label for k in question.accept)
    return Text(ja=kinds, en=kinds_en)


async def check_upload(upload: ReceivedUpload, question: Question) -> CheckedUpload:
    """The kind by content, the kinds this question accepts, and a safe name; else refused."""
    original_name = clean_original_name(upload.raw_name)
    kind = await anyio.to_thread.run_sync(
        lambda: identify(
            upload.path,
            upload.head,
            size=upload.size,
            max_unzipped_bytes=get_settings().upload_max_unzipped_bytes,
        )
    )
    if kind.value not in question.accept:
        kinds = accepted_kinds_text(question)
        raise EvidenceRefused(
            "not_accepted",
            Text(
                ja=f"この質問に添付できるのは {kinds.ja} のファイルです"
                f"（選択されたファイルは {kind.label}）。",
                en=f"This question takes {kinds.en} files (the chosen file is {kind.label}).",
            ),
        )
    return CheckedUpload(upload, kind, original_name, new_stored_name())


async def create_evidence(
    conn: BaseDBAsyncClient,
    *,
    review: Review,
    question_id: str,
    checked: CheckedUpload,
    actor: Actor,
) -> Evidence:
    upload = checked.upload
    evidence = await Evidence.create(
        organization_id=review.organization_id,
        review=review,
        question_id=question_id,
        sha256=upload.sha256,
        size=upload.size,
        media_type=checked.kind.media_type,
        original_name=checked.original_name,
        stored_name=checked.stored_name,
        using_db=conn,
    )
    await record(
        conn,
        organization_id=str(review.organization_id),
        actor=actor,
        action="evidence.uploaded",
        object_type="evidence",
        object_id=str(evidence.id),
        review_id=str(review.id),
        data={
            "question_id": question_id,
            "sha256": upload.sha256,
            "size": upload.size,
            "media_type": checked.kind.media_type,
            "original_name": checked.original_name,
        },
    )
    return evidence


def place_files(checked: Sequence[CheckedUpload]) -> list[Path]:
    """Move checked uploads to their final place (the last step before the commit)."""
    store = evidence_store()
    return [store.place(item.upload, item.stored_name) for item in checked]


def remove_files(paths: Iterable[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


async def evidence_of(review_id: str, ids: Iterable[str]) -> dict[str, Evidence]:
    wanted = [i for i in ids if i]
    if not wanted:
        return {}
    rows = await Evidence.filter(review_id=review_id, id__in=wanted)
    return {str(row.id): row for row in rows}


async def foreign_references(review: Review, file_answers: dict[str, list[str]]) -> dict[str, str]:
    """Field errors for evidence ids that are not this review's uploads for that question."""
    every_id = [i for ids in file_answers.values() for i in ids]
    known = await evidence_of(str(review.id), every_id)
    errors: dict[str, str] = {}
    for question_id, ids in file_answers.items():
        if any(known.get(i) is None or known[i].question_id != question_id for i in ids):
            errors[f"answers.{question_id}"] = "refers to evidence not uploaded for this question"
    return errors


async def copy_to_round(
    conn: BaseDBAsyncClient, *, review: Review, question_id: str, source_ids: Sequence[str]
) -> list[str]:
    """New rows for `review` pointing at the same stored files (a re-review carries them on)."""
    sources = await Evidence.filter(id__in=list(source_ids)).using_db(conn)
    by_id = {str(s.id): s for s in sources}
    copied: list[str] = []
    for source_id in source_ids:
        source = by_id.get(source_id)
        if source is None or str(source.organization_id) != str(review.organization_id):
            continue
        copy = await Evidence.create(
            organization_id=review.organization_id,
            review=review,
            question_id=question_id,
            sha256=source.sha256,
            size=source.size,
            media_type=source.media_type,
            original_name=source.original_name,
            stored_name=source.stored_name,
            copied_from_id=source.id,
            using_db=conn,
        )
        copied.append(str(copy.id))
    return copied


# --- staff -------------------------------------------------------------------------------------


async def list_evidence(principal: Principal, review_id: str) -> list[Evidence]:
    review = await get_review(principal, review_id)
    return await Evidence.filter(review_id=review.id).order_by("uploaded_at")


async def get_evidence(principal: Principal, evidence_id: str) -> Evidence:
    evidence = await Evidence.get_or_none(id=evidence_id, organization_id=principal.organization_id)
    if evidence is None:
        raise NotFound("no such evidence")
    return evidence


@dataclass(frozen=True)
class ServedEvidence:
    """An evidence file as staff download it: named and typed by what its content is."""

    evidence: Evidence
    content: bytes
    kind: EvidenceKind

    @property
    def filename(self) -> str:
        return served_name(self.evidence.original_name, self.kind)

    @property
    def ascii_filename(self) -> str:
        """For clients that read only `filename`: the vendor's name when it is ASCII."""
        if self.filename.isascii():
            return self.filename
        return f"evidence-{str(self.evidence.id)[:8]}.{self.kind.extensions[0]}"


async def evidence_content(principal: Principal, evidence_id: str) -> ServedEvidence:
    """The file, after checking it still matches the SHA-256 recorded at upload."""
    evidence = await get_evidence(principal, evidence_id)
    store = evidence_store()
    try:
        content = await anyio.to_thread.run_sync(store.read, evidence.stored_name)
    except FileNotFoundError:
        raise Conflict("the stored file is missing / 保存されたファイルが見つかりません") from None
    if hashlib.sha256(content).hexdigest() != evidence.sha256:
        raise Conflict(
            "the stored file does not match its recorded SHA-256 / "
            "保存されたファイルが記録されたハッシュ値と一致しません"
        )
    kind = EvidenceKind.of_media_type(evidence.media_type)
    if kind is None:  # a row whose stored type names no kind: judge the content again
        path = store.path_of(evidence.stored_name)
        try:
            kind = await anyio.to_thread.run_sync(
                lambda: identify(
                    path,
                    content[:HEAD_BYTES],
                    size=len(content),
                    max_unzipped_bytes=get_settings().upload_max_unzipped_bytes,
                )
            )
        except EvidenceRefused:
            raise Conflict(
                "the stored file's type cannot be determined / "
                "保存されたファイルの種類を判定できません"
            ) from None
    return ServedEvidence(evidence, content, kind)


def describe(evidence: Evidence) -> dict[str, Any]:
    return {
        "name": evidence.original_name,
        "size": evidence.size,
        "media_type": evidence.media_type,
        "sha256": evidence.sha256,
    }
