"""Real receivers on 127.0.0.1 for notification tests: an SMTP server (aiosmtpd) and an HTTP
server that records webhook requests. Both run in their own threads, so the test's event loop,
in-process jobs and worker subprocesses can all send to them.
"""

from __future__ import annotations

import email
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Received:
    raw: bytes
    message: EmailMessage
    envelope_to: list[str]
    peer: tuple[str, int] = ("", 0)  # the client's address and port: one per SMTP connection

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    @property
    def text(self) -> str:
        part = self.message.get_body(("plain",))
        assert part is not None
        return str(part.get_content())  # type: ignore[attr-defined]


@dataclass
class MailSink:
    """An aiosmtpd handler keeping every message it accepts."""

    messages: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = bytes(envelope.original_content or envelope.content)
        message = email.message_from_bytes(raw, policy=default_policy)
        assert isinstance(message, EmailMessage)
        with self.lock:
            peer = (str(session.peer[0]), int(session.peer[1]))
            self.messages.append(Received(raw, message, list(envelope.rcpt_tos), peer))
        return "250 OK: queued"

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [m for m in self.messages if address in m.envelope_to]

    def count(self) -> int:
        with self.lock:
            return len(self.messages)

    def connections(self) -> int:
        with self.lock:
            return len({m.peer for m in self.messages})


@dataclass
class SmtpServer:
    host: str
    port: int
    sink: MailSink


def _authenticator(username: str, password: str) -> Any:
    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            username.encode(),
            password.encode(),
        )
        return AuthResult(success=ok, handled=False)

    return check


@contextmanager
def smtp_server(
    *, username: str | None = None, password: str | None = None, port: int | None = None
) -> Iterator[SmtpServer]:
    sink = MailSink()
    port = port or free_port()
    options: dict[str, Any] = {}
    if username is not None and password is not None:
        # Plain-text AUTH is refused by default; allowed here because the test stays on loopback.
        options = {"authenticator": _authenticator(username, password), "auth_require_tls": False}
    controller = Controller(sink, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, sink)
    finally:
        controller.stop()


@dataclass
class HookRequest:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class HookReceiver:
    url: str
    requests: list[HookRequest] = field(default_factory=list)
    # Status codes to answer with, in order; then 200.
    script: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # A slow receiver: with `hold`, each request is recorded, then answered only once released
    # (when the receiver closes at the latest).
    hold: bool = False
    released: threading.Event = field(default_factory=threading.Event)

    def count(self) -> int:
        with self.lock:
            return len(self.requests)

    def of_type(self, event_type: str) -> list[HookRequest]:
        with self.lock:
            return [r for r in self.requests if r.json["type"] == event_type]


@contextmanager
def hook_receiver(script: list[int] | None = None, *, hold: bool = False) -> Iterator[HookReceiver]:
    port = free_port()
    receiver = HookReceiver(
        url=f"http://127.0.0.1:{port}/hooks", script=list(script or []), hold=hold
    )

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            with receiver.lock:
                receiver.requests.append(HookRequest(self.path, dict(self.headers), body))
                status = receiver.script.pop(0) if receiver.script else 200
            if receiver.hold:
                receiver.released.wait(timeout=600)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.released.set()
        server.shutdown()
        server.server_close()
        thread.join()
