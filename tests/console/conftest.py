"""Console page fixtures: a staff member's browser over HTTP, and roles that sign in with a
password alone (the second factor has its own tests in tests/signin)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest_asyncio

from tests.factories import Org
from tests.signin.helpers import StaffBrowser, with_password


@pytest_asyncio.fixture
async def browser(app: object) -> AsyncIterator[StaffBrowser]:
    staff = StaffBrowser(app)
    yield staff
    await staff.aclose()


async def sign_in_as(browser: StaffBrowser, client: httpx.AsyncClient, org: Org, role: str) -> None:
    """Sign `role`'s person in (no second factor asked in this organization)."""
    await client.patch(
        f"/api/organizations/{org.id}/sign-in-policy",
        json={"mfa_required_roles": []},
        headers=org.h("admin"),
    )
    person = await with_password(org.user_ids[role])
    signed = await browser.sign_in(person.email)
    assert signed.status_code == 303, signed.text
