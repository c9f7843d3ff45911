"""A staff member's browser reduced to HTTP (cookies, CSRF tokens, form posts) over the app."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx

from service.accounts.models import User
from service.audit.service import SYSTEM
from service.signin.service import set_password

PASSWORD = "球磨川の清流と人吉の温泉2026"


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the page has no CSRF token"
    return match.group(1)


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


class StaffBrowser:
    def __init__(self, app: Any) -> None:
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        )
        self.page = ""

    async def aclose(self) -> None:
        await self.client.aclose()

    @property
    def session_cookie(self) -> str | None:
        return self.client.cookies.get("staff_session")

    async def get(self, path: str) -> httpx.Response:
        response = await self.client.get(path)
        self.page = response.text
        return response

    async def post(
        self, path: str, data: dict[str, str], *, csrf: str | None = None
    ) -> httpx.Response:
        body = {"csrf_token": csrf if csrf is not None else csrf_of(self.page), **data}
        response = await self.client.post(path, data=body)
        if response.status_code != 303:
            self.page = response.text
        return response

    async def sign_in(
        self, email: str, password: str = PASSWORD, *, next_path: str = ""
    ) -> httpx.Response:
        query = f"?next={next_path}" if next_path else ""
        await self.get(f"/console/signin{query}")
        return await self.post(
            "/console/signin", {"email": email, "password": password, "next": next_path}
        )

    async def enter_code(self, code: str, *, next_path: str = "") -> httpx.Response:
        await self.get("/console/signin/code")
        return await self.post("/console/signin/code", {"code": code, "next": next_path})


async def with_password(user_id: str, password: str = PASSWORD) -> User:
    user = await User.get(id=user_id)
    await set_password(user=user, password=password, actor=SYSTEM)
    return user
