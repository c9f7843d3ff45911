"""One contract of each type opens in LibreOffice: it converts to a PDF with pages and its text.

LibreOffice, poppler-utils and a Japanese font are test dependencies (`make system-deps`);
without them these tests fail rather than skip, so a missing install cannot pass unnoticed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from service.contracts.assemble import AssembledContract
from tests.contracts.sample import cloud, outsourcing, render, tos_cloud

INSTALL = "make system-deps"
CONDITIONS = ["利用開始までにTLS 1.1以前を無効化すること。"]


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not on PATH; install it with `{INSTALL}`")
    return found


def to_pdf(docx: Path, outdir: Path) -> Path:
    profile = outdir / "lo-profile"
    try:
        result = subprocess.run(
            [
                tool("soffice"),
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
            timeout=180,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("LibreOffice did not convert the contract within 180 s")
    pdf = outdir / f"{docx.stem}.pdf"
    assert result.returncode == 0, result.stdout + result.stderr
    assert pdf.exists(), f"no PDF written: {result.stdout} {result.stderr}"
    return pdf


def pdf_pages(pdf: Path) -> int:
    info = subprocess.run(
        [tool("pdfinfo"), str(pdf)], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    match = re.search(r"^Pages:\s+(\d+)$", info, re.MULTILINE)
    assert match, info
    return int(match.group(1))


def pdf_text(pdf: Path) -> str:
    text = subprocess.run(
        [tool("pdftotext"), "-enc", "UTF-8", str(pdf), "-"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    return re.sub(r"\s+", "", text)


def with_conditions(assembled: AssembledContract) -> AssembledContract:
    from dataclasses import replace

    return replace(assembled, document=replace(assembled.document, conditions=CONDITIONS))


@pytest.mark.parametrize(
    ("name", "make", "min_pages"),
    [
        ("outsourcing", outsourcing, 6),  # the terms and both annexes
        ("cloud", cloud, 5),  # the terms and the personal-data annex
        ("tos_cloud", tos_cloud, 2),
        ("tos_cloud_personal_data", lambda: tos_cloud(personal_data=True), 3),  # and its annex
    ],
)
def test_each_contract_type_converts_to_pdf(
    tmp_path: Path, name: str, make: Callable[[], AssembledContract], min_pages: int
) -> None:
    assembled = with_conditions(make())
    docx = tmp_path / f"{name}.docx"
    docx.write_bytes(render(assembled))

    pdf = to_pdf(docx, tmp_path)
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert pdf_pages(pdf) >= min_pages

    flat = pdf_text(pdf)
    document = assembled.document
    assert re.sub(r"\s+", "", document.title) in flat
    assert document.engagement_number in flat  # the header
    for part in document.parts[1:]:
        assert part.title in flat
    last = len(document.parts[0].articles)
    assert "第1条" in flat and f"第{last}条" in flat
    assert "別紙" in flat and "承認条件" in flat
    assert "利用開始までにTLS1.1以前を無効化すること。" in flat
    assert document.party_a.name in flat and document.party_b.name in flat
