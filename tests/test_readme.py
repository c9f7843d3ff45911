"""The README's walkthrough, run as written against a real `make run` (a real server process)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def walkthrough_script() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Walkthrough", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, flags=re.S)
    # The first block tells the reader to export BASE and ADMIN_TOKEN; the test sets both.
    return "\n".join(blocks[1:])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    work = tmp_path_factory.mktemp("readme")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    database_url = f"sqlite://{work / 'walkthrough.sqlite3'}"
    env = {
        **os.environ,
        "VETTING_DATABASE_URL": database_url,
        "VETTING_PORT": str(port),
        "VETTING_PUBLIC_BASE_URL": base,
    }
    log = (work / "server.log").open("w+")
    process = subprocess.Popen(  # the README's start command, as a newcomer runs it
        ["make", "run"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
            assert process.poll() is None, (work / "server.log").read_text()
        else:
            pytest.fail("the server did not start:\n" + (work / "server.log").read_text())
        output = (work / "server.log").read_text()
        match = re.search(r"admin API token \(operator organization\): (vt_\S+)", output)
        assert match, output
        yield base, match.group(1), database_url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_walkthrough_runs_as_written(server: tuple[str, str, str], tmp_path: Path) -> None:
    base, token, database_url = server
    script = walkthrough_script()
    assert "api POST /api/organizations" in script  # the section was found
    # The console commands reach the server's database, as on the machine that runs it.
    env = {**os.environ, "BASE": base, "ADMIN_TOKEN": token, "VETTING_DATABASE_URL": database_url}
    links = f"ln -s {ROOT}/docs docs && ln -s {ROOT}/.venv .venv"
    result = subprocess.run(
        ["bash", "-c", f"cd {ROOT} && cd {tmp_path} && {links} && {script}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    # Users mint their own tokens; the admin lists every token of the organization with its kind.
    assert re.search(r"^personal$", out, flags=re.M)
    assert "personal\t情報セキュリティ管理者\tlaptop" in out
    assert "personal\t総務課 システム管理者\tfirst" in out
    # The link to send opens the browser portal; the script used the same link's JSON API.
    assert re.search(rf"^send this to the vendor: {re.escape(base)}/v/vl_[\w-]+$", out, flags=re.M)
    assert "CLD2-SEL-10\tpass\t" in out  # verdicts name their sources
    assert "GL 8.3" in out
    assert '{"trigger":"submitted","profile_version":2,"counts":{' in out  # its evaluations
    assert "approved_with_conditions" in out
    assert re.search(r"^\d{4}-\d{2}-\d{2}$", out, flags=re.M)  # next review due
    assert "contract.generated" in out
    assert "cloud-security-terms\tK08\tnamed\t再委託の制限" in out  # the vendor named them
    # The work sites and the responsibility matrix come from the example answers (form version 2).
    assert "cloud-security-terms\tK02\tdomestic_sites\t責任体制及び作業場所" in out
    assert "cloud-security-terms\tCK08\tidentified\t責任分界" in out
    assert '{"name":"terms.cure_days","old":"30","new":"14"}' in out  # the diff of versions
    assert '"ok": true' in out
    contract = tmp_path / "contract.docx"
    assert zipfile.is_zipfile(contract)
    with zipfile.ZipFile(contract) as docx:
        document = docx.read("word/document.xml").decode()
    assert "株式会社さくらクラウド" in document
    assert "（所在地：東京都江東区青海二丁目4番32号）" in document
    assert (
        "責任分界表（みなとクラウド 責任分界表 MCS-RM-001 第2版（2026年4月1日改定））" in document
    )


def test_second_start_prints_no_new_token(server: tuple[str, str, str]) -> None:
    base, token, _ = server
    response = httpx.get(f"{base}/api/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json()["user"]["roles"] == ["admin"]
