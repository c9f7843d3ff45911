"""Periodic jobs, scheduled with APScheduler: in the `vetting scheduler` process, or on a timer
inside the API in the embedded mode.

Each job only reads what the database says is due and sends one job per item; the item's actor
claims its row. So two schedulers running at once, or a sweep repeated after a crash, send
nothing twice.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from service import hooks
from service.config import Settings
from service.jobs import Job, dispatch_now
from service.notifications.outbox import DELIVER_ACTOR, due_for_delivery
from service.reminders.service import FIRE_ACTOR, due_reminder_ids

log = logging.getLogger(__name__)
JST = ZoneInfo("Asia/Tokyo")


async def due_sweep() -> int:
    """Reminders whose day has come: one fire_reminder job each."""
    ids = await due_reminder_ids()
    for reminder_id in ids:
        dispatch_now(Job(FIRE_ACTOR, (reminder_id,)))
    log.info("due sweep: %d reminder(s) due", len(ids))
    return len(ids)


async def outbox_sweep() -> int:
    """Emails and webhooks whose next attempt is due, or whose worker died while sending."""
    ids = await due_for_delivery()
    for notification_id in ids:
        dispatch_now(Job(DELIVER_ACTOR, (notification_id,)))
    if ids:
        log.info("outbox sweep: %d delivery(ies) due", len(ids))
    return len(ids)


async def evaluation_sweep(settings: Settings) -> int:
    """Reviews still `submitted` a while after submission: their evaluation job was lost (e.g. a
    broker restarted without its queue), so one is sent again."""
    from workers import runtime

    waited = datetime.now(UTC) - timedelta(minutes=settings.evaluation_sweep_minutes)
    count = await runtime.sweep(submitted_before=waited)
    if count:
        log.info("evaluation sweep: %d submitted review(s) sent for evaluation again", count)
    return count


async def ismap_refresh(settings: Settings) -> str:
    if not settings.ismap_list_url:
        log.info("ISMAP refresh: VETTING_ISMAP_LIST_URL is not set; nothing to do")
        return "not configured"
    hook = hooks.get_hook(hooks.ISMAP_REFRESH)
    if hook is None:
        log.warning("ISMAP refresh: a list URL is set but no ISMAP importer is installed")
        return "no importer"
    await hook(settings.ismap_list_url)
    log.info("ISMAP refresh: done from %s", settings.ismap_list_url)
    return "done"


async def social_reverification() -> str:
    hook = hooks.get_hook(hooks.SOCIAL_REVERIFICATION)
    if hook is None:
        log.info("social-media re-verification: nothing installed; nothing to do")
        return "not installed"
    await hook()
    log.info("social-media re-verification: done")
    return "done"


async def profile_update_sweep(settings: Settings) -> str:
    """Open reviews evaluated under an older version of their profile than the catalog's latest
    (a deploy brought a newer one) get the new verdicts; decided reviews only when asked (CLI).
    Safe to run twice or in two schedulers: a review already re-evaluated is skipped."""
    if not settings.reevaluate_on_profile_update:
        return "off"
    from service.audit.service import SYSTEM
    from service.checks.reevaluation import reevaluate_reviews

    report = await reevaluate_reviews(actor=SYSTEM)
    if report.considered:
        log.info(
            "profile update sweep: %d review(s) re-evaluated under %s, %d changed (run %s)",
            report.reevaluated,
            report.profiles,
            report.changed,
            report.run_id,
        )
    return f"{report.reevaluated} re-evaluated"


async def audit_checkpoint(settings: Settings) -> str:
    """A signed checkpoint of every audit chain that grew, in the file and to where each
    organization asked (service.audit.checkpoints); a chain that does not verify is logged."""
    from service.audit.checkpoints import make_checkpoints

    outcomes = await make_checkpoints(settings=settings)
    written = sum(1 for outcome in outcomes if outcome.status == "written")
    broken = [outcome.organization_id for outcome in outcomes if outcome.status == "broken"]
    if written or broken:
        log.info("audit checkpoint: %d written, not checkpointed (broken): %s", written, broken)
    return f"{written} written"


def build_scheduler(settings: Settings) -> AsyncIOScheduler:
    """The periodic jobs; the sweeps also run once at start, to catch up on what was missed."""
    hooks.load_hook_modules()
    scheduler = AsyncIOScheduler(timezone=JST)
    hour, minute = (int(part) for part in settings.due_sweep_time.split(":"))
    now = datetime.now(JST)
    common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 3600}
    # Daily at the set time, then hourly until midnight for anything a failed job left pending.
    scheduler.add_job(
        due_sweep,
        CronTrigger(hour=f"{hour}-23", minute=minute, timezone=JST),
        id="due_sweep",
        next_run_time=now,
        **common,
    )
    scheduler.add_job(
        outbox_sweep,
        IntervalTrigger(seconds=settings.outbox_sweep_seconds, timezone=JST),
        id="outbox_sweep",
        next_run_time=now,
        **common,
    )
    scheduler.add_job(
        evaluation_sweep,
        IntervalTrigger(minutes=settings.evaluation_sweep_minutes, timezone=JST),
        args=[settings],
        id="evaluation_sweep",
        next_run_time=now,
        **common,
    )
    scheduler.add_job(
        ismap_refresh,
        CronTrigger(hour=5, minute=30, timezone=JST),
        args=[settings],
        id="ismap_refresh",
        next_run_time=now,
        **common,
    )
    scheduler.add_job(
        profile_update_sweep,
        IntervalTrigger(hours=1, timezone=JST),
        args=[settings],
        id="profile_update_sweep",
        next_run_time=now,
        **common,
    )
    scheduler.add_job(
        audit_checkpoint,
        IntervalTrigger(minutes=settings.audit_checkpoint_minutes, timezone=JST),
        args=[settings],
        id="audit_checkpoint",
        next_run_time=now,
        **common,
    )
    scheduler.add_job(
        social_reverification,
        CronTrigger(hour=6, minute=30, timezone=JST),
        id="social_reverification",
        next_run_time=now,
        **common,
    )
    return scheduler
