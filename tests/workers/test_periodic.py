"""Periodic jobs: hooks that other domains fill, and the in-process timer of the embedded mode."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest

from service import hooks
from service.config import get_settings
from service.reminders.models import Reminder, ReminderStatus
from tests.factories import Org, new_org
from tests.receivers import smtp_server
from tests.workers.processes import due_reminders
from workers import periodic, runtime


async def test_ismap_refresh_does_nothing_without_a_url_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="workers.periodic")
    assert await periodic.ismap_refresh(get_settings()) == "not configured"
    assert "VETTING_ISMAP_LIST_URL is not set" in caplog.text


async def test_ismap_refresh_imports_the_list_from_the_url(
    monkeypatch: pytest.MonkeyPatch, operator_token: str
) -> None:
    from service.ismap.refresh import refresh_ismap_list
    from service.ismap.service import latest_snapshot
    from tests.ismap.fixtures import unique_xlsx
    from tests.ismap.http_server import Reply, serve

    hooks.load_hook_modules()  # what the scheduler does at start
    assert hooks.get_hook(hooks.ISMAP_REFRESH) is refresh_ismap_list
    settings = get_settings()
    with serve() as site:
        site.replies["/ismap.xlsx"] = Reply(unique_xlsx())
        monkeypatch.setattr(settings, "ismap_list_url", f"{site.base_url}/ismap.xlsx")
        assert await periodic.ismap_refresh(settings) == "done"
        assert await periodic.ismap_refresh(settings) == "done"  # the same bytes: no new one
    snapshot = await latest_snapshot()
    assert snapshot is not None and snapshot.source == f"{site.base_url}/ismap.xlsx"
    assert site.requests == ["/ismap.xlsx", "/ismap.xlsx"]
    assert snapshot.imported_by.startswith("scheduler: ISMAP refresh")

    hooks.remove_hook(hooks.ISMAP_REFRESH)
    try:
        assert await periodic.ismap_refresh(settings) == "no importer"
    finally:
        hooks.periodic_hook(hooks.ISMAP_REFRESH)(refresh_ismap_list)


async def test_social_media_reverification_hook(caplog: pytest.LogCaptureFixture) -> None:
    from service.social import verification

    caplog.set_level(logging.INFO, logger="workers.periodic")
    hooks.load_hook_modules()
    assert hooks.get_hook(hooks.SOCIAL_REVERIFICATION) is verification.sweep
    hooks.remove_hook(hooks.SOCIAL_REVERIFICATION)
    try:
        assert await periodic.social_reverification() == "not installed"
        assert "nothing to do" in caplog.text
        runs: list[int] = []

        @hooks.periodic_hook(hooks.SOCIAL_REVERIFICATION)
        async def reverify() -> None:
            runs.append(1)

        assert await periodic.social_reverification() == "done"
        assert runs == [1]
    finally:
        hooks.periodic_hook(hooks.SOCIAL_REVERIFICATION)(verification.sweep)


async def test_the_scheduler_holds_every_periodic_job() -> None:
    scheduler = periodic.build_scheduler(get_settings())
    assert {job.id for job in scheduler.get_jobs()} == {
        "due_sweep",
        "outbox_sweep",
        "ismap_refresh",
        "social_reverification",
    }


async def test_the_embedded_timer_sends_due_reminders_without_any_other_process(
    client: httpx.AsyncClient, operator_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    org: Org = await new_org(client, operator_token)
    ids = await due_reminders(org, 5)
    with smtp_server() as smtp:
        monkeypatch.setattr(get_settings(), "smtp_host", smtp.host)
        monkeypatch.setattr(get_settings(), "smtp_port", smtp.port)
        runtime.start_periodic(get_settings())
        try:
            for _ in range(300):
                if await Reminder.filter(id__in=ids, status=ReminderStatus.pending).count() == 0:
                    break
                await asyncio.sleep(0.1)
            await runtime.wait_idle()
        finally:
            runtime.stop_periodic()
        assert await Reminder.filter(id__in=ids, status=ReminderStatus.sent).count() == 5
        users = (await client.get("/api/users", headers=org.h("admin"))).json()
        owner = next(u["email"] for u in users if u["roles"] == ["procurement"])
        assert len(smtp.sink.to(owner)) == 5
