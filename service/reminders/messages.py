"""The words of reminder and re-review emails: Japanese first, then English. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from service.reminders.models import DeadlineKind

WEEKDAYS_JA = "月火水木金土日"
WHAT_JA = {
    DeadlineKind.review_due: "定期再審査の期限",
    DeadlineKind.isms_expiry: "ISMS認証の有効期限",
    DeadlineKind.ismap_expiry: "ISMAP登録の有効期限",
}
WHAT_EN = {
    DeadlineKind.review_due: "the periodic re-review is due",
    DeadlineKind.isms_expiry: "the ISMS certificate expires",
    DeadlineKind.ismap_expiry: "the ISMAP listing lapses",
}
FOOTER = (
    "\n--\n"
    "このメールは委託先・クラウドサービス審査サービスから自動送信されています。"
    "返信いただいてもお答えできません。\n"
    "This message was sent automatically by the vetting service; replies are not read.\n"
)


def japanese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日（{WEEKDAYS_JA[day.weekday()]}）"


@dataclass(frozen=True)
class Subject:
    """What the message is about."""

    organization_name: str
    engagement_number: str
    service_name: str
    vendor_name: str


@dataclass(frozen=True)
class Email:
    subject: str
    body: str


def _facts(about: Subject, kind: DeadlineKind, deadline: date) -> str:
    return (
        f"  案件番号 / Engagement: {about.engagement_number}\n"
        f"  サービス / Service: {about.service_name}\n"
        f"  事業者 / Vendor: {about.vendor_name}\n"
        f"  {WHAT_JA[kind]} / Date: {japanese_date(deadline)} ({deadline.isoformat()})\n"
    )


def reminder_email(
    *,
    about: Subject,
    kind: DeadlineKind,
    deadline: date,
    today: date,
    link: str,
    opened_round: int | None,
    vendor_invited: bool,
) -> Email:
    days = (deadline - today).days
    what = WHAT_JA[kind]
    if days > 0:
        tag = "【再審査】" if kind == DeadlineKind.review_due else "【認証期限】"
        subject = f"{tag}{about.service_name}：{what}まであと{days}日（{japanese_date(deadline)}）"
        lead_ja = f"{what}が近づいています（あと{days}日）。"
        lead_en = f"In {days} day(s), {WHAT_EN[kind]}."
    elif days == 0:
        subject = f"【本日期限】{about.service_name}：本日が{what}です"
        lead_ja = f"本日が{what}です。"
        lead_en = f"Today {WHAT_EN[kind]}."
    else:
        subject = f"【期限超過】{about.service_name}：{what}を{-days}日過ぎています"
        lead_ja = f"{what}を{-days}日過ぎていますが、まだ完了していません。対応をお願いします。"
        lead_en = f"Overdue by {-days} day(s): {WHAT_EN[kind]} and it is not done yet."
    round_ja = round_en = ""
    if opened_round is not None:
        round_ja = f"新しい審査ラウンド（第{opened_round}回）を開始し、前回の回答を引き継ぎました。"
        round_en = f"Round {opened_round} was opened, pre-filled with the last answers."
        if vendor_invited:
            round_ja += "事業者へ回答の依頼をメールで送りました。"
            round_en += " The vendor was asked by email to confirm or update them."
        else:
            round_ja += "事業者の連絡先が不明なため、回答依頼のリンクを発行して送付してください。"
            round_en += " No vendor address is known: issue an invitation link and send it."
        round_ja += "\n"
        round_en += "\n"
    body = (
        f"{about.organization_name} 御中\n\n"
        f"{lead_ja}\n\n{_facts(about, kind, deadline)}\n{round_ja}"
        f"詳細 / Details: {link}\n\n"
        f"-- English --\n{lead_en}\n{round_en}"
        f"{FOOTER}"
    )
    return Email(subject=subject, body=body)


def vendor_invitation_email(
    *, about: Subject, deadline: date, round_number: int, expires_on: date
) -> Email:
    """To the vendor: the link is written as {secret_link} and filled in only at sending time."""
    subject = f"【回答のお願い】{about.organization_name}：{about.service_name}の定期再審査"
    body = (
        f"{about.vendor_name} ご担当者様\n\n"
        f"{about.organization_name}です。{about.service_name}について、情報セキュリティ対策の"
        f"定期確認（第{round_number}回）をお願いします。\n"
        "前回ご回答いただいた内容を引き継いでいます。変更のある項目を更新のうえ、提出してください。\n\n"
        f"  回答期限 / Please answer by: {japanese_date(deadline)} ({deadline.isoformat()})\n"
        f"  回答用リンク / Your link: {{secret_link}}\n"
        f"  リンクの有効期限 / Link valid until: {japanese_date(expires_on)}\n\n"
        "リンクはご担当者様専用です。転送しないでください。\n\n"
        "-- English --\n"
        f"{about.organization_name} asks you to confirm the security answers for "
        f"{about.service_name} (round {round_number}). Your last answers are filled in: update "
        "what changed and submit. The link is for you only; please do not forward it.\n"
        f"{FOOTER}"
    )
    return Email(subject=subject, body=body)
