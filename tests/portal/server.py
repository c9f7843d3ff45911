"""A real `vetting serve` process on a free port, on SQLite or on its own PostgreSQL database."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Server:
    base: str
    admin_token: str
    evidence_dir: Path
    log: Path
    env: dict[str, str]

    def api(self, method: str, path: str, token: str, body: Any = None) -> Any:
        response = httpx.request(
            method,
            f"{self.base}{path}",
            headers={"Authorization": f"Bearer {token}"},
            json=body,
            timeout=30,
        )
        assert response.status_code < 300, f"{method} {path}: {response.text}"
        return response.json() if response.content else None

    def console_token(self, user_id: str) -> str:
        """A person's first token from the server console, as `vetting token create` gives it."""
        vetting = Path(sys.executable).parent / "vetting"
        result = subprocess.run(
            [str(vetting), "token", "create", "--user", user_id, "--name", "browser"],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout.strip().splitlines()[-1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _admin(statement: str) -> None:
    import asyncpg

    server_url = os.environ["VETTING_TEST_DATABASE_URL"]

    async def run() -> None:
        conn = await asyncpg.connect(server_url.replace("postgres://", "postgresql://", 1))
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(run())


@contextmanager
def running_server(work: Path, **settings: str) -> Iterator[Server]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server_url = os.environ.get("VETTING_TEST_DATABASE_URL")
    database = f"vetting_browser_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    if server_url:
        _admin(f'CREATE DATABASE "{database}"')
        database_url = server_url.rsplit("/", 1)[0] + "/" + database
    else:
        database_url = f"sqlite://{work / 'server.sqlite3'}"
    env = {
        **os.environ,
        "VETTING_DATABASE_URL": database_url,
        "VETTING_PORT": str(port),
        "VETTING_PUBLIC_BASE_URL": base,
        "VETTING_EVIDENCE_DIR": str(work / "evidence"),
        **{f"VETTING_{k.upper()}": v for k, v in settings.items()},
    }
    env.pop("VETTING_BROKER_URL", None)
    log_path = work / "server.log"
    vetting = Path(sys.executable).parent / "vetting"
    with log_path.open("w+") as log:
        process = subprocess.Popen(
            [str(vetting), "serve"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                assert process.poll() is None, log_path.read_text()
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.3)
            else:
                raise AssertionError("the server did not start:\n" + log_path.read_text())
            match = re.search(
                r"admin API token \(operator organization\): (vt_\S+)", log_path.read_text()
            )
            assert match, log_path.read_text()
            yield Server(base, match.group(1), work / "evidence", log_path, env)
        finally:
            process.terminate()
            process.wait(timeout=30)
            if server_url:
                _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@dataclass
class Setup:
    """An organization with its staff, a vendor, an engagement, a review and its link."""

    org_id: str
    tokens: dict[str, str]
    review_id: str
    link: str


def invite(server: Server, name: str = "人吉市") -> Setup:
    api, admin = server.api, server.admin_token
    org = api(
        "POST", "/api/organizations", admin, {"name": name, "jurisdiction_court": "熊本地方裁判所"}
    )
    tokens: dict[str, str] = {}
    # The operator creates the organization's admin, the admin its staff; every first token
    # comes from the console (no one mints a token for another user).
    org_admin = admin
    for role in ("admin", "procurement", "security", "auditor"):
        user = api(
            "POST",
            f"/api/organizations/{org['id']}/users",
            org_admin,
            {
                "name": f"{role}担当",
                "email": f"{role}-{uuid.uuid4().hex[:6]}@city.example.jp",
                "roles": [role],
            },
        )
        tokens[role] = server.console_token(user["id"])
        if role == "admin":
            org_admin = tokens[role]
    vendor = api(
        "POST",
        "/api/vendors",
        tokens["procurement"],
        {"name": "株式会社みなとクラウドサービス", "corporate_number": "1180301018771"},
    )
    engagement = api(
        "POST",
        "/api/engagements",
        tokens["procurement"],
        {
            "vendor_id": vendor["id"],
            "kind": "cloud",
            "service_name": "電子申請クラウド",
            "purpose": "住民からの電子申請の受付と審査",
            "confidentiality": 2,
            "integrity": 2,
            "availability": 1,
            "personal_data": True,
            "my_number": False,
            "network_segment": "lgwan",
            "subcontracting": True,
            "start_date": "2027-04-01",
            "term_months": 36,
        },
    )
    review = api("POST", f"/api/engagements/{engagement['id']}/reviews", tokens["procurement"])
    invitation = api(
        "POST",
        f"/api/reviews/{review['id']}/invitations",
        tokens["procurement"],
        {"email": "sales@minato-cloud.example.jp"},
    )
    return Setup(org["id"], tokens, review["id"], invitation["url"])
