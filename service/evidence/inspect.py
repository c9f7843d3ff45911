"""What an uploaded file really is: judged by its content, never by its name. Pure, no database.

PDF, PNG and JPEG are recognised by their signatures. XLSX and DOCX are ZIP archives: the archive
is opened, its entries are counted and really decompressed (so sizes declared in the headers
cannot lie), and the OOXML parts that make it a workbook or a document must be there.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
import zipfile
from enum import StrEnum
from pathlib import Path

from defusedxml import DefusedXmlException, ElementTree

from service.catalog.text import Text


class EvidenceKind(StrEnum):
    pdf = "pdf"
    png = "png"
    jpeg = "jpeg"
    xlsx = "xlsx"
    docx = "docx"

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self]

    @property
    def label(self) -> str:
        return self.value.upper()

    @property
    def extensions(self) -> tuple[str, ...]:
        """The file name extensions of this kind, the usual one first."""
        return EXTENSIONS[self]

    @classmethod
    def of_media_type(cls, media_type: str) -> EvidenceKind | None:
        """The kind a stored media type names (parameters ignored); None for any other."""
        bare = media_type.split(";", 1)[0].strip().lower()
        return next((kind for kind, known in MEDIA_TYPES.items() if known == bare), None)


MEDIA_TYPES = {
    EvidenceKind.pdf: "application/pdf",
    EvidenceKind.png: "image/png",
    EvidenceKind.jpeg: "image/jpeg",
    EvidenceKind.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    EvidenceKind.docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
EXTENSIONS = {
    EvidenceKind.pdf: ("pdf",),
    EvidenceKind.png: ("png",),
    EvidenceKind.jpeg: ("jpg", "jpeg"),
    EvidenceKind.xlsx: ("xlsx",),
    EvidenceKind.docx: ("docx",),
}
# What a file input may suggest to the browser's file picker (a hint only; content decides).
PICKER_HINTS = {
    EvidenceKind.pdf: ".pdf,application/pdf",
    EvidenceKind.png: ".png,image/png",
    EvidenceKind.jpeg: ".jpg,.jpeg,image/jpeg",
    EvidenceKind.xlsx: f".xlsx,{MEDIA_TYPES[EvidenceKind.xlsx]}",
    EvidenceKind.docx: f".docx,{MEDIA_TYPES[EvidenceKind.docx]}",
}

# The main part of each OOXML package, by the content type [Content_Types].xml gives it.
_MAIN_PARTS = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": (
        EvidenceKind.xlsx
    ),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": (
        EvidenceKind.docx
    ),
}
_CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_OFFICE_DOCUMENT = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
)

HEAD_BYTES = 16  # enough of the start of a file to tell the kinds apart
MAX_ZIP_ENTRIES = 2000  # a workbook with many sheets and images stays far below
MAX_RATIO = 100  # uncompressed : compressed, for archives or entries over RATIO_FLOOR
RATIO_FLOOR = 8 * 1024 * 1024  # small content cannot be a bomb, whatever it compresses to
_READ_CHUNK = 1024 * 1024
MAX_NAME_CHARS = 200


class EvidenceRefused(Exception):
    """The file is not taken; `message` says why in both languages, for the vendor."""

    def __init__(self, code: str, message: Text) -> None:
        super().__init__(message.en)
        self.code = code
        self.message = message


def _refuse(code: str, ja: str, en: str) -> EvidenceRefused:
    return EvidenceRefused(code, Text(ja=ja, en=en))


def not_a_known_kind() -> EvidenceRefused:
    return _refuse(
        "wrong_type",
        "ファイルの内容が PDF、PNG、JPEG、XLSX、DOCX のいずれでもありません。"
        "ファイル名の拡張子ではなく、中身で判定しています。",
        "The file's content is not PDF, PNG, JPEG, XLSX or DOCX. "
        "The type is judged by the content, not by the file name.",
    )


def sniff(head: bytes) -> EvidenceKind | str | None:
    """The kind the first bytes announce; "zip" when the archive decides; None for anything else."""
    if head.startswith(b"%PDF-"):
        return EvidenceKind.pdf
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
        return EvidenceKind.png
    if head.startswith(b"\xff\xd8\xff"):
        return EvidenceKind.jpeg
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "cfb"  # Compound File: old .xls/.doc, or an Office file with a password
    return None


def identify(path: Path, head: bytes, *, size: int, max_unzipped_bytes: int) -> EvidenceKind:
    """The kind of the stored upload at `path`, or EvidenceRefused."""
    if size == 0:
        raise _refuse("empty", "ファイルが空です。", "The file is empty.")
    kind = sniff(head)
    if isinstance(kind, EvidenceKind):
        return kind
    if kind == "zip":
        return inspect_ooxml(path, max_unzipped_bytes=max_unzipped_bytes)
    if kind == "cfb":
        raise _refuse(
            "wrong_type",
            "パスワード付きのOffice文書、又は旧形式（.xls / .doc）の文書は受け付けられません。"
            "パスワードを外し、XLSX又はDOCX形式で保存し直してください。",
            "Password-protected Office files and the old .xls / .doc formats are not accepted. "
            "Remove the password and save the file as XLSX or DOCX.",
        )
    raise not_a_known_kind()


def _bomb(detail_ja: str, detail_en: str) -> EvidenceRefused:
    return _refuse(
        "zip_bomb",
        f"展開後のサイズが異常に大きい圧縮ファイルのため受け付けられません（{detail_ja}）。",
        f"The archive expands to an abnormal size and is not accepted ({detail_en}).",
    )


def _broken() -> EvidenceRefused:
    return _refuse(
        "wrong_type",
        "XLSX又はDOCXとして読み取れないファイルです（ZIP構造が壊れています）。",
        "The file cannot be read as XLSX or DOCX (its ZIP structure is broken).",
    )


def inspect_ooxml(path: Path, *, max_unzipped_bytes: int) -> EvidenceKind:
    """XLSX or DOCX, after checking the archive's shape and decompressing every entry."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            _check_entries(entries, path.stat().st_size, max_unzipped_bytes)
            kind = _package_kind(archive)
            _decompress_all(archive, entries, max_unzipped_bytes)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, OSError):
        raise _broken() from None
    return kind


