"""Re-review cadence: the only writer of deadlines, reminders and cadence settings.

On approval `schedule_after_approval` sets the engagement's next review date and writes one
deadline with its reminder rows (and one per certificate expiry found in the answers), all in the
decision's transaction. The daily sweep lists reminders due by today; `fire_reminder` claims one
row, re-checks it, opens the re-review round when the review comes due, and queues its emails and
webhook event in one transaction. Overdue reviews plan their own next weekly escalation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from service.accounts.models import Organization, User
from service.accounts.roles import Role
from service.audit.service import SYSTEM, Actor, record
from service.catalog import answer_ids
from service.config import get_settings
from service.db import upsert_settings
from service.engagements.models import Engagement
from service.jobs import transaction
from service.jst import JST, today_jst
from service.outbox.service import emit_event, queue_email
from service.questionnaire.models import AnswerSet, Invitation
from service.questionnaire.service import issue_system_invitation, open_next_round
from service.reminders import messages
from service.reminders.cadence import (
    Alignment,
    DuePlan,
    Tier,
    contract_end,
    escalation_send_date,
    plan_due_date,
    reminder_schedule,
    tier_for,
)

# Re-exported: the calendar feed names deadlines as reminders do.
from service.reminders.messages import WHAT_JA as WHAT_JA
from service.reminders.models import (
    Deadline,
    DeadlineKind,
    DeadlineStatus,
    Reminder,
    ReminderStatus,
    ReviewCadence,
)
from service.reviews.models import Review
from service.reviews.states import ReviewStatus
from service.vendors.models import Vendor

log = logging.getLogger(__name__)
# Answers that carry a certificate's expiry date, and the deadline each one raises.
CERTIFICATE_ANSWERS = {
    answer_ids.ISMS_EXPIRY: DeadlineKind.isms_expiry,
    answer_ids.ISMAP_EXPIRY: DeadlineKind.ismap_expiry,
}
APPROVED = (ReviewStatus.approved, ReviewStatus.approved_with_conditions)


@dataclass(frozen=True)
class Cadence:
    standard_interval_months: int
    sensitive_interval_months: int
    alignment: Alignment
    reminder_offsets: list[int]
    escalation_days: int

    def interval_for(self, tier: Tier) -> int:
        if tier == Tier.sensitive:
            return min(self.sensitive_interval_months, self.standard_interval_months)
        return self.standard_interval_months


async def get_cadence(organization_id: str, conn: BaseDBAsyncClient | None = None) -> Cadence:
    row = await ReviewCadence.filter(organization_id=organization_id).using_db(conn).get_or_none()
    row = row or ReviewCadence(organization_id=organization_id)
    return Cadence(
        standard_interval_months=row.standard_interval_months,
        sensitive_interval_months=row.sensitive_interval_months,
        alignment=Alignment(row.alignment),
        reminder_offsets=sorted(set(row.reminder_offsets), reverse=True),
        escalation_days=row.escalation_days,
    )


async def update_cadence(*, organization_id: str, actor: Actor, changes: dict[str, Any]) -> Cadence:
    async with transaction() as conn:
        await upsert_settings(ReviewCadence, organization_id, changes, conn)
        await record(
            conn,
            organization_id=organization_id,
            actor=actor,
            action="review_cadence.updated",
            object_type="organization",
            object_id=organization_id,
            data=changes,
        )
    return await get_cadence(organization_id)


@dataclass(frozen=True)
class NextReview:
    tier: Tier
    interval_months: int
    plan: DuePlan


async def plan_next_review(review: Review, *, approved_on: date | None = None) -> NextReview:
    engagement = await Engagement.get(id=review.engagement_id)
    cadence = await get_cadence(str(review.organization_id))
    tier = tier_for(confidentiality=engagement.confidentiality, my_number=engagement.my_number)
    interval = cadence.interval_for(tier)
    plan = plan_due_date(
        approved_on=approved_on or today_jst(),
        interval_months=interval,
        alignment=cadence.alignment,
        contract_ends=contract_end(engagement.start_date, engagement.term_months),
    )
    return NextReview(tier=tier, interval_months=interval, plan=plan)


async def _close_deadlines(
    conn: BaseDBAsyncClient, engagement_id: str, kind: DeadlineKind, status: DeadlineStatus
) -> None:
    ids = (
        await Deadline.filter(engagement_id=engagement_id, kind=kind, status=DeadlineStatus.active)
        .using_db(conn)
        .values_list("id", flat=True)
    )
    if not ids:
        return
    await Deadline.filter(id__in=list(ids)).using_db(conn).update(status=status)
    await (
        Reminder.filter(deadline_id__in=list(ids), status=ReminderStatus.pending)
        .using_db(conn)
        .update(status=ReminderStatus.cancelled)
    )


async def _set_deadline(
    conn: BaseDBAsyncClient,
    *,
    engagement: Engagement,
    kind: DeadlineKind,
    due: date,
    review_id: str,
    source: str,
    offsets: list[int],
    today: date,
) -> Deadline:
    """The one active deadline of this kind, with its reminders (idempotent)."""
    existing = (
        await Deadline.filter(engagement_id=engagement.id, kind=kind, due_date=due)
        .using_db(conn)
        .get_or_none()
    )
    await _close_deadlines(conn, str(engagement.id), kind, DeadlineStatus.superseded)
    if existing is None:
        deadline = await Deadline.create(
            organization_id=engagement.organization_id,
            engagement_id=engagement.id,
            kind=kind,
            due_date=due,
            review_id=review_id,
            source=source,
            using_db=conn,
        )
    else:
        deadline = existing
        await (
            Deadline.filter(id=existing.id)
            .using_db(conn)
            .update(status=DeadlineStatus.active, review_id=review_id, source=source)
        )
        # Planned again for the same day: its reminders come back, its escalations do not.
        await (
            Reminder.filter(
                deadline_id=existing.id, status=ReminderStatus.cancelled, offset_days__gte=0
            )
            .using_db(conn)
            .update(status=ReminderStatus.pending)
        )
    rows = [
        Reminder(
            organization_id=engagement.organization_id,
            deadline_id=deadline.id,
            offset_days=offset,
            send_on=send_on,
        )
        for offset, send_on in reminder_schedule(due, offsets, today=today)
    ]
    await Reminder.bulk_create(rows, ignore_conflicts=True, using_db=conn)
    return deadline


def _answer_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


async def schedule_after_approval(
    conn: BaseDBAsyncClient,
    *,
    review: Review,
    next_review: NextReview,
    actor: Actor,
    today: date | None = None,
) -> None:
    """In the approval's transaction: next review date, deadlines and their reminders."""
    today = today or today_jst()
    engagement = await Engagement.filter(id=review.engagement_id).using_db(conn).get()
    cadence = await get_cadence(str(review.organization_id), conn)
    due = next_review.plan.due
    await Engagement.filter(id=engagement.id).using_db(conn).update(next_review_due=due)
    await _close_deadlines(conn, str(engagement.id), DeadlineKind.review_due, DeadlineStatus.met)
    await _set_deadline(
        conn,
        engagement=engagement,
        kind=DeadlineKind.review_due,
        due=due,
        review_id=str(review.id),
        source=f"review round {review.round}",
        offsets=cadence.reminder_offsets,
        today=today,
    )
    certificates: dict[str, str] = {}
    answer_set = await AnswerSet.filter(review_id=review.id).using_db(conn).get_or_none()
    for question_id, kind in CERTIFICATE_ANSWERS.items():
        expires = _answer_date((answer_set.answers if answer_set else {}).get(question_id))
        if expires is None or expires < today:
            continue
        await _set_deadline(
            conn,
            engagement=engagement,
            kind=kind,
            due=expires,
            review_id=str(review.id),
            source=f"answers.{question_id} (round {review.round})",
            offsets=cadence.reminder_offsets,
            today=today,
        )
        certificates[kind.value] = expires.isoformat()
    await record(
        conn,
        organization_id=str(review.organization_id),
        actor=actor,
        action="review_schedule.planned",
        object_type="engagement",
        object_id=str(engagement.id),
        review_id=str(review.id),
        data={
            "tier": next_review.tier.value,
            "interval_months": next_review.interval_months,
            "alignment": cadence.alignment.value,
            "interval_end": next_review.plan.interval_end.isoformat(),
            "next_review_due": due.isoformat(),
            "moved_to_office_day": next_review.plan.shifted,
            "reminder_offsets": cadence.reminder_offsets,
            "certificates": certificates,
        },
    )


