"""Read a portal form POST as it streams in: fields into memory, files straight to disk.

Every portal form carries the CSRF token as its first field, so the token is checked before a
single byte of a file is written. A file is refused the moment it passes the size limit (the
rest of the request is not read), and the whole body has a ceiling declared up front.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header
from starlette.requests import Request

from service.errors import AppError, PayloadTooLarge
from service.evidence.storage import EvidenceStore, IncomingFile, ReceivedUpload

MAX_FIELDS = 5000
MAX_FILES_PER_POST = 10
CSRF_FIELD = "csrf_token"
FILE_FIELD_PREFIX = "file."


class CsrfRefused(AppError):
    status_code = 403
    code = "csrf_failed"


class BadForm(AppError):
    status_code = 400
    code = "bad_form"


@dataclass
class PostedForm:
    fields: dict[str, list[str]] = field(default_factory=dict)
    uploads: list[ReceivedUpload] = field(default_factory=list)

    def get(self, name: str, default: str = "") -> str:
        values = self.fields.get(name)
        return values[0] if values else default

    def get_all(self, name: str) -> list[str]:
        return self.fields.get(name, [])


CsrfCheck = Callable[[str], bool]


def _declared_length(request: Request) -> int | None:
    declared = request.headers.get("content-length")
    return int(declared) if declared and declared.isdigit() else None


async def read_form(
    request: Request,
    *,
    csrf_ok: CsrfCheck,
    store: EvidenceStore,
    file_limit: int,
    field_limit: int,
) -> PostedForm:
    """The posted form, after the CSRF check; raises CsrfRefused, PayloadTooLarge or
    UploadTooLarge (files received so far are removed)."""
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    ceiling = field_limit + file_limit * MAX_FILES_PER_POST
    declared = _declared_length(request)
    if content_type == b"application/x-www-form-urlencoded":
        if declared is not None and declared > field_limit:
            raise PayloadTooLarge(f"the form is over {field_limit} bytes")
        form = await _read_urlencoded(request, field_limit)
    elif content_type == b"multipart/form-data" and b"boundary" in params:
        if declared is not None and declared > ceiling:
            raise PayloadTooLarge(f"the request is over {ceiling} bytes")
        form = await _MultipartReader(
            params[b"boundary"], csrf_ok, store, file_limit, field_limit
        ).read(request)
    else:
        form = PostedForm()  # not a form at all: it has no token either, refused just below
    if not csrf_ok(form.get(CSRF_FIELD)):
        discard(form)
        raise CsrfRefused("the form's security token is missing or wrong")
    return form


def discard(form: PostedForm) -> None:
    for upload in form.uploads:
        upload.path.unlink(missing_ok=True)
    form.uploads.clear()


async def _read_urlencoded(request: Request, limit: int) -> PostedForm:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise PayloadTooLarge(f"the form is over {limit} bytes")
    form = PostedForm()
    pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    if len(pairs) > MAX_FIELDS:
        raise BadForm("too many fields")
    for name, value in pairs:
        form.fields.setdefault(name, []).append(value)
    return form


class _MultipartReader:
    """python-multipart's streaming parser with our sinks; callbacks only queue work."""

    def __init__(
        self,
        boundary: bytes,
        csrf_ok: CsrfCheck,
        store: EvidenceStore,
        file_limit: int,
        field_limit: int,
    ) -> None:
        self.boundary = boundary
        self.csrf_ok = csrf_ok
        self.store = store
        self.file_limit = file_limit
        self.field_limit = field_limit
        self.form = PostedForm()
        self.field_bytes = 0
        self.header_name = b""
        self.header_value = b""
        self.disposition = b""
        self.part_name = ""
        self.part_file_name: str | None = None
        self.part_data = bytearray()
        self.current: IncomingFile | None = None
        self.csrf_seen = False
        self.pending: list[tuple[str, object]] = []  # ("begin"|"data"|"end", payload)
        self.fields_seen = 0

    # --- parser callbacks (synchronous): record what happened --------------------------------

    def on_part_begin(self) -> None:
        self.disposition = b""

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        if self.header_name.strip().lower() == b"content-disposition":
            self.disposition = self.header_value
        self.header_name = b""
        self.header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.disposition)
        self.part_name = _decode(options.get(b"name", b""))
        raw_file_name = options.get(b"filename")
        self.part_file_name = None if raw_file_name is None else _decode(raw_file_name)
        self.part_data = bytearray()
        self.fields_seen += 1
        if self.fields_seen > MAX_FIELDS:
            raise BadForm("too many fields")
        if self.part_file_name is not None:
            if not self.csrf_seen:
                # The token comes first in every form we render; a file before it is refused
                # before anything is written.
                raise CsrfRefused("the form's security token must come before any file")
            self.pending.append(("begin", (self.part_name, self.part_file_name)))

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self.part_file_name is not None:
            self.pending.append(("data", chunk))
            return
        self.field_bytes += len(chunk)
        if self.field_bytes > self.field_limit:
            raise PayloadTooLarge(f"the form's fields are over {self.field_limit} bytes")
        self.part_data += chunk

    def on_part_end(self) -> None:
        if self.part_file_name is not None:
            self.pending.append(("end", None))
            return
        value = self.part_data.decode("utf-8", "replace")
        self.form.fields.setdefault(self.part_name, []).append(value)
        if self.part_name == CSRF_FIELD and not self.csrf_seen:
            self.csrf_seen = True
            if not self.csrf_ok(value):
                raise CsrfRefused("the form's security token is missing or wrong")

    # --- the asynchronous side: files go to disk between parser writes -----------------------

    async def _drain(self) -> None:
        for kind, payload in self.pending:
            if kind == "begin":
                assert isinstance(payload, tuple)
                name, file_name = payload
                if not file_name or not name.startswith(FILE_FIELD_PREFIX):
                    self.current = None  # an empty file input, or not ours: skipped
                    continue
                if len(self.form.uploads) >= MAX_FILES_PER_POST:
                    raise BadForm(f"at most {MAX_FILES_PER_POST} files per save")
                question_id = name.removeprefix(FILE_FIELD_PREFIX)
                self.current = self.store.open_incoming(question_id, file_name, self.file_limit)
            elif kind == "data":
                if self.current is not None:
                    assert isinstance(payload, bytes)
                    await self.current.write(payload)
            elif self.current is not None:
                received = await self.current.finish()
                self.current = None
                if received.size == 0 and not received.raw_name:
                    received.path.unlink(missing_ok=True)
                else:
                    self.form.uploads.append(received)
        self.pending.clear()

    async def read(self, request: Request) -> PostedForm:
        parser = MultipartParser(
            self.boundary,
            {
                "on_part_begin": self.on_part_begin,
                "on_part_data": self.on_part_data,
                "on_part_end": self.on_part_end,
                "on_header_field": self.on_header_field,
                "on_header_value": self.on_header_value,
                "on_header_end": self.on_header_end,
                "on_headers_finished": self.on_headers_finished,
            },
        )
        try:
            async for chunk in request.stream():
                parser.write(chunk)
                await self._drain()
            parser.finalize()
            await self._drain()
        except FormParserError:
            self._cleanup()
            raise BadForm("the form data is malformed") from None
        except BaseException:
            self._cleanup()
            raise
        return self.form

    def _cleanup(self) -> None:
        if self.current is not None:
            self.current.discard()
        discard(self.form)


def _decode(raw: bytes) -> str:
    try:
        return codecs.decode(raw, "utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")