def _check_entries(entries: list[zipfile.ZipInfo], archive_size: int, limit: int) -> None:
    if len(entries) > MAX_ZIP_ENTRIES:
        raise _bomb(f"{len(entries)} 個のファイルを含む", f"{len(entries)} entries")
    declared = 0
    for entry in entries:
        name = entry.filename
        if name.startswith(("/", "\\")) or ".." in name.replace("\\", "/").split("/"):
            raise _broken()
        if entry.flag_bits & 0x1:
            raise _refuse(
                "wrong_type",
                "暗号化された圧縮ファイルは受け付けられません。",
                "Encrypted archives are not accepted.",
            )
        declared += entry.file_size
        ratio_too_high = entry.file_size > MAX_RATIO * max(entry.compress_size, 1)
        if entry.file_size > RATIO_FLOOR and ratio_too_high:
            raise _bomb("圧縮率が高すぎる", "compression ratio too high")
    if declared > limit:
        raise _bomb("展開後の合計が上限を超える", "total expanded size over the limit")
    if declared > RATIO_FLOOR and declared > MAX_RATIO * max(archive_size, 1):
        raise _bomb("圧縮率が高すぎる", "compression ratio too high")


def _read_small(archive: zipfile.ZipFile, name: str) -> bytes:
    with archive.open(name) as member:
        data = member.read(_READ_CHUNK + 1)
    if len(data) > _READ_CHUNK:
        raise _broken()
    return data


