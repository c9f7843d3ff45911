"""Sign-in fixtures: a browser of a staff member, and a small lockout limit for every test.

The per-address budget (rate_limit_sign_in) is large for the suite (tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from service.config import get_settings
from tests.signin.helpers import StaffBrowser


@pytest.fixture(autouse=True)
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = get_settings()
    monkeypatch.setattr(settings, "signin_max_failures", 3)


@pytest_asyncio.fixture
async def browser(app: object) -> AsyncIterator[StaffBrowser]:
    staff = StaffBrowser(app)
    yield staff
    await staff.aclose()
