"""Emails the social-media registry sends: Japanese first, then English."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from service.jst import JST
from service.outbox.service import SECRET_LINK_PLACEHOLDER


@dataclass(frozen=True)
class Email:
    subject: str
    body: str


def _reasons(reasons: list[dict[str, str]], language: str) -> str:
    return "\n".join(f"- {reason.get(language, '')}" for reason in reasons) or "-"


def attestation_request(
    *, organization_name: str, platform: str, handle: str, expires_at: datetime
) -> Email:
    """The owner's link; the link itself goes in through the outbox's secret placeholder."""
    until = expires_at.astimezone(JST).strftime("%Y-%m-%d %H:%M")
    return Email(
        subject=f"【確認依頼】公式SNSアカウント {platform} {handle} の責任者確認",
        body=(
            f"{organization_name} 公式SNSアカウントの定期確認です。\n\n"
            f"アカウント: {platform} {handle}\n"
            "次のリンクを開き、引き続き責任者であること、多要素認証が有効であること、"
            "認証情報を組織で管理していること、直近の投稿が発信してよい範囲に収まっていることを"
            "確認してください。\n\n"
            f"{SECRET_LINK_PLACEHOLDER}\n\n"
            f"リンクの有効期限: {until}（日本時間）。リンクは一度だけ使えます。\n\n"
            "---\n"
            f"Periodic check of an official social-media account of {organization_name}: "
            f"{platform} {handle}.\n"
            "Open the link above and confirm that you are still responsible for it, that "
            "multi-factor sign-in is on, that the organization holds its credentials, and that "
            "recent posts stay within what the account may publish.\n"
            f"The link works once and expires at {until} (JST).\n"
        ),
    )


def verification_failed(
    *, organization_name: str, platform: str, handle: str, reasons: list[dict[str, str]], link: str
) -> Email:
    return Email(
        subject=f"【要対応】公式SNSアカウント {platform} {handle} の確認で問題が見つかりました",
        body=(
            f"{organization_name} 公式SNSアカウント {platform} {handle} の再確認で、"
            "次の問題が見つかりました。対応タスクを登録しました。\n\n"
            f"{_reasons(reasons, 'ja')}\n\n{link}\n\n"
            "---\n"
            f"The re-verification of the official account {platform} {handle} of "
            f"{organization_name} found these problems; a follow-up task was opened.\n\n"
            f"{_reasons(reasons, 'en')}\n"
        ),
    )


def account_compromised(
    *, organization_name: str, platform: str, handle: str, description: str, link: str
) -> Email:
    return Email(
        subject=f"【緊急】公式SNSアカウント {platform} {handle} の乗っ取りが報告されました",
        body=(
            f"{organization_name} 公式SNSアカウント {platform} {handle} について、"
            "乗っ取り（不正ログイン）の報告がありました。\n\n"
            f"報告内容: {description}\n\n"
            "パスワードの再設定、サービス事業者への連絡、他の手段での住民への注意喚起を行い、"
            "行った対応を記録してください。\n\n"
            f"{link}\n\n"
            "---\n"
            f"The official account {platform} {handle} of {organization_name} was reported "
            "hijacked.\n"
            f"Report: {description}\n"
            "Reset the password, contact the platform, warn residents through other channels, "
            "and record each step taken.\n"
        ),
    )
