"""A small website on 127.0.0.1 for run-level tests: pages set per path, 404 for the rest.

(The probe's own tests have a richer one, tests/social/official_site.py; this one only has to
serve a listing page and an account page.)
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Site:
    base_url: str
    pages: dict[str, tuple[int, str]] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return self.base_url + path

    def page(self, path: str, html: str, status: int = 200) -> None:
        with self.lock:
            self.pages[path] = (status, html)


@contextmanager
def local_site() -> Iterator[Site]:
    holder: dict[str, Site] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            site = holder["site"]
            with site.lock:
                site.hits.append(self.path)
                status, html = site.pages.get(self.path, (404, "<p>not found</p>"))
            body = html.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder["site"] = Site(base_url=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder["site"]
    finally:
        server.shutdown()
        server.server_close()
