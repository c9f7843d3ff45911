"""The keyed chain and its checkpoints outside the database: what the walk alone cannot find
(the last events deleted, the chain rewritten with recomputed hashes) is found against the latest
checkpoint; checkpoints go to the file (0600, append-only), by e-mail and to webhooks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from service.audit import checkpoints
from service.audit.chain import canonical, unkeyed_hash
from service.audit.models import AuditEvent
from service.audit.verification import verify_chain
from service.config import get_settings
from tests.audit.test_chain import VETTING, verify_cli
from tests.factories import Org, evaluated_review, new_vendor
from tests.receivers import HookReceiver, SmtpServer, hook_receiver, smtp_server
from workers import runtime


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [VETTING, "audit", *args], capture_output=True, text=True, timeout=60, check=False
    )


async def checkpoint(org: Org) -> checkpoints.Checkpoint:
    [outcome] = await checkpoints.make_checkpoints([org.id])
    assert outcome.status == "written", outcome
    assert outcome.checkpoint is not None
    return outcome.checkpoint


async def test_deleting_the_last_events_is_reported_as_truncation(
    client: httpx.AsyncClient, org: Org
) -> None:
    await evaluated_review(client, org)
    made = await checkpoint(org)
    events = await AuditEvent.filter(organization_id=org.id).order_by("seq")
    assert made.seq == events[-1].seq and made.head_hash == events[-1].hash
    # Without the checkpoint, a chain cut at its end still links up: only the checkpoint knows.
    await AuditEvent.filter(id__in=[e.id for e in events[-3:]]).delete()
    first_missing = events[-3].seq

    report = await verify_chain(org.id)
    assert (report.ok, report.truncated) == (False, True)
    assert report.first_broken_seq == first_missing
    assert report.head_seq == first_missing - 1
    result = verify_cli(org.id)
    assert result.returncode == 1
    assert f"TRUNCATED {org.id}: first broken link at seq {first_missing}" in result.stdout
    assert f"{first_missing}-{made.seq} are missing" in result.stdout
    api = (await client.get("/api/audit/verification", headers=org.h("auditor"))).json()
    assert api["ok"] is False and api["truncated"] is True
    assert api["latest_checkpoint"]["seq"] == made.seq
    assert api["latest_checkpoint"]["head_hash"] == made.head_hash


async def test_a_chain_rewritten_with_recomputed_hashes_is_reported(
    client: httpx.AsyncClient, org: Org
) -> None:
    await evaluated_review(client, org)
    made = await checkpoint(org)
    events = await AuditEvent.filter(organization_id=org.id).order_by("seq")
    # Without the key, a forger rewrites one event and recomputes every hash from there on:
    # first keeping the key ids (the MACs do not verify), then as a chain from before keys
    # (every link holds; the checkpoint does not).
    target = events[len(events) // 2]
    await AuditEvent.filter(id=target.id).update(hash=hashlib.sha256(b"forged").hexdigest())
    report = await verify_chain(org.id)
    assert report.first_broken_seq == target.seq
    assert "content does not match hash" in report.problem

    prev = "0" * 64
    for event in events:
        if event.seq == target.seq:
            event.data = {**event.data, "reason": "改ざん"}
        event.prev_hash, event.key_id = prev, ""
        event.hash = unkeyed_hash(event)
        prev = event.hash
        await AuditEvent.filter(id=event.id).update(
            data=event.data, prev_hash=event.prev_hash, hash=event.hash, key_id=""
        )
    report = await verify_chain(org.id)
    assert report.ok is False and report.truncated is False
    assert report.first_broken_seq == made.seq
    assert "does not match the checkpoint" in report.problem
    result = verify_cli(org.id)
    assert result.returncode == 1
    assert f"BROKEN {org.id}: first broken link at seq {made.seq}" in result.stdout


@pytest.fixture
def checkpoint_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "anchors" / "audit-checkpoints.jsonl"
    monkeypatch.setattr(get_settings(), "audit_checkpoint_file", path)
    return path


def lines_of(path: Path) -> list[str]:
    return path.read_text().splitlines()


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def audit_key_bytes() -> bytes:
    text = get_settings().audit_key_file.read_text().split()[0]
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


async def test_checkpoint_file_holds_signed_lines_owner_only_and_only_grows(
    client: httpx.AsyncClient, org: Org, checkpoint_file: Path
) -> None:
    await new_vendor(client, org)
    made = await checkpoint(org)
    assert mode_of(checkpoint_file) == 0o600
    [line] = lines_of(checkpoint_file)
    stored = json.loads(line)
    head = await AuditEvent.filter(organization_id=org.id).order_by("-seq").first()
    assert head is not None
    assert {k: stored[k] for k in ("organization_id", "seq", "head_hash")} == {
        "organization_id": org.id,
        "seq": head.seq,
        "head_hash": head.hash,
    }
    assert stored["at"] == made.at.isoformat() and stored["key_id"] == head.key_id
    # The MAC, checked as an outsider holding the key would.
    signed = {k: v for k, v in stored.items() if k != "mac"}
    expected = hmac.new(
        audit_key_bytes(), b"vetting audit checkpoint v1\n" + canonical(signed), hashlib.sha256
    )
    assert hmac.compare_digest(expected.hexdigest(), stored["mac"])

    [again] = await checkpoints.make_checkpoints([org.id])
    assert again.status == "unchanged"
    await new_vendor(client, org)
    second = await checkpoint(org)
    lines = lines_of(checkpoint_file)
    assert lines[0] == line and len(lines) == 2 and second.seq > made.seq
    assert (await verify_chain(org.id)).checkpoint == second

    # A line edited by hand (a later seq, to hide a truncation) no longer verifies.
    forged = {**json.loads(lines[1]), "seq": second.seq + 5}
    with open(checkpoint_file, "a") as handle:  # noqa: ASYNC230 (a test's one small write)
        handle.write(json.dumps(forged) + "\n")
    report = await verify_chain(org.id)
    assert report.ok is False and report.checkpoint == second
    assert "whose MAC does not verify" in report.problem


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    with smtp_server() as server:
        monkeypatch.setattr(get_settings(), "smtp_host", server.host)
        monkeypatch.setattr(get_settings(), "smtp_port", server.port)
        yield server


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[HookReceiver]:
    monkeypatch.setattr(get_settings(), "webhook_allow_private_addresses", True)
    with hook_receiver() as hooks:
        yield hooks


async def test_checkpoints_are_emailed_and_sent_to_webhooks_where_the_organization_chose(
    client: httpx.AsyncClient, org: Org, smtp: SmtpServer, receiver: HookReceiver
) -> None:
    path = f"/api/organizations/{org.id}/checkpoint-settings"
    shown = await client.get(path, headers=org.h("auditor"))
    assert shown.status_code == 200 and shown.json() == {"checkpoint_email": None}
    refused = await client.patch(
        path, json={"checkpoint_email": "kansa@city.example.jp"}, headers=org.h("auditor")
    )
    assert refused.status_code == 403
    bad = await client.patch(path, json={"checkpoint_email": "not-mail"}, headers=org.h("admin"))
    assert bad.status_code == 422 and "checkpoint_email" in bad.json()["fields"]
    chosen = await client.patch(
        path, json={"checkpoint_email": "kansa@city.example.jp"}, headers=org.h("admin")
    )
    assert chosen.json() == {"checkpoint_email": "kansa@city.example.jp"}
    hook = await client.post(
        "/api/webhooks",
        json={"url": receiver.url, "events": ["audit.checkpoint"]},
        headers=org.h("admin"),
    )
    assert hook.status_code == 201, hook.text

    made = await checkpoint(org)
    await runtime.wait_idle()
    [mail] = smtp.sink.to("kansa@city.example.jp")
    assert f"seq {made.seq}" in str(mail.message["Subject"])
    assert made.head_hash in mail.text and made.mac in mail.text
    [delivered] = receiver.of_type("audit.checkpoint")
    assert delivered.json["data"] == made.as_dict()
    assert delivered.headers["Vetting-Signature"].startswith("t=")

    # Not again while the chain has not grown; the choice itself is audited.
    [again] = await checkpoints.make_checkpoints([org.id])
    await runtime.wait_idle()
    assert again.status == "unchanged" and len(smtp.sink.to("kansa@city.example.jp")) == 1
    assert await AuditEvent.exists(organization_id=org.id, action="audit_settings.updated")


async def test_verify_and_checkpoint_commands_print_what_they_found(
    client: httpx.AsyncClient, org: Org
) -> None:
    await new_vendor(client, org)
    before = verify_cli(org.id)
    assert before.returncode == 0
    assert f"ok {org.id}:" in before.stdout and "no checkpoint yet" in before.stdout
    made = run_cli("checkpoint", "--org", org.id)
    assert made.returncode == 0, made.stderr
    head = await AuditEvent.filter(organization_id=org.id).order_by("-seq").first()
    assert head is not None
    assert f"written {org.id}: seq {head.seq} head {head.hash}" in made.stdout
    assert f"unchanged {org.id}: seq {head.seq}" in run_cli("checkpoint", "--org", org.id).stdout
    after = verify_cli(org.id)
    assert after.returncode == 0
    assert f"chain intact; checkpoint seq {head.seq} of " in after.stdout
    assert after.stdout.rstrip().endswith("matches")


async def test_the_periodic_job_checkpoints_every_chain_that_grew(
    client: httpx.AsyncClient, org: Org, checkpoint_file: Path
) -> None:
    from workers import periodic

    await new_vendor(client, org)
    assert (await periodic.audit_checkpoint(get_settings())).endswith("written")
    written = [json.loads(line) for line in lines_of(checkpoint_file)]
    head = await AuditEvent.filter(organization_id=org.id).order_by("-seq").first()
    assert head is not None
    assert {"organization_id": org.id, "seq": head.seq, "head_hash": head.hash} in [
        {k: w[k] for k in ("organization_id", "seq", "head_hash")} for w in written
    ]
    await periodic.audit_checkpoint(get_settings())
    assert [line for line in lines_of(checkpoint_file) if org.id in line] == [
        line for line in lines_of(checkpoint_file)[: len(written)] if org.id in line
    ]  # nothing new for a chain that did not grow
