"""A real HTTP server on 127.0.0.1 that plays an organization's official website.

Tests give it pages to serve (`page`, `redirect`, `stall`, `drip`, `stream`) before probing it.
It runs in its own thread (ThreadingHTTPServer, one thread per request), so a handler that
sleeps or streams 50 MB never blocks the test's event loop; streamed bodies are generated
chunk by chunk, never held in memory. On close it wakes every sleeping handler and joins all
threads, so nothing outlives the test.
"""

from __future__ import annotations

import ssl
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

STREAM_CHUNK_BYTES = 64 * 1024
Route = Callable[["_Handler"], None]


@dataclass(frozen=True)
class SeenRequest:
    path: str
    host: str


@dataclass
class OfficialSite:
    base_url: str
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[SeenRequest] = field(default_factory=list)
    # Body bytes each streamed path managed to send before the client hung up (or it finished).
    streamed_bytes: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)
    _stream_done: threading.Condition = field(default_factory=threading.Condition)

    def url(self, path: str) -> str:
        return self.base_url + path

    def paths_requested(self) -> list[str]:
        with self.lock:
            return [request.path for request in self.requests]

    def page(
        self,
        path: str,
        body: str | bytes,
        *,
        content_type: str = "text/html; charset=utf-8",
        status: int = 200,
        encoding: str = "utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        data = body.encode(encoding) if isinstance(body, str) else body
        extra = dict(headers or {})
        self.routes[path] = lambda handler: handler.answer(status, content_type, data, extra)

    def redirect(self, path: str, location: str, *, status: int = 302) -> None:
        def serve(handler: _Handler) -> None:
            handler.send_response(status)
            handler.send_header("Location", location)
            handler.send_header("Content-Length", "0")
            handler.end_headers()

        self.routes[path] = serve

    def stall(self, path: str, seconds: float) -> None:
        """Say nothing for `seconds` (or until the site closes), then answer a small page."""

        def serve(handler: _Handler) -> None:
            if not self.stopping.wait(seconds):
                handler.answer(200, "text/html; charset=utf-8", b"<p>late</p>")

        self.routes[path] = serve

    def drip(self, path: str, *, every_seconds: float) -> None:
        """Headers at once, then one byte per interval, forever: each read succeeds, so only
        an overall deadline stops a client."""

        def serve(handler: _Handler) -> None:
            handler.send_response(200)
            handler.send_header("Content-Type", "text/html; charset=utf-8")
            handler.send_header("Transfer-Encoding", "chunked")
            handler.end_headers()
            while not self.stopping.wait(every_seconds):
                handler.wfile.write(b"1\r\n \r\n")
                handler.wfile.flush()

        self.routes[path] = serve

    def stream(self, path: str, total_bytes: int, *, declare_length: bool) -> None:
        """A page of `total_bytes`, generated as it is sent: with Content-Length, or chunked."""
        filler = b"<p>" + b"x" * (STREAM_CHUNK_BYTES - 7) + b"</p>\n"

        def serve(handler: _Handler) -> None:
            sent = 0
            try:
                handler.send_response(200)
                handler.send_header("Content-Type", "text/html; charset=utf-8")
                if declare_length:
                    handler.send_header("Content-Length", str(total_bytes))
                else:
                    handler.send_header("Transfer-Encoding", "chunked")
                handler.end_headers()
                while sent < total_bytes and not self.stopping.is_set():
                    chunk = filler[: total_bytes - sent]
                    if declare_length:
                        handler.wfile.write(chunk)
                    else:
                        handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    sent += len(chunk)
                if not declare_length:
                    handler.wfile.write(b"0\r\n\r\n")
            finally:
                with self._stream_done:
                    self.streamed_bytes[path] = sent
                    self._stream_done.notify_all()

        self.routes[path] = serve

    def wait_for_stream_end(self, path: str, timeout: float) -> int:
        with self._stream_done:
            self._stream_done.wait_for(lambda: path in self.streamed_bytes, timeout)
            return self.streamed_bytes[path]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # A socket timeout, so a write to a client that stopped reading cannot hang the join on close.
    timeout = 15
    server: _SiteServer

    def do_GET(self) -> None:
        site = self.server.site
        path = urlsplit(self.path).path
        with site.lock:
            site.requests.append(SeenRequest(path, self.headers.get("Host", "")))
        route = site.routes.get(path)
        # One request per connection keeps the bookkeeping simple; the probe never reuses them.
        self.close_connection = True
        if route is None:
            self.send_error(404)
            return
        route(self)

    def answer(
        self, status: int, content_type: str, data: bytes, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def end_headers(self) -> None:
        self.send_header("Connection", "close")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return


class _SiteServer(ThreadingHTTPServer):
    # Join handler threads on close rather than leaving them running behind the test.
    daemon_threads = False
    block_on_close = True

    def __init__(self, site: OfficialSite) -> None:
        self.site = site
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-body (the probe stopping at its byte cap or deadline) is
        # what these tests provoke; anything else is a bug in the site and should be loud.
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


@contextmanager
def official_site(tls: ssl.SSLContext | None = None) -> Iterator[OfficialSite]:
    """The site on a free port of 127.0.0.1; over HTTPS when given a server TLS context."""
    site = OfficialSite(base_url="")
    server = _SiteServer(site)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    scheme = "https" if tls is not None else "http"
    site.base_url = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield site
    finally:
        site.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join()
