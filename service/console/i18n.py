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
