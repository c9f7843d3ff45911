"""Periodic jobs: hooks that other domains fill, and the in-process timer of the embedded mode."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from service import hooks
from service.catalog.loader import current_catalog, install_catalog
from service.checks.models import Evaluation, Verdict
from service.config import get_settings
from service.reminders.models import Reminder, ReminderStatus
from service.reviews.models import Review
from tests.checks.catalogs import ADDED, NEW, OLD, REMOVED, CatalogFolders
from tests.factories import Org, evaluated_review, new_org, weak_answers
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
        "evaluation_sweep",
        "ismap_refresh",
        "profile_update_sweep",
        "social_reverification",
        "audit_checkpoint",
    }


async def test_the_evaluation_sweep_resends_reviews_left_submitted(
    client: httpx.AsyncClient, org: Org, caplog: pytest.LogCaptureFixture
) -> None:
    """A review whose evaluation job was lost stays `submitted`; the scheduler's periodic sweep
    (not only an API's start) sends it again, once it has waited a sweep interval."""
    caplog.set_level(logging.INFO, logger="workers.periodic")
    review = await evaluated_review(client, org)
    # The job was lost: submitted, no verdicts, no evaluation.
    await Verdict.filter(review_id=review["id"]).delete()
    await Evaluation.filter(review_id=review["id"]).delete()
    submitted_at = datetime.now(UTC)
    await Review.filter(id=review["id"]).update(status="submitted", submitted_at=submitted_at)
    settings = get_settings().model_copy(update={"evaluation_sweep_minutes": 10})

    await periodic.evaluation_sweep(settings)  # just submitted: its job may still be queued
    await runtime.wait_idle()
    assert (await Review.get(id=review["id"])).status == "submitted"

    waited = submitted_at - timedelta(minutes=11)
    await Review.filter(id=review["id"]).update(submitted_at=waited)
    assert await periodic.evaluation_sweep(settings) >= 1
    await runtime.wait_idle()
    assert (await Review.get(id=review["id"])).status == "evaluated"
    assert "evaluation sweep:" in caplog.text
    # The next sweep (or a second scheduler) finds nothing: evaluated once.
    await periodic.evaluation_sweep(settings)
    await runtime.wait_idle()
    assert await Evaluation.filter(review_id=review["id"]).count() == 1


async def test_the_profile_update_sweep_reevaluates_open_reviews_once(
    client: httpx.AsyncClient, operator_token: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A deploy brought base v3: the scheduler's catalog has it, the open review is under v2.
    caplog.set_level(logging.INFO, logger="workers.periodic")
    org: Org = await new_org(client, operator_token)
    review = await evaluated_review(client, org, answers=weak_answers())
    folders = CatalogFolders(tmp_path / "catalog")
    folders.add_base_update()
    on = get_settings().model_copy(update={"reevaluate_on_profile_update": True})
    off = get_settings().model_copy(update={"reevaluate_on_profile_update": False})
    shipped = current_catalog()
    install_catalog(folders.load())
    try:
        assert await periodic.profile_update_sweep(off) == "off"
        assert (await Review.get(id=review["id"])).profile_version == OLD

        assert (await periodic.profile_update_sweep(on)).endswith(" re-evaluated")
        stored = await Review.get(id=review["id"])
        assert (stored.status, stored.profile_version) == ("evaluated", NEW)
        verdicts = {
            v.requirement_id: v.outcome for v in await Verdict.filter(review_id=review["id"])
        }
        assert verdicts[ADDED] == "fail" and REMOVED not in verdicts
        evaluation = await Evaluation.get(review_id=review["id"], trigger="reevaluation")
        assert evaluation.previous_profile_version == OLD
        assert "profile update sweep:" in caplog.text

        # Again (the next hour, or a second scheduler): nothing is left to do.
        assert await periodic.profile_update_sweep(on) == "0 re-evaluated"
        assert await Evaluation.filter(review_id=review["id"]).count() == 2
    finally:
        install_catalog(shipped)


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


async def test_a_job_still_waiting_is_not_queued_again(
    app: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An outbox sweep that finds a row whose job has not started yet (every slot busy with a
    slow receiver) adds nothing: a large backlog is not queued again each minute."""
    from service.jobs import Job, dispatch_now
    from service.notifications import outbox

    ran: list[str] = []

    async def deliver(notification_id: str) -> None:
        ran.append(notification_id)

    monkeypatch.setattr(outbox, "deliver", deliver)
    job = Job(outbox.DELIVER_ACTOR, ("3f2a9c81-0000-4000-8000-000000000001",))
    dispatch_now(job)
    dispatch_now(job)  # before the loop ran anything: the first is still waiting
    await runtime.wait_idle()
    assert ran == [job.args[0]]
    dispatch_now(job)  # once it has run, the same job may run again (news after it read)
    await runtime.wait_idle()
    assert ran == [job.args[0]] * 2