async def close_after_rejection(conn: BaseDBAsyncClient, *, review: Review) -> None:
    """A rejected re-review ends the reminders of the round it answered."""
    await _close_deadlines(
        conn, str(review.engagement_id), DeadlineKind.review_due, DeadlineStatus.met
    )


async def record_certificate_expiry(
    *, engagement_id: str, kind: DeadlineKind, expires_on: date, source: str, actor: Actor = SYSTEM
) -> Deadline:
    """A certificate date learnt outside the answers (e.g. the ISMAP list refresh)."""
    engagement = await Engagement.get(id=engagement_id)
    cadence = await get_cadence(str(engagement.organization_id))
    async with transaction() as conn:
        deadline = await _set_deadline(
            conn,
            engagement=engagement,
            kind=kind,
            due=expires_on,
            review_id="",
            source=source,
            offsets=cadence.reminder_offsets,
            today=today_jst(),
        )
        await record(
            conn,
            organization_id=str(engagement.organization_id),
            actor=actor,
            action="certificate_expiry.recorded",
            object_type="engagement",
            object_id=str(engagement.id),
            data={"kind": kind.value, "expires_on": expires_on.isoformat(), "source": source},
        )
    return deadline


async def due_reminder_ids(*, today: date | None = None, limit: int = 10000) -> list[str]:
    """Pending reminders whose day has come (index on status, send_on)."""
    ids = (
        await Reminder.filter(status=ReminderStatus.pending, send_on__lte=today or today_jst())
        .order_by("send_on")
        .limit(limit)
        .values_list("id", flat=True)
    )
    return [str(i) for i in ids]