def _package_kind(archive: zipfile.ZipFile) -> EvidenceKind:
    names = set(archive.namelist())
    if "[Content_Types].xml" not in names or "_rels/.rels" not in names:
        raise not_a_known_kind()
    try:
        types = ElementTree.fromstring(_read_small(archive, "[Content_Types].xml"))
        rels = ElementTree.fromstring(_read_small(archive, "_rels/.rels"))
    except (ElementTree.ParseError, DefusedXmlException):  # entity tricks are refused too
        raise _broken() from None
    overrides = {
        (element.get("PartName") or "").lstrip("/"): element.get("ContentType") or ""
        for element in types.iter(f"{_CT_NS}Override")
    }
    if any("macroEnabled" in content_type for content_type in overrides.values()) or any(
        name.lower().endswith("vbaproject.bin") for name in names
    ):
        raise _refuse(
            "wrong_type",
            "マクロを含むファイルは受け付けられません。マクロなしのXLSX又はDOCXで保存してください。",
            "Files with macros are not accepted. Save the file as XLSX or DOCX without macros.",
        )
    targets = [
        posixpath.normpath((element.get("Target") or "").lstrip("/"))
        for element in rels.iter(f"{_REL_NS}Relationship")
        if element.get("Type") == _OFFICE_DOCUMENT
    ]
    for target in targets:
        kind = _MAIN_PARTS.get(overrides.get(target, ""))
        if kind is not None and target in names:
            return kind
    raise not_a_known_kind()


def _decompress_all(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo], limit: int) -> None:
    """Read every entry to its end: sizes are counted, not believed, and CRCs are checked."""
    total = 0
    for entry in entries:
        if entry.is_dir():
            continue
        with archive.open(entry) as member:
            while chunk := member.read(_READ_CHUNK):
                total += len(chunk)
                if total > limit:
                    raise _bomb("展開後の合計が上限を超える", "total expanded size over the limit")


# --- the original file name, kept as metadata only --------------------------------------------

_PATH_LIKE = re.compile(r"[/\\]|^\.{1,2}$|^[A-Za-z]:")
# An extension has a letter: "Ver.1.2" ends in a version number, not a type.
_EXTENSION = re.compile(r"\.((?=[0-9]*[A-Za-z])[A-Za-z0-9]{1,10})$")
# Characters no file system of the staff's machines takes in a name (Windows is the strictest).
_NOT_IN_FILE_NAMES = re.compile(r'[<>:"/\\|?*]')


def clean_original_name(raw: str) -> str:
    """The name to keep for display; EvidenceRefused for names that are paths.

    Control and bidirectional-formatting characters are dropped (they can disguise an
    extension), quotes are replaced, and very long names are shortened keeping the extension.
    """
    name = unicodedata.normalize("NFC", raw)
    if "\x00" in name or _PATH_LIKE.search(name.strip()):
        raise _refuse(
            "bad_name",
            "ファイル名にフォルダの指定（/ や \\ や ..）を含めることはできません。"
            "ファイル名だけにして、もう一度選択してください。",
            "The file name may not contain a folder path (/ or \\ or ..). "
            "Rename the file and choose it again.",
        )
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf"))
    name = name.replace('"', "'").strip().lstrip(".").strip()
    if len(name) > MAX_NAME_CHARS:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[: MAX_NAME_CHARS - len(extension) - 1] + "." + extension
        else:
            name = name[:MAX_NAME_CHARS]
    return name or "file"


def served_name(original_name: str, kind: EvidenceKind) -> str:
    """The name a download carries: the vendor's base name with the extension of the kind the
    content was judged to be, so `r.html` holding a PDF is handed out as `r.pdf`.

    Built again from the stored name on every download (rows from before this rule included):
    control, formatting and reserved characters are replaced, and an extension the kind does not
    have is dropped (`.html`); what is not an extension stays (`議事録.第3回`, `Ver.1.2`).
    """
    name = unicodedata.normalize("NFC", original_name)
    name = "".join("_" if unicodedata.category(ch) in ("Cc", "Cf") else ch for ch in name)
    name = _NOT_IN_FILE_NAMES.sub("_", name).strip().lstrip(".")
    extension = _EXTENSION.search(name)
    if extension is None:
        stem, suffix = name, kind.extensions[0]
    elif extension.group(1).lower() in kind.extensions:
        stem, suffix = name[: extension.start()], extension.group(1).lower()
    else:
        stem, suffix = name[: extension.start()], kind.extensions[0]
    stem = stem.rstrip(". ") or "evidence"  # Windows drops trailing dots and spaces
    return f"{stem}.{suffix}"
