"""Evidence uploads through the portal: checked by content, limited while streaming, kept apart.

Every refusal names the reason next to the file question, and leaves nothing behind: no file
under the evidence folder (not even in incoming/), no row, no change to the answers.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.config import PROJECT_ROOT, get_settings
from service.evidence.models import Evidence
from service.questionnaire.models import AnswerSet
from tests.evidence import samples
from tests.factories import Org, new_org
from tests.portal.conftest import Invited
from tests.portal.helpers import question_block, stored_files, stream

QUESTION = "isms_certificate"  # accepts pdf, png, jpeg; at most 3 files


@pytest.fixture
def evidence_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "evidence"
    monkeypatch.setattr(get_settings(), "evidence_dir", folder)
    return folder


async def certified(invited: Invited) -> None:
    """Answer 'ISMS certified: yes', which brings up the certificate upload."""
    response = await invited.vendor.save("B", {"a.isms_certified": "yes"})
    assert response.status_code == 303, response.text


async def upload(invited: Invited, *files: tuple[str, bytes], **fields: Any) -> httpx.Response:
    return await invited.vendor.save(
        "B",
        fields,
        files=[(f"file.{QUESTION}", (name, content, "application/pdf")) for name, content in files],
    )


async def answers_of(invited: Invited) -> dict[str, Any]:
    answer_set = await AnswerSet.get(review_id=invited.review["id"])
    return dict(answer_set.answers)


async def test_a_pdf_is_stored_apart_under_a_generated_name_with_its_hash(
    client: httpx.AsyncClient, operator_token: str, org: Org, invited: Invited, evidence_dir: Path
) -> None:
    await certified(invited)
    content = samples.pdf_bytes()
    response = await upload(invited, ("ISMS登録証 2026.pdf", content))
    assert response.status_code == 303, response.text

    [evidence] = await Evidence.filter(review_id=invited.review["id"])
    assert evidence.question_id == QUESTION
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    assert evidence.size == len(content)
    assert evidence.media_type == "application/pdf"
    assert evidence.original_name == "ISMS登録証 2026.pdf"
    assert str(evidence.organization_id) == org.id
    # On disk: under the evidence folder, by a generated name, never the vendor's.
    [stored] = stored_files(evidence_dir)
    assert stored.name == evidence.stored_name and "ISMS" not in str(stored)
    assert stored.read_bytes() == content
    assert stored.stat().st_mode & 0o077 == 0  # readable by the service only
    assert not stored.is_relative_to(PROJECT_ROOT / "service")
    # The answer is the list of evidence ids.
    assert (await answers_of(invited))[QUESTION] == [str(evidence.id)]
    page = await invited.vendor.page("/v/s/B")
    block = question_block(page, QUESTION)
    assert "ISMS登録証 2026.pdf" in block and evidence.sha256[:12] in block

    # Staff read it through the JSON API, by role and within their organization only.
    listed = await client.get(
        f"/api/reviews/{invited.review['id']}/evidence", headers=org.h("security")
    )
    assert [e["sha256"] for e in listed.json()] == [evidence.sha256]
    path = f"/api/evidence/{evidence.id}/content"
    download = await client.get(path, headers=org.h("security"))
    assert download.status_code == 200
    assert download.content == content
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"
    assert (await client.get(path, headers=org.h("legal"))).status_code == 403
    other = await new_org(client, operator_token)
    assert (await client.get(path, headers=other.h("security"))).status_code == 404

    # A stored file that no longer matches its hash is not handed out.
    stored.write_bytes(content + b"tampered")
    assert (await client.get(path, headers=org.h("auditor"))).status_code == 409

    timeline = await client.get(
        f"/api/reviews/{invited.review['id']}/timeline", headers=org.h("auditor")
    )
    uploaded = [e for e in timeline.json() if e["action"] == "evidence.uploaded"]
    assert uploaded[0]["data"]["sha256"] == evidence.sha256


async def test_a_download_is_named_and_typed_by_its_content_not_the_vendors_name(
    client: httpx.AsyncClient, org: Org, invited: Invited, evidence_dir: Path
) -> None:
    await certified(invited)
    content = samples.pdf_bytes()
    response = await upload(invited, ("報告書 第1版.html", content), ("r.html", content + b" "))
    assert response.status_code == 303, response.text
    rows = await Evidence.filter(review_id=invited.review["id"]).order_by("original_name")
    japanese = next(row for row in rows if row.original_name == "報告書 第1版.html")
    plain = next(row for row in rows if row.original_name == "r.html")

    listed = await client.get(
        f"/api/reviews/{invited.review['id']}/evidence", headers=org.h("security")
    )
    names = {e["original_name"]: e["download_name"] for e in listed.json()}
    assert names == {"報告書 第1版.html": "報告書 第1版.pdf", "r.html": "r.pdf"}

    download = await client.get(f"/api/evidence/{plain.id}/content", headers=org.h("security"))
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-disposition"] == (
        "attachment; filename=\"r.pdf\"; filename*=UTF-8''r.pdf"
    )
    download = await client.get(f"/api/evidence/{japanese.id}/content", headers=org.h("security"))
    assert download.content == content
    assert download.headers["content-type"] == "application/pdf"
    # RFC 6266: an ASCII `filename` for old clients, the Japanese name in RFC 5987 `filename*`.
    assert download.headers["content-disposition"] == (
        f'attachment; filename="evidence-{str(japanese.id)[:8]}.pdf"; '
        "filename*=UTF-8''%E5%A0%B1%E5%91%8A%E6%9B%B8%20%E7%AC%AC1%E7%89%88.pdf"
    )

    # A row kept before the type was recorded as one of ours is judged again from its content.
    await Evidence.filter(id=plain.id).update(media_type="application/octet-stream")
    download = await client.get(f"/api/evidence/{plain.id}/content", headers=org.h("auditor"))
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/pdf"
    assert 'filename="r.pdf"' in download.headers["content-disposition"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("certificate.pdf", samples.HTML_AS_PDF, "中身で判定"),
        ("certificate.pdf", b"", "ファイルが空です"),
        ("certificate.docx", samples.docx_bytes(), "PDF、PNG、JPEG のファイルです"),
        ("bomb.docx", samples.ratio_bomb(samples.docx_bytes()), "展開後のサイズが異常"),
        ("bomb.xlsx", samples.many_entries(samples.xlsx_bytes()), "展開後のサイズが異常"),
        ("liar.docx", samples.lying_sizes(samples.docx_bytes()), "XLSX又はDOCX"),
        ("locked.docx", samples.encrypted_office(), "パスワード"),
        ("../../etc/passwd.pdf", samples.pdf_bytes(), "フォルダの指定"),
        ("..\\..\\windows\\cert.pdf", samples.pdf_bytes(), "フォルダの指定"),
    ],
    ids=[
        "html-named-pdf",
        "empty",
        "docx-where-pdf-is-asked",
        "zip-bomb-docx",
        "zip-bomb-xlsx",
        "lying-zip-headers",
        "password-protected",
        "path-name",
        "windows-path-name",
    ],
)
async def test_refused_uploads_say_why_and_leave_nothing(
    client: httpx.AsyncClient,
    org: Org,
    invited: Invited,
    evidence_dir: Path,
    name: str,
    content: bytes,
    message: str,
) -> None:
    await certified(invited)
    before = await answers_of(invited)
    response = await upload(invited, (name, content), **{"a.isms_certified": "yes"})
    assert response.status_code == 422
    block = question_block(response.text, QUESTION)
    assert message in block, block
    assert 'class="error"' in block
    assert "保存していません" in response.text  # the summary says nothing was saved
    assert "もう一度選択してください" in response.text
    assert stored_files(evidence_dir) == []
    assert await Evidence.filter(review_id=invited.review["id"]).count() == 0
    assert await answers_of(invited) == before


async def test_an_oversized_file_is_refused_while_it_streams(
    invited: Invited, evidence_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await certified(invited)
    limit = 256 * 1024
    monkeypatch.setattr(get_settings(), "upload_max_bytes", limit)
    csrf = await invited.vendor.csrf()
    boundary = "----oversized"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{csrf}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="shown"\r\n\r\n{QUESTION}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file.{QUESTION}"; '
        'filename="huge.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
    ).encode()
    chunk = 64 * 1024
    body_chunks = [head, b"%PDF-1.4\n", *[b"0" * chunk for _ in range(160)]]  # 10 MiB
    body_chunks.append(f"\r\n--{boundary}--\r\n".encode())
    total = sum(len(c) for c in body_chunks)
    consumed = [0]
    response = await invited.vendor.http.post(
        "/v/s/B",
        content=stream(body_chunks, consumed),  # chunked: no length announced up front
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 413
    assert "ファイルが大きすぎます" in question_block(response.text, QUESTION)
    # The server stopped reading just past the limit, far before the end of the body.
    assert consumed[0] <= len(head) + limit + 2 * chunk
    assert consumed[0] < total / 10
    assert stored_files(evidence_dir) == []
    assert await Evidence.filter(review_id=invited.review["id"]).count() == 0


async def test_a_declared_length_over_the_ceiling_is_refused_before_reading(
    invited: Invited, evidence_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "upload_max_bytes", 64 * 1024)
    consumed = [0]
    big = [b"x" * (1024 * 1024)] * 4
    response = await invited.vendor.http.post(
        "/v/s/B",
        content=stream(big, consumed),
        headers={
            "content-type": "multipart/form-data; boundary=x",
            "content-length": str(4 * 1024 * 1024),
        },
    )
    assert response.status_code == 413
    assert consumed[0] == 0
    assert stored_files(evidence_dir) == []


async def test_duplicates_and_too_many_files_are_refused(
    invited: Invited, evidence_dir: Path
) -> None:
    await certified(invited)
    first = samples.pdf_bytes("one")
    assert (await upload(invited, ("one.pdf", first))).status_code == 303
    again = await upload(invited, ("one-again.pdf", first))
    assert again.status_code == 422
    assert "同じ内容のファイル" in question_block(again.text, QUESTION)
    four = [(f"{n}.pdf", samples.pdf_bytes(str(n))) for n in range(2, 5)]
    too_many = await upload(invited, *four)  # 1 attached + 3 new > 3
    assert too_many.status_code == 422
    assert "3 件まで" in question_block(too_many.text, QUESTION)
    assert len(stored_files(evidence_dir)) == 1
    assert len((await answers_of(invited))[QUESTION]) == 1


async def test_files_can_be_removed_from_an_answer(invited: Invited, evidence_dir: Path) -> None:
    await certified(invited)
    assert (await upload(invited, ("a.pdf", samples.pdf_bytes("a")))).status_code == 303
    assert (await upload(invited, ("b.png", samples.png_bytes()))).status_code == 303
    ids = (await answers_of(invited))[QUESTION]
    assert len(ids) == 2
    removed = await invited.vendor.save("B", {f"remove.{QUESTION}": ids[0]})
    assert removed.status_code == 303
    assert (await answers_of(invited))[QUESTION] == [ids[1]]
    row = await Evidence.get(id=ids[1])
    assert row.media_type == "image/png" and row.original_name == "b.png"


async def test_files_for_questions_not_on_the_page_are_ignored(
    invited: Invited, evidence_dir: Path
) -> None:
    # Not certified: the certificate question is hidden, so the page does not take its files.
    response = await invited.vendor.save(
        "B",
        {"a.isms_certified": "no"},
        files=[(f"file.{QUESTION}", ("a.pdf", samples.pdf_bytes(), "application/pdf"))],
        shown=["isms_certified", "ismap_registration", QUESTION],
    )
    assert response.status_code == 303
    assert stored_files(evidence_dir) == []
    assert QUESTION not in await answers_of(invited)


async def test_the_json_api_cannot_attach_evidence_of_another_review(
    client: httpx.AsyncClient, org: Org, invited: Invited, evidence_dir: Path
) -> None:
    from tests.factories import invited_review, upload_evidence

    _, other_token = await invited_review(client, org)
    foreign = await upload_evidence(client, other_token, samples.pdf_bytes("other"))
    response = await client.patch(
        f"/api/vendor/{invited.token}/answers",
        json={"answers": {"isms_certified": True, QUESTION: [foreign]}},
    )
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {f"answers.{QUESTION}"}
