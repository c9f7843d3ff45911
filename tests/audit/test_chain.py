"""The audit trail is hash-chained: `vetting audit verify` reports an altered or removed event."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from service.audit.models import AuditEvent
from tests.factories import Org, evaluated_review

VETTING = str(Path(sys.executable).with_name("vetting"))


def verify_cli(organization_id: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [VETTING, "audit", "verify", "--org", organization_id],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "VETTING_DATABASE_URL": os.environ["VETTING_DATABASE_URL"]},
        check=False,
    )


async def test_intact_chain_verifies(client: httpx.AsyncClient, org: Org) -> None:
    await evaluated_review(client, org)
    result = verify_cli(org.id)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "chain intact" in result.stdout
    api = await client.get("/api/audit/verification", headers=org.h("auditor"))
    assert api.json()["ok"] is True
    assert api.json()["events"] > 10


async def test_altered_event_is_reported_at_its_link(client: httpx.AsyncClient, org: Org) -> None:
    await evaluated_review(client, org)
    events = await AuditEvent.filter(organization_id=org.id).order_by("seq")
    target = events[len(events) // 2]
    original = dict(target.data)
    await AuditEvent.filter(id=target.id).update(data={**original, "reason": "改ざん"})
    try:
        result = verify_cli(org.id)
        assert result.returncode == 1
        assert f"seq {target.seq}" in result.stdout, result.stdout
        api = await client.get("/api/audit/verification", headers=org.h("auditor"))
        assert api.json()["ok"] is False
        assert api.json()["first_broken_seq"] == target.seq
    finally:
        await AuditEvent.filter(id=target.id).update(data=original)
    assert verify_cli(org.id).returncode == 0


async def test_removed_event_breaks_the_chain(client: httpx.AsyncClient, org: Org) -> None:
    await evaluated_review(client, org)
    events = await AuditEvent.filter(organization_id=org.id).order_by("seq")
    victim = events[3]
    await AuditEvent.filter(id=victim.id).delete()
    result = verify_cli(org.id)
    assert result.returncode == 1
    assert f"seq {victim.seq + 1}" in result.stdout, result.stdout


async def test_audit_events_cannot_be_reached_for_writing_over_the_api(
    client: httpx.AsyncClient,
) -> None:
    from service.routing import REGISTRY

    writable = [e for e in REGISTRY if e.method != "GET" and "audit" in e.path]
    assert writable == []
