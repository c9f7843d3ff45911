"""The portal's own words, Japanese first, and how dates and sizes are written. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from service.catalog.text import Text
from service.jst import JST

Language = Literal["ja", "en"]
LANGUAGES: tuple[Language, ...] = ("ja", "en")

UI: dict[str, tuple[str, str]] = {
    "site": ("セキュリティ確認票 回答ページ", "Security questionnaire"),
    "skip": ("本文へ移動", "Skip to the content"),
    "switch_to": ("English", "日本語"),
    "switch_hint": ("Switch to English", "日本語に切り替える"),
    "switch_saves": (
        "入力中の内容を一時保存して英語表示に切り替えます",
        "Saves what you have entered and switches to Japanese",
    ),
    "requested_by": ("{org} からの依頼", "Requested by {org}"),
    "service": ("対象サービス", "Service"),
    "deadline": ("回答期限", "Answer by"),
    "progress": ("{total} 問中 {answered} 問回答済み", "{answered} of {total} questions answered"),
    "sections": ("セクション", "Sections"),
    "overview": ("概要", "Overview"),
    "status": ("回答状況", "Progress"),
    "required": ("必須", "Required"),
    "optional": ("任意", "Optional"),
    "yes": ("はい", "Yes"),
    "no": ("いいえ", "No"),
    "no_answer": ("未回答にする", "No answer"),
    "choose": ("選択してください", "Choose"),
    "unanswered": ("未回答", "Not answered"),
    "save": ("一時保存", "Save draft"),
    "save_next": ("保存して次へ", "Save and continue"),
    "save_confirm": ("保存して回答内容の確認へ", "Save and review your answers"),
    "previous": ("前のセクションへ", "Previous section"),
    "saved": ("保存しました。", "Saved."),
    "more_questions": (
        "回答に応じて質問が追加されました。追加された質問に回答してください。",
        "Your answers brought up more questions in this section. Please answer them.",
    ),
    "not_saved": (
        "入力内容に誤りがあるため、保存していません。各質問の下のメッセージを確認してください。",
        "Nothing was saved because some answers need correcting. See the message under each.",
    ),
    "errors_title": ("次の質問を確認してください", "Please check these questions"),
    "reselect_files": (
        "選択したファイルは保存されていません。修正後にもう一度選択してください。",
        "The chosen files were not saved. Choose them again after correcting.",
    ),
    "max_chars": ("{n} 文字以内", "Up to {n} characters"),
    "range": ("{low} 〜 {high}", "{low} to {high}"),
    "at_least": ("{low} 以上", "At least {low}"),
    "at_most": ("{high} 以下", "At most {high}"),
    "date_hint": ("例: 2028-09-30", "e.g. 2028-09-30"),
    "files_attached": ("添付済みのファイル", "Attached files"),
    "remove_file": ("「{name}」を削除する", "Remove “{name}”"),
    "file_hint": (
        "{kinds} / 1ファイル {size} まで / 最大 {count} ファイル",
        "{kinds} / up to {size} per file / at most {count} files",
    ),
    "add_files": ("ファイルを追加", "Add files"),
    "row": ("{n}行目", "Row {n}"),
    "delete_row": ("{n}行目を削除する", "Delete row {n}"),
    "add_row": ("行を追加", "Add row"),
    "rows_hint": (
        "空欄の行は保存されません。行が足りないときは「行を追加」を押してください。",
        "Blank rows are not kept. Press “Add row” when you need more rows.",
    ),
    "clarification_title": ("確認依頼があります", "Clarification requested"),
    "clarification_intro": (
        "審査担当者から、次の質問について確認の依頼がありました。回答を見直し、改めて提出してください。",
        "The reviewer asks you to look again at the questions below. "
        "Review your answers and submit again.",
    ),
    "clarification_here": ("この質問に確認依頼があります", "Clarification requested here"),
    "prefilled": (
        "前回（第{round}回）の審査でいただいた回答を引き継いでいます。"
        "内容を確認し、変わった点があれば修正してから提出してください。",
        "Your answers from the previous review (round {round}) are filled in. "
        "Check them, change what is no longer true, then submit.",
    ),
    "section_status_missing": ("必須の未回答 {n} 問", "{n} required unanswered"),
    "start": ("回答を始める", "Start answering"),
    "continue": ("続きから回答する", "Continue answering"),
    "review_answers": ("回答内容を確認して提出する", "Review and submit your answers"),
    "confirm_title": ("回答内容の確認と提出", "Review and submit"),
    "missing_title": (
        "未回答の必須質問が {n} 問あります",
        "{n} required questions are not answered yet",
    ),
    "missing_help": (
        "すべての必須質問に回答すると提出できます。下の一覧から該当の質問へ移動できます。",
        "You can submit once every required question is answered. The links take you there.",
    ),
    "edit_section": ("このセクションを修正する", "Edit this section"),
    "submit_intro": (
        "提出すると回答は確定し、変更できなくなります。",
        "Once submitted, the answers are locked and can no longer be changed.",
    ),
    "submit": ("この内容で提出する", "Submit these answers"),
    "submitted_title": ("回答を受け付けました", "Your answers were received"),
    "receipt_number": ("受付番号", "Receipt number"),
    "submitted_at": ("提出日時", "Submitted at"),
    "receipt_keep": (
        "このページを印刷するか、受付番号を控えてください。ブラウザの印刷機能（Ctrl+P）で印刷できます。",
        "Print this page or note the receipt number. Use your browser's print function (Ctrl+P).",
    ),
    "receipt_link": ("提出内容の控え（受付番号 {number}）", "Your receipt ({number})"),
    "answers_locked": (
        "回答は提出済みです。審査の結果は担当者からご連絡します。",
        "Your answers have been submitted. The reviewer will contact you about the result.",
    ),
    "closed": ("この審査は終了しています。", "This review is closed."),
    "form": ("質問票", "Questionnaire"),
    "version": ("版", "version"),
    "organization": ("依頼元", "Requested by"),
    "sha256": ("SHA-256", "SHA-256"),
    "logout": ("終了する", "Sign out"),
    "logged_out": (
        "終了しました。続きはメールのリンクからいつでも再開できます。",
        "Signed out. Open the link in the email to continue at any time.",
    ),
    "error_title": ("ページを表示できません", "This page cannot be shown"),
    "session_gone": (
        "回答ページの有効時間が過ぎたか、終了しました。メールで届いたリンクをもう一度開いてください。",
        "Your session has ended or expired. Open the link from the email again.",
    ),
    "csrf_failed": (
        "フォームの有効期限が切れたか、不正な送信です。ページを読み込み直してからもう一度操作してください。",
        "The form has expired or the request was not valid. Reload the page and try again.",
    ),
    "too_large": (
        "ファイルが大きすぎます（上限 {size}）。入力内容は保存されていません。",
        "The file is too large (limit {size}). Nothing was saved.",
    ),
    "contact": (
        "ご不明な点は、依頼元の担当者にお問い合わせください。",
        "If anything is unclear, please contact the person who sent you the link.",
    ),
}


# 和暦: the era each Gregorian date falls in (from its first day).
ERAS: tuple[tuple[date, str], ...] = (
    (date(2019, 5, 1), "令和"),
    (date(1989, 1, 8), "平成"),
    (date(1926, 12, 25), "昭和"),
)


def japanese_era(day: date) -> str:
    """The date in the Japanese calendar, e.g. 令和8年4月1日 (元年 for an era's first year)."""
    for start, name in ERAS:
        if day >= start:
            year = day.year - start.year + 1
            return f"{name}{'元' if year == 1 else year}年{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class Translator:
    language: Language
    # The words this translator knows: the portal's by default; the staff console passes its own.
    ui: Mapping[str, tuple[str, str]] = field(default_factory=lambda: UI, compare=False)

    def __call__(self, key: str, **values: object) -> str:
        ja, en = self.ui[key]
        template = ja if self.language == "ja" else en
        return template.format(**values) if values else template

    def text(self, text: Text | None) -> str:
        if text is None:
            return ""
        return text.ja if self.language == "ja" else text.en

    def when(self, moment: datetime | None) -> str:
        if moment is None:
            return ""
        local = moment.astimezone(JST)
        if self.language == "ja":
            return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
        return f"{local.day} {local:%B %Y}, {local:%H:%M} JST"

    def day(self, day: date | None) -> str:
        """A date people read: 和暦 with the Gregorian year in Japanese, ISO in English."""
        if day is None:
            return ""
        if self.language == "ja":
            return f"{japanese_era(day)}（{day.year}年）"
        return day.isoformat()


def size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} B"