@dataclass(frozen=True)
class Recipient:
    name: str
    email: str


async def _users(conn: BaseDBAsyncClient, organization_id: str, role: Role) -> list[Recipient]:
    users = await User.filter(organization_id=organization_id, active=True).using_db(conn)
    return [Recipient(u.name, u.email) for u in users if role.value in u.roles]


async def _recipients(
    conn: BaseDBAsyncClient, engagement: Engagement, kind: DeadlineKind, offset: int
) -> list[Recipient]:
    """Procurement's owner before the day; security too on the day; approvers when late."""
    owner = await User.filter(id=engagement.created_by_id, active=True).using_db(conn).get_or_none()
    found: list[Recipient] = [Recipient(owner.name, owner.email)] if owner else []
    if owner is None:
        found += await _users(conn, str(engagement.organization_id), Role.procurement)
    if offset <= 0 or kind != DeadlineKind.review_due:
        found += await _users(conn, str(engagement.organization_id), Role.security)
    if offset < 0:
        approvers = await _users(conn, str(engagement.organization_id), Role.approver)
        found = approvers + found
    unique: dict[str, Recipient] = {}
    for recipient in found:
        unique.setdefault(recipient.email.lower(), recipient)
    return list(unique.values())


@dataclass(frozen=True)
class OpenedRound:
    review: Review
    vendor_invited: bool


async def _open_rereview(
    conn: BaseDBAsyncClient, engagement: Engagement, deadline: Deadline, about: messages.Subject
) -> OpenedRound | None:
    """Open the next round pre-filled, once: only while the approved round is still the last."""
    latest = (
        await Review.filter(engagement_id=engagement.id).using_db(conn).order_by("-round").first()
    )
    if latest is None or latest.status not in APPROVED or str(latest.id) != deadline.review_id:
        return None
    review = await open_next_round(conn, engagement=engagement, previous=latest, actor=SYSTEM)
    await emit_event(
        conn,
        organization_id=str(engagement.organization_id),
        event_type="review.opened",
        data={
            "review_id": str(review.id),
            "engagement_id": str(engagement.id),
            "engagement_number": engagement.number,
            "round": review.round,
            "reason": "re-review due",
            "due_date": deadline.due_date.isoformat(),
        },
    )
    last_invitation = (
        await Invitation.filter(review_id=latest.id, email__not="")
        .using_db(conn)
        .order_by("-created_at")
        .first()
    )
    if last_invitation is None:
        return OpenedRound(review=review, vendor_invited=False)
    days = max(get_settings().invitation_ttl_days, (deadline.due_date - today_jst()).days + 14)
    issued = await issue_system_invitation(
        conn,
        review=review,
        email=last_invitation.email,
        on_behalf_of_user_id=str(engagement.created_by_id),
        expires_in_days=min(days, 365),
        actor=SYSTEM,
    )
    email = messages.vendor_invitation_email(
        about=about,
        deadline=deadline.due_date,
        round_number=review.round,
        expires_on=issued.invitation.expires_at.astimezone(JST).date(),
    )
    await queue_email(
        conn,
        organization_id=str(engagement.organization_id),
        dedupe_key=f"rereview-invitation:{review.id}",
        event_type="review.opened",
        review_id=str(review.id),
        to_address=last_invitation.email,
        subject=email.subject,
        body=email.body,
        secret_link=issued.url,
    )
    return OpenedRound(review=review, vendor_invited=True)


