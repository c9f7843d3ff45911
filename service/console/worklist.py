"""What waits for the signed-in person, by role, drawn from the domain services' reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from service.accounts.principal import Principal
from service.accounts.roles import Role
from service.contracts.service import approved_without_contract
from service.jst import today_jst
from service.reminders.models import Deadline
from service.reminders.service import review_deadlines_within
from service.reviews.models import Review
from service.reviews.service import reviews_waiting
from service.reviews.states import ReviewStatus

REREVIEW_HORIZON_DAYS = 60
LIST_LIMIT = 50


@dataclass(frozen=True)
class Row:
    number: str  # 案件番号
    service: str
    vendor: str
    status: str
    due: date | None
    overdue: bool
    link: str  # the console page where the work is done (a path under /console)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    total: int
    rows: list[Row]


def _review_row(review: Review, page: str = "") -> Row:
    # A review has no deadline of its own: the engagement's start date is when it must be done.
    engagement = review.engagement
    due = engagement.start_date
    return Row(
        number=engagement.number,
        service=engagement.service_name,
        vendor=engagement.vendor.name,
        status=review.status.value,
        due=due,
        overdue=due < today_jst(),
        link=f"/reviews/{review.id}{page}",
    )


def _deadline_row(deadline: Deadline) -> Row:
    engagement = deadline.engagement
    return Row(
        number=engagement.number,
        service=engagement.service_name,
        vendor=engagement.vendor.name,
        status=deadline.kind.value,
        due=deadline.due_date,
        overdue=deadline.due_date < today_jst(),
        link=f"/cases/{engagement.id}",
    )


def _title(language: str, ja: str, en: str) -> str:
    return en if language == "en" else ja


async def worklist(principal: Principal, language: str) -> list[Section]:
    roles = principal.roles
    sections: list[Section] = []
    if roles & {Role.security, Role.approver}:
        total, reviews = await reviews_waiting(
            principal, [ReviewStatus.evaluated, ReviewStatus.in_approval], limit=LIST_LIMIT
        )
        sections.append(
            Section(
                "decisions",
                _title(language, "判断・決裁待ちの審査", "Reviews awaiting a decision"),
                total,
                [_review_row(r) for r in reviews],
            )
        )
    if Role.procurement in roles:
        total, reviews = await reviews_waiting(
            principal,
            [ReviewStatus.clarification_requested, ReviewStatus.answering, ReviewStatus.invited],
            limit=LIST_LIMIT,
        )
        sections.append(
            Section(
                "vendor",
                _title(
                    language,
                    "事業者の回答・確認依頼への回答待ち",
                    "Waiting for the vendor (answers, clarifications)",
                ),
                total,
                [_review_row(r) for r in reviews],
            )
        )
    if Role.legal in roles:
        total, reviews = await approved_without_contract(principal, limit=LIST_LIMIT)
        sections.append(
            Section(
                "contracts",
                _title(language, "契約書の作成待ち", "Contracts to generate"),
                total,
                [_review_row(r, "/contracts") for r in reviews],
            )
        )
    if roles & {Role.procurement, Role.security, Role.auditor}:
        total, deadlines = await review_deadlines_within(
            principal.organization_id, days=REREVIEW_HORIZON_DAYS, limit=LIST_LIMIT
        )
        sections.append(
            Section(
                "rereviews",
                _title(
                    language,
                    f"再審査期限（{REREVIEW_HORIZON_DAYS}日以内・期限超過）",
                    f"Re-reviews due within {REREVIEW_HORIZON_DAYS} days or overdue",
                ),
                total,
                [_deadline_row(d) for d in deadlines],
            )
        )
    return sections
