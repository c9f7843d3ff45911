"""The console's own words, Japanese first (Translator and dates come from the portal)."""

from __future__ import annotations

CONSOLE_UI: dict[str, tuple[str, str]] = {
    "site": ("委託先審査サービス 職員用画面", "Vetting service: staff console"),
    "skip": ("本文へ移動", "Skip to the content"),
    "switch_to": ("English", "日本語"),
    "switch_hint": ("Switch to English", "日本語に切り替える"),
    "contact": (
        "サインインできないときは、所属団体の管理者に連絡してください。",
        "If you cannot sign in, contact your organization's administrator.",
    ),
    "signin_title": ("サインイン", "Sign in"),
    "email": ("メールアドレス", "E-mail address"),
    "password": ("パスワード", "Password"),
    "signin": ("サインイン", "Sign in"),
    "totp_title": ("確認コードの入力", "Enter your code"),
    "totp_intro": (
        "認証アプリに表示されている6桁の確認コードを入力してください。"
        "認証アプリを使えないときは、回復コードを入力できます。",
        "Enter the 6-digit code shown in your authenticator app. "
        "If you cannot use the app, enter a recovery code.",
    ),
    "code": ("確認コードまたは回復コード", "Code or recovery code"),
    "code_hint": (
        "例: 123456 / 回復コード: abcd-efgh-jkmn",
        "e.g. 123456 / recovery: abcd-efgh-jkmn",
    ),
    "verify": ("確認する", "Verify"),
    "code_wrong": ("確認コードが正しくありません。", "The code is not right."),
    "mfa_title": ("二要素認証の設定", "Two-factor authentication"),
    "mfa_required": (
        "あなたの役割では二要素認証が必須です。設定が終わるまで他の画面は使えません。",
        "Your role requires two-factor authentication. Set it up to continue.",
    ),
    "mfa_enrolled": (
        "二要素認証は設定済みです（{when} に設定）。"
        "もう一度設定すると、古い設定と回復コードは使えなくなります。",
        "Two-factor authentication is set up (since {when}). Setting it up again replaces the old "
        "setting and recovery codes.",
    ),
    "mfa_steps": (
        "認証アプリ（Google Authenticator、Microsoft Authenticator など）で QR コードを読み取るか、"
        "次の鍵を手で入力してください。その後、アプリに表示された6桁の確認コードを入力してください。",
        "Scan the QR code with an authenticator app (Google Authenticator, Microsoft "
        "Authenticator, …) or type the key below into it. Then enter the 6-digit code it shows.",
    ),
    "mfa_key": ("手入力用の鍵", "Key for manual entry"),
    "mfa_code": ("確認コード（6桁）", "Code (6 digits)"),
    "mfa_confirm": ("設定する", "Turn on"),
    "recovery_title": ("回復コード", "Recovery codes"),
    "recovery_intro": (
        "二要素認証を設定しました。次の回復コードは今回だけ表示されます。印刷するか安全な場所に控えてください。"
        "各コードは一度だけ使えます。",
        "Two-factor authentication is on. These recovery codes are shown only now: print them "
        "or keep them somewhere safe. Each works once.",
    ),
    "continue": ("ホームへ進む", "Continue to home"),
    "home_title": ("ホーム", "Home"),
    "signed_in_as": ("{name}（{org}）", "{name} ({org})"),
    "roles": ("役割", "Roles"),
    "nothing_waiting": ("対応待ちの案件はありません。", "Nothing is waiting for you."),
    "no_lists": (
        "あなたの役割に表示する一覧はまだありません。",
        "There are no lists for your roles yet.",
    ),
    "count": ("{n} 件", "{n}"),
    "showing": ("古い順に {shown} 件を表示", "Showing the {shown} oldest"),
    "number": ("案件番号", "Engagement"),
    "service": ("サービス", "Service"),
    "vendor": ("事業者", "Vendor"),
    "status": ("状態", "Status"),
    "due": ("期限", "Due"),
    "overdue": ("期限超過", "Overdue"),
    "signout": ("サインアウト", "Sign out"),
    "signout_everywhere": ("すべての端末からサインアウト", "Sign out everywhere"),
    "mfa_link": ("二要素認証の設定", "Two-factor authentication"),
    "home_link": ("ホーム", "Home"),
    "setup_title": ("パスワードの設定", "Choose your password"),
    "setup_intro": (
        "{name} さん（{email}）のパスワードを設定します。"
        "12文字以上で、よく使われる語句を避けてください。",
        "Choose the password for {name} ({email}): 12 characters or more, not a common phrase.",
    ),
    "new_password": ("新しいパスワード", "New password"),
    "password_hint": ("12文字以上", "12 characters or more"),
    "repeat_password": ("新しいパスワード（確認）", "New password (again)"),
    "passwords_differ": ("2つのパスワードが一致しません。", "The two passwords differ."),
    "save_password": ("パスワードを設定する", "Set password"),
    "password_saved": (
        "パスワードを設定しました。サインインしてください。",
        "Your password is set. Please sign in.",
    ),
    "signed_out": ("サインアウトしました。", "You have signed out."),
    "signed_out_everywhere": (
        "すべての端末からサインアウトしました。",
        "You have signed out in every browser.",
    ),
    "session_ended": (
        "一定時間操作がなかったか、有効時間を過ぎたため、サインアウトしました。もう一度サインインしてください。",
        "Your session ended (idle too long or past its lifetime). Please sign in again.",
    ),
    "errors_title": ("入力内容を確認してください", "Please check what you entered"),
    "forbidden_title": ("この操作の権限がありません", "You do not have the right to do this"),
    "forbidden_message": (
        "このページは、あなたの役割では開けません。必要な場合は管理者に役割の付与を依頼してください。",
        "Your roles do not allow this page. Ask your administrator for the role if you need it.",
    ),
    "not_found_title": ("ページが見つかりません", "Page not found"),
    "not_found_message": (
        "お探しの案件やページは見つかりませんでした。番号やリンクを確かめてください。",
        "There is no such case or page. Check the number or the link.",
    ),
    # --- 審査 (service/console/review_pages.py) -------------------------------------------------
    "review_title": ("審査", "Review"),
    "round": ("第{n}回", "round {n}"),
    "corporate_number": ("法人番号", "Corporate number"),
    "kind": ("種別", "Kind"),
    "kind_outsourcing": ("業務委託", "Outsourcing"),
    "kind_cloud": ("クラウドサービス", "Cloud service"),
    "kind_tos_cloud": ("約款型クラウドサービス", "Terms-of-service cloud"),
    "cia": ("機密性・完全性・可用性", "Confidentiality / integrity / availability"),
    "personal_data": ("個人情報", "Personal data"),
    "my_number": ("マイナンバーを含む", "with My Number"),
    "yes": ("あり", "Yes"),
    "no": ("なし", "No"),
    "segment": ("ネットワーク", "Network segment"),
    "segment_my_number": ("マイナンバー利用事務系", "My Number segment"),
    "segment_lgwan": ("LGWAN接続系", "LGWAN segment"),
    "segment_internet": ("インターネット接続系", "Internet segment"),
    "form": ("質問票", "Questionnaire"),
    "contracts_title": ("契約書", "Contracts"),
    "verdicts_title": ("自動判定の結果", "Automatic verdicts"),
    "outcome_fail": ("✗ 不適合", "✗ Fails"),
    "outcome_needs_review": ("？ 要確認", "? Needs review"),
    "outcome_pass": ("✓ 適合", "✓ Passes"),
    "outcome_not_applicable": ("－ 対象外", "– Not applicable"),
    "severity_must": ("必須", "Must"),
    "severity_should": ("推奨", "Should"),
    "show": ("表示", "Show"),
    "show_all": ("すべての質問", "Every question"),
    "show_problems": ("不適合・要確認のみ", "Only what fails or needs review"),
    "apply": ("表示する", "Show"),
    "remediation": ("改善策:", "Remediation:"),
    "sources": ("根拠:", "Source:"),
    "overridden": ("上書き済み（自動判定: {outcome}）", "Overridden (automatic: {outcome})"),
    "override_title": ("判定を上書きする", "Override the verdict"),
    "override_outcome": ("上書き後の判定", "Verdict after the override"),
    "override_reason": ("理由（記録されます）", "Reason (recorded)"),
    "override_button": ("上書きする", "Override"),
    "unanswered": ("未回答", "Not answered"),
    "clarify_tick": ("確認依頼に含める", "Include in the clarification"),
    "clarify_title": ("確認依頼", "Ask the vendor for clarification"),
    "clarify_hint": (
        "確認したい質問にチェックを付け、事業者への依頼文を書いて送ります。回答は事業者の画面に戻ります。",
        "Tick the questions to ask about, write the request and send it: "
        "they go back to the vendor.",
    ),
    "clarify_message": ("事業者への依頼文", "Message to the vendor"),
    "clarify_button": ("確認依頼を送る", "Send the request"),
    "other_verdicts": ("質問によらない判定", "Verdicts not tied to a question"),
    "chain_title": ("承認経路", "Approval chain"),
    "step_pending": ("未決", "waiting"),
    "step_approved": ("承認", "approved"),
    "step_rejected": ("否認", "rejected"),
    "decision_title": ("審査結果の決定", "Decision"),
    "decision_closed": (
        "この審査は現在「{status}」のため、決定できません。",
        "This review is '{status}': nothing to decide now.",
    ),
    "decision_next_step": ("次は第{n}段階「{title}」の決裁です。", "Next: step {n}, {title}."),
    "decision_failing": (
        "不適合または要確認の要件が {n} 件あります。"
        "条件を付けるか、判定を上書き（理由を記録）してください。",
        "{n} requirements fail or need review: set conditions, or override them with a reason.",
    ),
    "decision_choice": ("決定", "Decision"),
    "decision_approve": ("承認", "Approve"),
    "decision_conditions": ("条件付き承認", "Approve with conditions"),
    "decision_reject": ("否認", "Reject"),
    "decision_reason": ("理由", "Reason"),
    "decision_condition_lines": ("承認条件（1行に1件）", "Conditions (one per line)"),
    "decision_condition_hint": (
        "不適合・要確認の要件の改善策から下書きしています。必要に応じて書き換えてください。",
        "Drafted from the remediation of what fails or needs review; edit as needed.",
    ),
    "decision_button": ("決定を記録する", "Record the decision"),
    "decision_not_yours": (
        "この段階の決裁はあなたの役割ではありません。",
        "This step is not signed by your role.",
    ),
    "done_clarification": ("確認依頼を送りました。", "The request was sent to the vendor."),
    "done_override": ("判定を上書きしました。", "The verdict was overridden."),
    "done_decision": ("決定を記録しました。", "The decision was recorded."),
    # --- pages added by later branches: each adds its own block of words below, with a comment
}

# What each review status is called on the console.
STATUS_WORDS: dict[str, tuple[str, str]] = {
    "open": ("受付前", "Open"),
    "invited": ("回答依頼済み", "Invited"),
    "answering": ("回答中", "Answering"),
    "submitted": ("提出済み（自動確認中）", "Submitted (checks running)"),
    "evaluated": ("判断待ち", "Awaiting decision"),
    "clarification_requested": ("確認依頼中", "Clarification requested"),
    "in_approval": ("決裁中", "In approval"),
    "approved": ("承認", "Approved"),
    "approved_with_conditions": ("条件付き承認", "Approved with conditions"),
    "rejected": ("否認", "Rejected"),
    "cancelled": ("取消", "Cancelled"),
    "review_due": ("再審査期限", "Re-review due"),
}