async def fire_reminder(reminder_id: str, *, today: date | None = None) -> str:
    """Send one reminder; safe to run twice and from two processes at once. Says what it did."""
    today = today or today_jst()
    async with transaction() as conn:
        # PostgreSQL: a row another worker is firing is skipped, not waited for.
        locked = (
            await Reminder.filter(id=reminder_id, status=ReminderStatus.pending)
            .select_for_update(skip_locked=True)
            .using_db(conn)
        )
        if not locked or locked[0].send_on > today:
            return "nothing to do"
        reminder = locked[0]
        deadline = await Deadline.filter(id=reminder.deadline_id).using_db(conn).get()
        if deadline.status != DeadlineStatus.active:
            await (
                Reminder.filter(id=reminder.id, status=ReminderStatus.pending)
                .using_db(conn)
                .update(status=ReminderStatus.cancelled)
            )
            return "cancelled: the deadline was met or replaced"
        claimed = (
            await Reminder.filter(id=reminder.id, status=ReminderStatus.pending)
            .using_db(conn)
            .update(status=ReminderStatus.sent, sent_at=datetime.now(UTC))
        )
        if claimed != 1:
            return "nothing to do"
        await _announce(conn, reminder, deadline, today)
    return "sent"


async def _announce(
    conn: BaseDBAsyncClient, reminder: Reminder, deadline: Deadline, today: date
) -> None:
    engagement = await Engagement.filter(id=deadline.engagement_id).using_db(conn).get()
    organization = await Organization.filter(id=engagement.organization_id).using_db(conn).get()
    vendor = await Vendor.filter(id=engagement.vendor_id).using_db(conn).get()
    kind = DeadlineKind(deadline.kind)
    about = messages.Subject(
        organization_name=organization.name,
        engagement_number=engagement.number,
        service_name=engagement.service_name,
        vendor_name=vendor.name,
    )
    opened: OpenedRound | None = None
    if kind == DeadlineKind.review_due and reminder.offset_days >= 0:
        opened = await _open_rereview(conn, engagement, deadline, about)
    base = get_settings().public_base_url.rstrip("/")
    email = messages.reminder_email(
        about=about,
        kind=kind,
        deadline=deadline.due_date,
        today=today,
        link=f"{base}/api/engagements/{engagement.id}",
        opened_round=opened.review.round if opened else None,
        vendor_invited=opened.vendor_invited if opened else False,
    )
    event_type = "reminder.overdue" if reminder.offset_days < 0 else "reminder.due"
    data = {
        "reminder_id": str(reminder.id),
        "kind": kind.value,
        "due_date": deadline.due_date.isoformat(),
        "offset_days": reminder.offset_days,
        "engagement_id": str(engagement.id),
        "engagement_number": engagement.number,
        "service_name": engagement.service_name,
        "opened_review_id": str(opened.review.id) if opened else None,
    }
    event_id = await emit_event(
        conn, organization_id=str(organization.id), event_type=event_type, data=data
    )
    recipients = await _recipients(conn, engagement, kind, reminder.offset_days)
    for recipient in recipients:
        await queue_email(
            conn,
            organization_id=str(organization.id),
            dedupe_key=f"reminder:{reminder.id}:{recipient.email.lower()}",
            event_type=event_type,
            event_id=event_id,
            # The approved round whose re-review (or certificate) this reminder is about.
            review_id=deadline.review_id or None,
            to_address=recipient.email,
            subject=email.subject,
            body=email.body,
        )
    if kind == DeadlineKind.review_due and reminder.offset_days <= 0:
        await _plan_escalation(conn, reminder, deadline)
    await record(
        conn,
        organization_id=str(organization.id),
        actor=SYSTEM,
        action="reminder.sent",
        object_type="reminder",
        object_id=str(reminder.id),
        data={**data, "recipients": [r.email for r in recipients]},
    )


async def _plan_escalation(conn: BaseDBAsyncClient, reminder: Reminder, deadline: Deadline) -> None:
    """While overdue, one more reminder `escalation_days` later (the row is unique)."""
    cadence = await get_cadence(str(deadline.organization_id), conn)
    step = cadence.escalation_days
    weeks = (-reminder.offset_days) // step + 1
    send_on = escalation_send_date(deadline.due_date, weeks, step)
    await Reminder.bulk_create(
        [
            Reminder(
                organization_id=deadline.organization_id,
                deadline_id=deadline.id,
                offset_days=-(weeks * step),
                send_on=max(send_on, deadline.due_date + timedelta(days=1)),
            )
        ],
        ignore_conflicts=True,
        using_db=conn,
    )


async def review_deadlines_within(
    organization_id: str, *, days: int, limit: int = 50
) -> tuple[int, list[Deadline]]:
    """Active re-review deadlines (再審査期限) due within `days` of today (JST) or overdue,
    earliest first, with their engagement and vendor: a console work list."""
    query = Deadline.filter(
        organization_id=organization_id,
        kind=DeadlineKind.review_due,
        status=DeadlineStatus.active,
        due_date__lte=today_jst() + timedelta(days=days),
    )
    total = await query.count()
    deadlines = await query.order_by("due_date").limit(limit).prefetch_related("engagement__vendor")
    return total, deadlines
