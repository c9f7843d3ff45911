"""Helpers of the run-level tests: an account whose pages live on the local site."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.factories import Org
from tests.receivers import SmtpServer
from tests.social.accounts import new_account
from tests.social.site import Site
from workers import runtime

LINK = re.compile(r"https?://[^\s]+/sns/attest/(sa_[A-Za-z0-9_-]+)")


async def site_account(
    client: httpx.AsyncClient, org: Org, site: Site, *, listed: bool = True, **overrides: Any
) -> dict[str, Any]:
    """An account at <site>/@handle, listed (or not) on <site>/sns-<n>.html."""
    account = await new_account(client, org, **overrides)
    handle = account["handle"].lstrip("@")
    account_path, listing_path = f"/@{handle}", f"/sns-{handle}.html"
    site.page(account_path, f"<h1>{handle}</h1>")
    links = f'<li><a href="{site.url(account_path)}">{account["handle"]}</a></li>' if listed else ""
    site.page(
        listing_path, f"<html><body><h1>公式アカウント一覧</h1><ul>{links}</ul></body></html>"
    )
    patched = await client.patch(
        f"/api/social/accounts/{account['id']}",
        json={"url": site.url(account_path), "listing_page_url": site.url(listing_path)},
        headers=org.h("security"),
    )
    assert patched.status_code == 200, patched.text
    return dict(patched.json())


async def run_now(client: httpx.AsyncClient, org: Org, account_id: str) -> dict[str, Any]:
    started = await client.post(
        f"/api/social/accounts/{account_id}/runs", headers=org.h("security")
    )
    assert started.status_code == 201, started.text
    await runtime.wait_idle()
    return await latest_run(client, org, account_id)


async def latest_run(client: httpx.AsyncClient, org: Org, account_id: str) -> dict[str, Any]:
    runs = await client.get(f"/api/social/accounts/{account_id}/runs", headers=org.h("auditor"))
    assert runs.status_code == 200, runs.text
    return dict(runs.json()[0])


def attestation_token(smtp: SmtpServer, address: str) -> str:
    """The secret of the newest confirmation link emailed to `address`."""
    found = [LINK.search(m.text) for m in smtp.sink.to(address)]
    tokens = [m.group(1) for m in found if m]
    assert tokens, f"no confirmation link was mailed to {address}"
    return tokens[-1]
