"""Portal fixtures: a vendor holding a fresh link of a fresh review, with its session open."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio

from tests.factories import Org, invited_review
from tests.portal.helpers import Vendor
from tests.portal.server import Server, running_server


@pytest.fixture(scope="session")
def portal_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A real `vetting serve` process, shared by the tests that need one."""
    with running_server(tmp_path_factory.mktemp("portal-server")) as running:
        yield running


@dataclass
class Invited:
    review: dict[str, Any]
    token: str
    vendor: Vendor


@pytest_asyncio.fixture
async def invited(app: object, client: httpx.AsyncClient, org: Org) -> AsyncIterator[Invited]:
    review, token = await invited_review(client, org)
    vendor = Vendor(app)
    await vendor.open(token)
    yield Invited(review=review, token=token, vendor=vendor)
    await vendor.aclose()
