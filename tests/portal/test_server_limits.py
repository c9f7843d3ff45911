"""Upload limits against a real server process: the answer comes before the body is sent."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.portal.server import Server, invite

MiB = 1024 * 1024


def test_the_server_answers_an_oversized_upload_without_reading_it(portal_server: Server) -> None:
    setup = invite(portal_server, name="相良村")
    token = setup.link.rsplit("/", 1)[1]
    certified = httpx.patch(
        f"{portal_server.base}/api/vendor/{token}/answers",
        json={"answers": {"isms_certified": True}},
    )
    assert certified.status_code == 200
    with httpx.Client(follow_redirects=False, timeout=60) as browser:
        assert browser.get(setup.link).status_code == 303
        page = browser.get(f"{portal_server.base}/v/s/B").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert csrf
        boundary = "----limit"
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
            f"{csrf.group(1)}\r\n"
            f'--{boundary}\r\nContent-Disposition: form-data; name="shown"\r\n\r\n'
            "isms_certified,isms_certificate\r\n"
            f'--{boundary}\r\nContent-Disposition: form-data; name="a.isms_certified"\r\n\r\n'
            "yes\r\n"
            f'--{boundary}\r\nContent-Disposition: form-data; name="file.isms_certificate"; '
            'filename="huge.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
        ).encode()
        sent = [0]
        total_mib = 400  # twenty times the default 20 MiB limit

        def body() -> Iterator[bytes]:
            yield head
            yield b"%PDF-1.7\n"
            for _ in range(total_mib):
                sent[0] += MiB
                yield bytes(MiB)
            yield f"\r\n--{boundary}--\r\n".encode()

        response = browser.post(
            f"{portal_server.base}/v/s/B",
            content=body(),
            headers={"content-type": f"multipart/form-data; boundary={boundary}"},
        )
    assert response.status_code == 413
    assert "ファイルが大きすぎます" in response.text
    # Only the limit and what the sockets buffer went out before the answer came.
    assert sent[0] < total_mib * MiB / 4, f"{sent[0] // MiB} MiB sent"
    stored = [p for p in Path(portal_server.evidence_dir).rglob("*") if p.is_file()]
    assert not [p for p in stored if p.stat().st_size > 20 * MiB]
    assert not any(p.parent.name == "incoming" for p in stored)
