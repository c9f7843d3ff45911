"""Re-verification runs end to end: probes on a local site, the owner's link, failures."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from service.accounts.models import User
from service.config import get_settings
from service.jobs import transaction
from service.outbox.models import Notification
from service.social.models import (
    Attestation,
    FollowUpTask,
    RunTrigger,
    SocialAccount,
    VerificationRun,
)
from service.social.verification import open_run, sweep, verify
from tests.factories import Org
from tests.receivers import SmtpServer, hook_receiver
from tests.social.runs import attestation_token, latest_run, run_now, site_account
from tests.social.site import Site
from workers import runtime

ANSWERS = {
    "still_responsible": True,
    "mfa_still_on": True,
    "credentials_held_by_organization": True,
    "posts_within_allowed_content": True,
}


async def _email_of(user_id: str) -> str:
    return (await User.get(id=user_id)).email


async def test_a_run_checks_the_pages_asks_the_owner_and_passes(
    client: httpx.AsyncClient, org: Org, site: Site, smtp: SmtpServer
) -> None:
    account = await site_account(client, org, site)
    run = await run_now(client, org, account["id"])
    assert run["status"] == "awaiting_attestation", run
    checks = {c["check"]: c for c in run["checks"]}
    assert checks["account_url"]["outcome"] == "passed"
    assert checks["account_url"]["status_code"] == 200
    listing = checks["listing_page"]
    assert listing["outcome"] == "passed" and listing["status_code"] == 200
    assert listing["matched_text"]
    assert datetime.fromisoformat(listing["checked_at"]).tzinfo is not None

    owner_email = await _email_of(account["owner_id"])
    token = attestation_token(smtp, owner_email)
    stored = await Attestation.get(run_id=run["id"])
    assert token not in stored.token_hash and len(stored.token_hash) == 64
    view = await client.get(f"/api/social/attestations/{token}")
    assert view.status_code == 200 and view.json()["handle"] == account["handle"]

    answered = await client.post(f"/api/social/attestations/{token}", json=ANSWERS)
    assert answered.status_code == 200, answered.text
    assert answered.json()["status"] == "passed", answered.json()
    await runtime.wait_idle()

    run = await latest_run(client, org, account["id"])
    assert run["status"] == "passed" and run["attestation"]["still_responsible"] is True
    assert {f["requirement_id"] for f in run["findings"]} >= {"SNS-02", "SNS-04"}
    after = await client.get(f"/api/social/accounts/{account['id']}", headers=org.h("auditor"))
    assert after.json()["posts_within_scope_attested"] is True
    assert after.json()["last_run_status"] == "passed"
    assert date.fromisoformat(after.json()["next_verification_due"]) > date.today() + timedelta(
        days=150
    )
    assert await FollowUpTask.filter(account_id=account["id"]).count() == 0

    # The link is single use: the page and the JSON both refuse it now.
    again = await client.post(f"/api/social/attestations/{token}", json=ANSWERS)
    assert again.status_code == 410 and "already used" in again.json()["detail"]
    async with httpx.AsyncClient(transport=client._transport, base_url="http://testserver") as web:
        page = await web.get(f"/sns/attest/{token}")
    assert page.status_code == 410 and "このリンクは使えません" in page.text


async def test_a_listing_page_without_the_account_fails_notifies_and_opens_a_task(
    client: httpx.AsyncClient, org: Org, site: Site, smtp: SmtpServer
) -> None:
    account = await site_account(client, org, site, listed=False)
    run = await run_now(client, org, account["id"])
    assert run["status"] == "failed", run
    [listing] = [c for c in run["checks"] if c["check"] == "listing_page"]
    assert listing["outcome"] == "failed" and listing["status_code"] == 200
    assert any("listing_page" in r["en"] for r in run["failure_reasons"])
    # No confirmation is asked for when the automatic checks already failed.
    assert await Attestation.filter(run_id=run["id"]).count() == 0

    security_email = await _email_of(org.user_ids["security"])
    owner_email = await _email_of(account["owner_id"])
    for address in (owner_email, security_email):
        [mail] = smtp.sink.to(address)
        assert account["handle"] in mail.text and "listing_page" in mail.text
    rows = await Notification.filter(
        event_type="social.verification_failed", organization_id=org.id
    )
    assert {r.to_address for r in rows if r.channel == "email"} == {owner_email, security_email}

    tasks = await client.get("/api/social/tasks?status=open", headers=org.h("security"))
    [task] = [t for t in tasks.json() if t["account_id"] == account["id"]]
    assert task["kind"] == "verification_failed" and task["run_id"] == run["id"]
    # The owner sees the task of their own account.
    owner_tasks = await client.get("/api/social/tasks", headers=org.h("legal"))
    assert task["id"] in {t["id"] for t in owner_tasks.json()}
    closed = await client.post(
        f"/api/social/tasks/{task['id']}/close",
        json={"resolution": "掲載ページを修正"},
        headers=org.h("security"),
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    twice = await client.post(
        f"/api/social/tasks/{task['id']}/close", json={"resolution": "x"}, headers=org.h("security")
    )
    assert twice.status_code == 409


async def test_a_missing_account_page_fails_the_run(
    client: httpx.AsyncClient, org: Org, site: Site
) -> None:
    account = await site_account(client, org, site)
    site.page(account["url"].removeprefix(site.base_url), "gone", status=404)
    run = await run_now(client, org, account["id"])
    assert run["status"] == "failed"
    [check] = [c for c in run["checks"] if c["check"] == "account_url"]
    assert check["outcome"] == "failed" and check["status_code"] == 404


async def test_a_no_from_the_owner_fails_the_run_with_its_reason(
    client: httpx.AsyncClient, org: Org, site: Site, smtp: SmtpServer
) -> None:
    account = await site_account(client, org, site)
    await run_now(client, org, account["id"])
    token = attestation_token(smtp, await _email_of(account["owner_id"]))
    answered = await client.post(
        f"/api/social/attestations/{token}", json={**ANSWERS, "mfa_still_on": False}
    )
    assert answered.status_code == 200
    result = answered.json()
    assert result["status"] == "failed"
    reasons = " ".join(r["en"] for r in result["failure_reasons"])
    assert "multi-factor sign-in is not on" in reasons and "SNS-03" in reasons
    stored = await SocialAccount.get(id=account["id"])
    assert stored.mfa_enabled is False
    await runtime.wait_idle()
    assert await FollowUpTask.filter(account_id=account["id"], status="open").count() == 1


async def test_an_expired_link_is_refused_and_the_sweep_fails_the_run(
    client: httpx.AsyncClient, org: Org, site: Site, smtp: SmtpServer
) -> None:
    account = await site_account(client, org, site)
    run = await run_now(client, org, account["id"])
    token = attestation_token(smtp, await _email_of(account["owner_id"]))
    await Attestation.filter(run_id=run["id"]).update(
        expires_at=datetime.now(UTC) - timedelta(minutes=1)
    )
    late = await client.post(f"/api/social/attestations/{token}", json=ANSWERS)
    assert late.status_code == 410 and "expired" in late.json()["detail"]
    assert (await client.get(f"/api/social/attestations/{token}")).status_code == 410
    unknown = await client.get("/api/social/attestations/sa_nothing")
    assert unknown.status_code == 404

    result = await sweep(organization_id=org.id)
    await runtime.wait_idle()
    assert result["expired"] == 1
    run = await latest_run(client, org, account["id"])
    assert run["status"] == "failed"
    assert "did not confirm" in run["failure_reasons"][0]["en"]
    assert await FollowUpTask.filter(run_id=run["id"]).count() == 1


async def test_the_html_form_needs_its_csrf_token_and_every_answer(
    client: httpx.AsyncClient, org: Org, site: Site, smtp: SmtpServer
) -> None:
    import re

    account = await site_account(client, org, site)
    await run_now(client, org, account["id"])
    token = attestation_token(smtp, await _email_of(account["owner_id"]))
    yes = {name: "yes" for name in ANSWERS}
    async with httpx.AsyncClient(transport=client._transport, base_url="http://testserver") as web:
        page = await web.get(f"/sns/attest/{token}")
        assert page.status_code == 200 and "責任者確認" in page.text
        assert page.headers["content-security-policy"].startswith("default-src 'none'")
        assert page.headers["cache-control"] == "no-store"
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert csrf
        forged = await web.post(f"/sns/attest/{token}", data={**yes, "csrf_token": "forged"})
        assert forged.status_code == 403
        partial = await web.post(
            f"/sns/attest/{token}", data={"csrf_token": csrf.group(1), "still_responsible": "yes"}
        )
        assert partial.status_code == 422
        sent = await web.post(f"/sns/attest/{token}", data={**yes, "csrf_token": csrf.group(1)})
        assert sent.status_code == 200 and "確認を受け付けました" in sent.text
        reused = await web.post(f"/sns/attest/{token}", data={**yes, "csrf_token": csrf.group(1)})
        assert reused.status_code == 410
    await runtime.wait_idle()
    assert (await latest_run(client, org, account["id"]))["status"] == "passed"


async def test_the_sweep_opens_scheduled_and_dormancy_runs_once(
    client: httpx.AsyncClient, org: Org, site: Site
) -> None:
    due = await site_account(client, org, site)
    not_due = await site_account(client, org, site)
    quiet = await site_account(
        client, org, site, last_post_on=(date.today() - timedelta(days=200)).isoformat()
    )
    await SocialAccount.filter(id=due["id"]).update(
        next_verification_due=date.today() - timedelta(days=1)
    )
    before = len(site.hits)
    # Two schedulers at once, then a third sweep: one run per cause, each probed once.
    first, second = await asyncio.gather(
        sweep(organization_id=org.id), sweep(organization_id=org.id)
    )
    await runtime.wait_idle()
    third = await sweep(organization_id=org.id)
    await runtime.wait_idle()
    assert first["opened"] + second["opened"] == 2 and third["opened"] == 0
    runs = await VerificationRun.filter(organization_id=org.id).order_by("created_at")
    by_account = {str(r.account_id): r for r in runs}
    assert by_account[due["id"]].trigger == "scheduled"
    assert by_account[quiet["id"]].trigger == "dormancy"
    assert not_due["id"] not in by_account
    assert all(r.status != "pending" for r in runs)
    # Each of the two runs fetched the account page and the listing page exactly once.
    assert len(site.hits) - before == 4

    # After a new post and a new silence, dormancy opens its next run.
    await SocialAccount.filter(id=quiet["id"]).update(
        last_post_on=date.today() - timedelta(days=190)
    )
    assert (await sweep(organization_id=org.id))["opened"] == 1
    await runtime.wait_idle()


async def test_a_new_owner_is_asked_to_verify(
    client: httpx.AsyncClient, org: Org, site: Site, smtp: SmtpServer
) -> None:
    account = await site_account(client, org, site)
    changed = await client.patch(
        f"/api/social/accounts/{account['id']}",
        json={"owner_id": org.user_ids["auditor"]},
        headers=org.h("security"),
    )
    assert changed.status_code == 200
    await runtime.wait_idle()
    run = await latest_run(client, org, account["id"])
    assert run["trigger"] == "owner_change" and run["status"] == "awaiting_attestation"
    assert attestation_token(smtp, await _email_of(org.user_ids["auditor"]))


async def test_a_new_owner_cancels_the_old_owners_pending_confirmation(
    client: httpx.AsyncClient, org: Org, site: Site, smtp: SmtpServer
) -> None:
    account = await site_account(client, org, site)
    first = await run_now(client, org, account["id"])
    old_token = attestation_token(smtp, await _email_of(account["owner_id"]))
    changed = await client.patch(
        f"/api/social/accounts/{account['id']}",
        json={"owner_id": org.user_ids["procurement"]},
        headers=org.h("security"),
    )
    assert changed.status_code == 200
    await runtime.wait_idle()
    assert (await VerificationRun.get(id=first["id"])).status == "cancelled"
    refused = await client.post(f"/api/social/attestations/{old_token}", json=ANSWERS)
    assert refused.status_code == 410
    latest = await latest_run(client, org, account["id"])
    assert latest["trigger"] == "owner_change" and latest["status"] == "awaiting_attestation"


async def test_a_run_for_an_account_closed_meanwhile_checks_nothing(
    client: httpx.AsyncClient, org: Org, site: Site
) -> None:
    account = await site_account(client, org, site)
    before = len(site.hits)
    async with transaction() as conn:
        stored = await SocialAccount.filter(id=account["id"]).using_db(conn).get()
        # Closed after the run was opened, before a worker took it.
        assert await open_run(conn, account=stored, trigger=RunTrigger.manual, cause="closing")
        await SocialAccount.filter(id=account["id"]).using_db(conn).update(status="closed")
    await runtime.wait_idle()
    [run] = await VerificationRun.filter(account_id=account["id"])
    assert run.status == "cancelled"
    assert len(site.hits) == before  # no page was fetched
    assert await verify(str(run.id)) == "nothing to do"
    await SocialAccount.filter(id=account["id"]).update(
        next_verification_due=date.today() - timedelta(days=1)
    )
    assert (await sweep(organization_id=org.id))["opened"] == 0  # closed: never due


async def test_a_failed_run_is_sent_to_the_organizations_webhooks(
    client: httpx.AsyncClient, org: Org, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "webhook_allow_private_addresses", True)
    with hook_receiver() as receiver:
        hook = await client.post(
            "/api/webhooks",
            json={"url": receiver.url, "events": ["social.verification_failed"]},
            headers=org.h("admin"),
        )
        assert hook.status_code == 201, hook.text
        account = await site_account(client, org, site, listed=False)
        run = await run_now(client, org, account["id"])
        assert run["status"] == "failed"
        [event] = receiver.of_type("social.verification_failed")
    data = event.json["data"]
    assert data["account_id"] == account["id"] and data["run_id"] == run["id"]
    assert data["reasons"] == run["failure_reasons"]
    assert event.headers["Vetting-Signature"].startswith("t=")


def test_access_logs_do_not_keep_the_owners_link_secret() -> None:
    import logging

    from service.html_pages import RedactPathSecrets
    from service.social.pages import ATTESTATION_PATHS

    secret = "sa_" + "x" * 43
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1", "POST", f"/sns/attest/{secret}?a=1", "1.1", 200),
        None,
    )
    api = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        "%s",
        (f"/api/social/attestations/{secret}",),
        None,
    )
    for entry in (record, api):
        assert RedactPathSecrets(ATTESTATION_PATHS, "sa_").filter(entry) is True
        assert secret not in entry.getMessage() and "sa_…" in entry.getMessage()


async def test_a_run_for_a_departed_owner_fails_without_sending_a_link(
    client: httpx.AsyncClient, org: Org, site: Site, smtp: SmtpServer
) -> None:
    from service.audit.models import AuditEvent
    from tests.social.accounts import new_user

    owner = await new_user(client, org, "退職予定者")
    account = await site_account(client, org, site, owner_id=owner["id"])
    await User.filter(id=owner["id"]).update(active=False)
    run = await run_now(client, org, account["id"])
    assert run["status"] == "failed"
    assert "no longer an active user" in run["failure_reasons"][-1]["en"]
    assert await Attestation.filter(run_id=run["id"]).count() == 0
    assert smtp.sink.to(owner["email"]) == []
    requested = await AuditEvent.filter(object_id=account["id"], action="social_run.requested")
    assert [e.data["run_id"] for e in requested] == [run["id"]]


async def test_a_run_whose_worker_died_is_taken_over_after_its_lease(
    client: httpx.AsyncClient, org: Org, site: Site
) -> None:
    account = await site_account(client, org, site)
    async with transaction() as conn:
        stored = await SocialAccount.filter(id=account["id"]).using_db(conn).get()
        await open_run(conn, account=stored, trigger=RunTrigger.manual, cause="lost")
        # As if a worker had claimed it and died before this commit's job was even sent.
        await (
            VerificationRun.filter(account_id=account["id"])
            .using_db(conn)
            .update(status="running", claimed_until=datetime.now(UTC) + timedelta(minutes=5))
        )
    await runtime.wait_idle()
    [run] = await VerificationRun.filter(account_id=account["id"])
    assert run.status == "running" and run.checks == []  # the live claim kept everyone out
    assert (await sweep(organization_id=org.id))["dispatched"] == 0
    await VerificationRun.filter(id=run.id).update(
        claimed_until=datetime.now(UTC) - timedelta(seconds=1)
    )
    assert (await sweep(organization_id=org.id))["dispatched"] == 1
    await runtime.wait_idle()
    taken_over = await VerificationRun.get(id=run.id)
    assert taken_over.status == "awaiting_attestation" and len(taken_over.checks) == 2
