"""A generated contract opens in LibreOffice: it converts to a PDF with pages and its text.

LibreOffice is a test dependency (the test command installs it with apt); without it this test
fails rather than skips, so a missing install cannot pass unnoticed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from service.contracts.render import render_contract
from tests.contracts.sample import FACTS, shipped_contract

INSTALL = "apt-get install -y --no-install-recommends libreoffice-writer-nogui"
PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        pytest.fail(f"LibreOffice (soffice) is not on PATH; install it with `{INSTALL}`")
    return found


def to_pdf(docx: Path, outdir: Path) -> Path:
    profile = outdir / "lo-profile"
    try:
        result = subprocess.run(
            [
                soffice(),
                f"-env:UserInstallation={profile.as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                "pdf",
                "--outdir",
                str(outdir),
                str(docx),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("LibreOffice did not convert the contract within 120 s")
    pdf = outdir / f"{docx.stem}.pdf"
    assert result.returncode == 0, result.stdout + result.stderr
    assert pdf.exists(), f"no PDF written: {result.stdout} {result.stderr}"
    return pdf


def page_count(pdf: Path) -> int:
    if shutil.which("pdfinfo"):
        info = subprocess.run(
            ["pdfinfo", str(pdf)], capture_output=True, text=True, timeout=60, check=True
        ).stdout
        match = re.search(r"^Pages:\s+(\d+)$", info, re.MULTILINE)
        assert match, info
        return int(match.group(1))
    return len(PAGE.findall(pdf.read_bytes()))


def test_a_generated_contract_converts_to_pdf(tmp_path: Path) -> None:
    resolved = shipped_contract(conditions=["利用開始までにTLS 1.1以前を無効化すること。"])
    docx = tmp_path / "contract.docx"
    docx.write_bytes(render_contract(resolved))

    pdf = to_pdf(docx, tmp_path)
    content = pdf.read_bytes()
    assert content.startswith(b"%PDF-")
    assert len(PAGE.findall(content)) >= 1
    # The annex (別紙) starts on a page of its own, so there are at least two.
    assert page_count(pdf) >= 2

    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(pdf), "-"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        flat = re.sub(r"\s+", "", text)
        assert re.sub(r"\s+", "", resolved.title) in flat
        assert FACTS.engagement_number in flat
        assert "第1条" in flat
        assert f"第{len(resolved.articles)}条" in flat
        assert "別紙" in flat
        assert "利用開始までにTLS1.1以前を無効化すること。" in flat
