"""What an upload is, judged by content: signatures, OOXML structure, zip bombs, file names."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.evidence.inspect import (
    HEAD_BYTES,
    MAX_NAME_CHARS,
    MAX_ZIP_ENTRIES,
    EvidenceKind,
    EvidenceRefused,
    clean_original_name,
    identify,
    served_name,
)
from tests.evidence import samples

LIMIT = 200 * samples.MiB


def kind_of(tmp_path: Path, content: bytes, limit: int = LIMIT) -> EvidenceKind:
    path = tmp_path / "upload"
    path.write_bytes(content)
    return identify(path, content[:HEAD_BYTES], size=len(content), max_unzipped_bytes=limit)


def refused(tmp_path: Path, content: bytes, limit: int = LIMIT) -> EvidenceRefused:
    with pytest.raises(EvidenceRefused) as caught:
        kind_of(tmp_path, content, limit)
    assert caught.value.message.ja and caught.value.message.en
    return caught.value


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (samples.pdf_bytes(), EvidenceKind.pdf),
        (samples.png_bytes(), EvidenceKind.png),
        (samples.jpeg_bytes(), EvidenceKind.jpeg),
        (samples.docx_bytes(), EvidenceKind.docx),
        (samples.xlsx_bytes(), EvidenceKind.xlsx),
    ],
    ids=["pdf", "png", "jpeg", "docx", "xlsx"],
)
def test_each_accepted_kind_is_recognised(
    tmp_path: Path, content: bytes, kind: EvidenceKind
) -> None:
    assert kind_of(tmp_path, content) is kind


def test_media_types_come_from_the_kind() -> None:
    assert EvidenceKind.pdf.media_type == "application/pdf"
    assert EvidenceKind.docx.media_type.endswith("wordprocessingml.document")
    assert EvidenceKind.xlsx.media_type.endswith("spreadsheetml.sheet")


@pytest.mark.parametrize(
    "content",
    [
        samples.HTML_AS_PDF,
        b"MZ\x90\x00" + bytes(100),  # a Windows executable
        b"GIF89a" + bytes(20),
        b"PDF-1.4 but not at the start",
        b"\x89PNG\r\n\x1a\n" + bytes(20),  # a PNG signature without its header chunk
    ],
    ids=["html", "exe", "gif", "pdf-text", "png-without-ihdr"],
)
def test_other_content_is_refused_whatever_its_name(tmp_path: Path, content: bytes) -> None:
    error = refused(tmp_path, content)
    assert error.code == "wrong_type"
    assert "PDF、PNG、JPEG、XLSX、DOCX" in error.message.ja


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    assert refused(tmp_path, b"").code == "empty"


def test_a_zip_that_is_not_office_is_refused(tmp_path: Path) -> None:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert refused(tmp_path, out.getvalue()).code == "wrong_type"


def test_the_main_part_must_be_declared_and_present(tmp_path: Path) -> None:
    # The workbook's content type names something else: not a workbook.
    wrong = samples.xlsx_bytes(main_type="application/xml")
    assert refused(tmp_path, wrong).code == "wrong_type"


def test_macro_enabled_workbooks_are_refused(tmp_path: Path) -> None:
    macro = samples.xlsx_bytes(
        main_type="application/vnd.ms-excel.sheet.macroEnabled.main+xml",
        extra={"xl/vbaProject.bin": b"\x00" * 64},
    )
    error = refused(tmp_path, macro)
    assert "マクロ" in error.message.ja


def test_password_protected_office_files_are_refused_with_a_reason(tmp_path: Path) -> None:
    error = refused(tmp_path, samples.encrypted_office())
    assert "パスワード" in error.message.ja


def test_a_truncated_archive_is_refused(tmp_path: Path) -> None:
    content = samples.docx_bytes()
    assert refused(tmp_path, content[: len(content) // 2]).code == "wrong_type"


# --- zip bombs ---------------------------------------------------------------------------------


def test_a_high_ratio_entry_is_a_bomb(tmp_path: Path) -> None:
    bomb = samples.ratio_bomb(samples.docx_bytes())
    assert len(bomb) < samples.MiB  # tiny on the wire
    assert refused(tmp_path, bomb).code == "zip_bomb"


def test_too_many_entries_is_a_bomb(tmp_path: Path) -> None:
    bomb = samples.many_entries(samples.xlsx_bytes(), count=MAX_ZIP_ENTRIES + 1)
    error = refused(tmp_path, bomb)
    assert error.code == "zip_bomb"
    assert str(MAX_ZIP_ENTRIES + 1 + 5) in error.message.ja  # the count is named


def test_the_total_expanded_size_has_a_limit(tmp_path: Path) -> None:
    import os

    # Incompressible content: no ratio trick, just more than this deployment allows.
    big = samples.with_extra_entries(
        samples.docx_bytes(), {"word/media/a.bin": os.urandom(3 * samples.MiB)}
    )
    assert kind_of(tmp_path, big) is EvidenceKind.docx  # fine under the default limit
    assert refused(tmp_path, big, limit=2 * samples.MiB).code == "zip_bomb"


def test_sizes_in_the_headers_are_not_believed(tmp_path: Path) -> None:
    liar = samples.lying_sizes(samples.docx_bytes())
    error = refused(tmp_path, liar)
    assert error.code in {"zip_bomb", "wrong_type"}


# --- names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd.pdf",
        "..\\..\\boot.ini",
        "C:\\Users\\a\\cert.pdf",
        "/etc/cert.pdf",
        "..",
        "a/b.pdf",
        "cert\x00.pdf",
    ],
)
def test_path_like_names_are_refused(name: str) -> None:
    with pytest.raises(EvidenceRefused) as caught:
        clean_original_name(name)
    assert caught.value.code == "bad_name"
    assert "/" in caught.value.message.ja


def test_names_are_kept_readable_and_harmless() -> None:
    assert clean_original_name("ISMS登録証.pdf") == "ISMS登録証.pdf"
    # A right-to-left override would show "cert_fdp.exe" as "cert_exe.pdf".
    assert clean_original_name("cert_\u202efdp.exe") == "cert_fdp.exe"
    assert clean_original_name('say "hi".pdf') == "say 'hi'.pdf"
    assert clean_original_name(".hidden.pdf") == "hidden.pdf"
    assert clean_original_name("   ") == "file"
    long = clean_original_name("あ" * 500 + ".xlsx")
    assert len(long) == MAX_NAME_CHARS
    assert long.endswith(".xlsx")
    # NFD (as macOS writes names) becomes NFC.
    assert clean_original_name("ハ\u309aスホ\u309aート.pdf") == "パスポート.pdf"


@pytest.mark.parametrize(
    ("original", "kind", "served"),
    [
        ("r.html", EvidenceKind.pdf, "r.pdf"),
        ("ISMS登録証 2026.pdf", EvidenceKind.pdf, "ISMS登録証 2026.pdf"),
        ("見積書.PDF", EvidenceKind.pdf, "見積書.pdf"),
        ("写真.JPEG", EvidenceKind.jpeg, "写真.jpeg"),
        ("写真.png", EvidenceKind.jpeg, "写真.jpg"),
        ("名簿.xls", EvidenceKind.xlsx, "名簿.xlsx"),
        ("契約書.docm", EvidenceKind.docx, "契約書.docx"),
        ("構成図", EvidenceKind.png, "構成図.png"),
        ("議事録.第3回", EvidenceKind.pdf, "議事録.第3回.pdf"),
        ("手順書 Ver.1.2", EvidenceKind.pdf, "手順書 Ver.1.2.pdf"),
        ("report.pdf.exe", EvidenceKind.pdf, "report.pdf.pdf"),
        ("a<b>:c|d?e*.html", EvidenceKind.pdf, "a_b__c_d_e_.pdf"),
        ("ok\u202egpj.html", EvidenceKind.pdf, "ok_gpj.pdf"),  # right-to-left override
        ("line\r\nbreak.pdf", EvidenceKind.pdf, "line__break.pdf"),
        (".html", EvidenceKind.pdf, "html.pdf"),
        ("...", EvidenceKind.pdf, "evidence.pdf"),
        ("trailing. .html", EvidenceKind.pdf, "trailing.pdf"),
    ],
)
def test_downloads_carry_the_extension_of_the_content(
    original: str, kind: EvidenceKind, served: str
) -> None:
    assert served_name(original, kind) == served


def test_a_stored_media_type_names_its_kind() -> None:
    for kind in EvidenceKind:
        assert EvidenceKind.of_media_type(kind.media_type) is kind
        assert EvidenceKind.of_media_type(kind.media_type.upper() + "; x=1") is kind
    assert EvidenceKind.of_media_type("text/html") is None
    assert EvidenceKind.of_media_type("") is None
