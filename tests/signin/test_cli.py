"""`vetting user list | set-password | reset-mfa | unlock`, run as processes on the session's
database, each change audited."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import httpx

from service.accounts.models import User
from service.audit.models import AuditEvent
from service.signin.models import Credential
from service.signin.passwords import verify_password
from tests.factories import Org, new_org
from tests.signin.helpers import PASSWORD, StaffBrowser, with_password

VETTING = str(Path(sys.executable).with_name("vetting"))


async def vetting(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [VETTING, "user", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=dict(os.environ),
            timeout=120,
        )

    return await asyncio.to_thread(run)


async def test_an_operator_recovers_accounts_from_the_command_line(
    org: Org, browser: StaffBrowser
) -> None:
    user = await User.get(id=org.user_ids["approver"])

    short = await vetting("set-password", "--email", user.email, stdin="too short\n")
    assert short.returncode == 2 and "12" in short.stderr
    done = await vetting("set-password", "--email", user.email, stdin=PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    credential = await Credential.get(user_id=user.id)
    assert await verify_password(credential.password_hash, PASSWORD)

    listing = await vetting("list", "--org", org.id)
    assert listing.returncode == 0, listing.stderr
    row = next(line for line in listing.stdout.splitlines() if user.email in line)
    assert row.split("\t")[5:] == ["set", "-", "-"]

    await Credential.filter(user_id=user.id).update(failed_attempts=2)
    await browser.sign_in(user.email, "a wrong password here")  # the 3rd failure locks
    assert (await Credential.get(user_id=user.id)).locked_at is not None
    unlocked = await vetting("unlock", "--email", user.email)
    assert unlocked.returncode == 0 and "unlocked" in unlocked.stdout
    assert (await Credential.get(user_id=user.id)).locked_at is None

    await Credential.filter(user_id=user.id).update(
        totp_secret="x", recovery_code_hashes=["y"], totp_enrolled_at=credential.password_set_at
    )
    reset = await vetting("reset-mfa", "--email", user.email)
    assert reset.returncode == 0 and "removed" in reset.stdout
    after = await Credential.get(user_id=user.id)
    assert after.totp_enrolled_at is None and after.recovery_code_hashes == []

    actions = {e.action for e in await AuditEvent.filter(object_id=str(user.id), actor_type="user")}
    assert {"user.password_set", "signin.unlocked", "mfa.reset"} <= actions

    unknown = await vetting("unlock", "--email", "nobody@example.jp")
    assert unknown.returncode != 0 and "no user" in unknown.stderr


async def test_an_email_in_two_organizations_needs_org(
    org: Org, client: httpx.AsyncClient, operator_token: str, browser: StaffBrowser
) -> None:
    user = await with_password(org.user_ids["legal"])
    other = await new_org(client, operator_token)
    twin = await client.post(
        f"/api/organizations/{other.id}/users",
        json={"name": "兼務の職員", "email": user.email, "roles": ["legal"]},
        headers=other.h("admin"),
    )
    assert twin.status_code == 201
    await with_password(twin.json()["id"], PASSWORD + "別")

    ambiguous = await vetting("unlock", "--email", user.email)
    assert ambiguous.returncode != 0 and "--org" in ambiguous.stderr
    assert (await vetting("unlock", "--email", user.email, "--org", other.id)).returncode == 0

    # Signing in, the password tells which of the two accounts is meant.
    await browser.sign_in(user.email, PASSWORD + "別")
    page = await browser.get("/console/")
    assert "兼務の職員" in page.text
