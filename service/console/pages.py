"""The console's pages: sign-in (password, then the second factor), 二要素認証の設定, the password
set-up link, sign-out, and ホーム. Thin handlers over service.signin and the domain reads.

GET  /console/signin         the sign-in form;  POST checks e-mail and password
GET  /console/signin/code    the second factor;  POST checks a TOTP or recovery code
GET  /console/mfa            enrolment (QR code and key);  POST confirms it with a first code
GET  /console/setup/{token}  choose a password through an e-mailed link;  POST /console/setup
POST /console/signout, /console/signout-everywhere, /console/language
GET  /console/               ホーム: what waits for the signed-in person
"""

from __future__ import annotations

import hmac
import secrets

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from service import throttling
from service.console.guard import (
    clear_cookie,
    csrf_refused,
    current_staff,
    posted_by_staff,
    set_cookie,
    signed_in_staff,
    staff_context,
    to_signin,
    words,
)
from service.console.rendering import console_url, render, safe_next
from service.console.worklist import worklist
from service.errors import AppError, Gone, NotFound, TooManyRequests, ValidationFailed
from service.portal.sessions import https
from service.signin import mfa, sessions
from service.signin import service as signin
from service.signin.sessions import FULL_STAGE, PASSWORD_STAGE, Staff
from service.throttling import SecretKind

SIGNIN_CSRF_SECURE = "__Host-staff_signin"
SIGNIN_CSRF_PLAIN = "staff_signin"


def _language(request: Request, form: FormData | None = None) -> str:
    chosen = (form.get("lang") if form else None) or request.query_params.get("lang")
    return "en" if chosen == "en" else "ja"


def _client(request: Request) -> str:
    return request.client.host if request.client else ""


# --- CSRF before there is a session: a double-submit cookie ---------------------------------


def _signin_csrf_cookie() -> str:
    return SIGNIN_CSRF_SECURE if https() else SIGNIN_CSRF_PLAIN


def _signin_csrf(request: Request) -> str:
    return request.cookies.get(_signin_csrf_cookie()) or secrets.token_urlsafe(32)


def _signin_csrf_ok(request: Request, form: FormData) -> bool:
    cookie = request.cookies.get(_signin_csrf_cookie(), "")
    sent = str(form.get("csrf_token") or "")
    return bool(cookie) and hmac.compare_digest(cookie.encode(), sent.encode())


def _with_signin_csrf(response: Response, token: str) -> Response:
    set_cookie(response, _signin_csrf_cookie(), token)
    return response


# --- sign-in -----------------------------------------------------------------------------------


def _signin_page(
    request: Request,
    language: str,
    *,
    next_path: str,
    email: str = "",
    errors: dict[str, str] | None = None,
    notice: str = "",
    status: int = 200,
) -> Response:
    token = _signin_csrf(request)
    response = render(
        "signin.html",
        language=language,
        status=status,
        page_title=words(language, "signin_title"),
        csrf=token,
        next=next_path,
        email=email,
        errors=errors or {},
        notice=notice,
        switch_href=_switch_href("/signin", language),
    )
    return _with_signin_csrf(response, token)


async def signin_get(request: Request) -> Response:
    language = _language(request)
    next_path = safe_next(request.query_params.get("next"))
    staff = await current_staff(request)
    if staff is not None and staff.signed_in:
        return RedirectResponse(next_path, status_code=303)
    notice = ""
    for flag, key in (
        ("signed_out", "signed_out"),
        ("everywhere", "signed_out_everywhere"),
        ("ended", "session_ended"),
        ("password_set", "password_saved"),
    ):
        if request.query_params.get(flag):
            notice = words(language, key)
    return _signin_page(request, language, next_path=next_path, notice=notice)


async def signin_post(request: Request) -> Response:
    form = await request.form()
    language = _language(request, form)
    if not _signin_csrf_ok(request, form):
        return csrf_refused(language)
    next_path = safe_next(str(form.get("next") or ""))
    email = str(form.get("email") or "").strip()[:254]
    password = str(form.get("password") or "")
    try:
        async with throttling.guard(request, SecretKind.sign_in):  # counts each 401
            user, credential = await signin.check_password(
                email, password, client_address=_client(request)
            )
    except (signin.SignInFailed, signin.AccountLocked, TooManyRequests) as exc:
        refused = _signin_page(
            request,
            language,
            next_path=next_path,
            email=email,
            errors={"form": exc.detail},
            status=exc.status_code,
        )
        if isinstance(exc, TooManyRequests):
            refused.headers["Retry-After"] = str(exc.retry_after)
        return refused
    needs_code = credential.totp_enrolled_at is not None
    must_enrol = not needs_code and await signin.mfa_required(user)
    stage = PASSWORD_STAGE if (needs_code or must_enrol) else FULL_STAGE
    secret, _ = await sessions.start_session(
        user,
        stage=stage,
        client_address=_client(request),
        replacing=request.cookies.get(sessions.cookie_name()),
        language=language,
    )
    if stage == FULL_STAGE:
        await signin.reset_failures(user)
        target = next_path
    elif needs_code:
        target = console_url("/signin/code") + "?next=" + _quoted(next_path)
    else:
        target = console_url("/mfa")
    response = RedirectResponse(target, status_code=303)
    set_cookie(response, sessions.cookie_name(), secret)
    clear_cookie(response, _signin_csrf_cookie())
    return response


def _quoted(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/")


async def _second_step(request: Request) -> Staff | Response:
    staff = await current_staff(request)
    if staff is None:
        return to_signin(request, ended=True)
    if staff.signed_in:
        return RedirectResponse(console_url("/"), status_code=303)
    return staff


def _code_page(
    staff: Staff, request: Request, next_path: str, errors: dict[str, str], status: int
) -> Response:
    return render(
        "totp.html",
        language=staff.language,
        status=status,
        page_title=words(staff.language, "totp_title"),
        next=next_path,
        errors=errors,
        **staff_context(staff, request, "code"),
    )


async def code_get(request: Request) -> Response:
    staff = await _second_step(request)
    if isinstance(staff, Response):
        return staff
    return _code_page(staff, request, safe_next(request.query_params.get("next")), {}, 200)


async def code_post(request: Request) -> Response:
    staff = await _second_step(request)
    if isinstance(staff, Response):
        return staff
    form = await request.form()
    if not sessions.csrf_matches(staff.session, str(form.get("csrf_token") or "")):
        return csrf_refused(staff.language)
    next_path = safe_next(str(form.get("next") or ""))
    credential = await signin.credential_of(staff.user)
    if credential.locked_at is not None:
        return _code_page(staff, request, next_path, {"form": signin.locked_error().detail}, 403)
    code = str(form.get("code") or "")[:64]
    try:
        async with throttling.guard(request, SecretKind.sign_in):
            if not await mfa.check_second_factor(staff.user, code):
                await signin.record_failure(user=staff.user, reason="second_factor")
                raise signin.SignInFailed(words(staff.language, "code_wrong"))
    except (signin.SignInFailed, TooManyRequests) as exc:
        return _code_page(staff, request, next_path, {"code": exc.detail}, exc.status_code)
    secret, _ = await sessions.start_session(
        staff.user,
        stage=FULL_STAGE,
        client_address=_client(request),
        replacing=request.cookies.get(sessions.cookie_name()),
        language=staff.language,
    )
    await signin.reset_failures(staff.user)
    response = RedirectResponse(next_path, status_code=303)
    set_cookie(response, sessions.cookie_name(), secret)
    return response


# --- 二要素認証の設定 -----------------------------------------------------------------------------


async def _enrolling(request: Request) -> Staff | Response:
    staff = await current_staff(request)
    if staff is None:
        return to_signin(request, ended=True)
    if not staff.signed_in:
        # After the password only: enrolment is allowed when no second factor exists yet, so a
        # stolen password cannot replace the owner's authenticator.
        credential = await signin.credential_of(staff.user)
        if credential.totp_enrolled_at is not None:
            return RedirectResponse(console_url("/signin/code"), status_code=303)
    return staff


async def _mfa_page(
    staff: Staff, request: Request, errors: dict[str, str], status: int
) -> Response:
    enrolment = await mfa.pending_enrolment(staff.user)
    credential = await signin.credential_of(staff.user)
    return render(
        "mfa.html",
        language=staff.language,
        status=status,
        page_title=words(staff.language, "mfa_title"),
        secret=enrolment.secret,
        qr_svg=enrolment.qr_svg,
        enrolled_at=credential.totp_enrolled_at,
        required_now=not staff.signed_in,
        errors=errors,
        **staff_context(staff, request, "mfa"),
    )


async def mfa_get(request: Request) -> Response:
    staff = await _enrolling(request)
    if isinstance(staff, Response):
        return staff
    return await _mfa_page(staff, request, {}, 200)


async def mfa_post(request: Request) -> Response:
    staff = await _enrolling(request)
    if isinstance(staff, Response):
        return staff
    form = await request.form()
    if not sessions.csrf_matches(staff.session, str(form.get("csrf_token") or "")):
        return csrf_refused(staff.language)
    try:
        codes = await mfa.confirm_enrolment(
            staff.user, str(form.get("code") or "")[:64], signin.user_actor(staff.user)
        )
    except ValidationFailed:
        return await _mfa_page(staff, request, {"code": words(staff.language, "code_wrong")}, 422)
    secret = None
    if not staff.signed_in:
        secret, session = await sessions.start_session(
            staff.user,
            stage=FULL_STAGE,
            client_address=_client(request),
            replacing=request.cookies.get(sessions.cookie_name()),
            language=staff.language,
        )
        await signin.reset_failures(staff.user)
        staff = Staff(session=session, user=staff.user, organization=staff.organization)
    response = render(
        "recovery.html",
        language=staff.language,
        page_title=words(staff.language, "recovery_title"),
        codes=codes,
        next=console_url("/"),
        **staff_context(staff, request, "mfa"),
    )
    if secret:
        set_cookie(response, sessions.cookie_name(), secret)
    return response


# --- sign-out, language ------------------------------------------------------------------------


async def signout_post(request: Request) -> Response:
    posted = await posted_by_staff(request)
    if isinstance(posted, Response):
        return posted
    staff, _ = posted
    await sessions.end_session(staff)
    return _back_to_signin(staff, "signed_out")


def _switch_href(path: str, language: str) -> str:
    """The same page before sign-in, in the other language."""
    return console_url(path) + f"?lang={'en' if language == 'ja' else 'ja'}"


def _back_to_signin(staff: Staff, notice: str) -> Response:
    """The sign-in page saying what just ended (one session, or all), without the cookie."""
    response = RedirectResponse(
        console_url("/signin") + f"?{notice}=1&lang={staff.language}", status_code=303
    )
    clear_cookie(response, sessions.cookie_name())
    return response


async def signout_everywhere_post(request: Request) -> Response:
    posted = await posted_by_staff(request)
    if isinstance(posted, Response):
        return posted
    staff, _ = posted
    if not staff.signed_in:
        return to_signin(request)
    await sessions.end_all_sessions(staff.user, signin.user_actor(staff.user))
    return _back_to_signin(staff, "everywhere")


async def language_post(request: Request) -> Response:
    posted = await posted_by_staff(request)
    if isinstance(posted, Response):
        return posted
    staff, form = posted
    await sessions.set_language(staff.session, str(form.get("lang") or ""))
    return RedirectResponse(safe_next(str(form.get("next") or "")), status_code=303)


# --- password set-up link ------------------------------------------------------------------------


def _link_unusable(language: str, exc: AppError) -> Response:
    if isinstance(exc, TooManyRequests):
        return render(
            "message.html",
            language=language,
            status=429,
            heading=words(language, "errors_title"),
            message=exc.detail,
            link=console_url("/signin"),
            link_text=words(language, "signin_title"),
        )
    gone = isinstance(exc, Gone)
    return render(
        "message.html",
        language=language,
        status=410 if gone else 404,
        heading=(
            ("このリンクは使えません" if gone else "ページが見つかりません")
            if language == "ja"
            else ("This link can no longer be used" if gone else "Page not found")
        ),
        message=(
            "リンクは使用済みか、有効期限が過ぎています。管理者に新しいリンクの送付を依頼してください。"
            if language == "ja"
            else "The link was used or has expired. Ask your administrator for a new one."
        ),
        link=console_url("/signin"),
        link_text=words(language, "signin_title"),
    )


async def _setup_page(
    request: Request, language: str, token: str, errors: dict[str, str], status: int
) -> Response:
    try:
        _, user = await signin.open_setup_link(token)
    except (NotFound, Gone) as exc:
        return _link_unusable(language, exc)
    csrf = _signin_csrf(request)
    response = render(
        "setup.html",
        language=language,
        status=status,
        page_title=words(language, "setup_title"),
        csrf=csrf,
        token=token,
        user=user,
        errors=errors,
        switch_href=_switch_href(f"/setup/{token}", language),
    )
    return _with_signin_csrf(response, csrf)


async def setup_get(request: Request) -> Response:
    language, token = _language(request), request.path_params["token"]
    try:
        async with throttling.guard(request, SecretKind.sign_in):  # counts unknown/spent links
            await signin.open_setup_link(token)
    except (NotFound, Gone, TooManyRequests) as exc:
        return _link_unusable(language, exc)
    return await _setup_page(request, language, token, {}, 200)


async def setup_post(request: Request) -> Response:
    form = await request.form()
    language = _language(request, form)
    if not _signin_csrf_ok(request, form):
        return csrf_refused(language)
    token = str(form.get("token") or "")[:200]
    password = str(form.get("password") or "")
    if password != str(form.get("repeat") or ""):
        errors = {"repeat": words(language, "passwords_differ")}
        return await _setup_page(request, language, token, errors, 422)
    try:
        async with throttling.guard(request, SecretKind.sign_in):
            await signin.complete_setup(token, password)
    except ValidationFailed as exc:
        return await _setup_page(request, language, token, {"password": exc.detail}, 422)
    except (NotFound, Gone, TooManyRequests) as exc:
        return _link_unusable(language, exc)
    response = RedirectResponse(
        console_url("/signin") + f"?password_set=1&lang={language}", status_code=303
    )
    clear_cookie(response, _signin_csrf_cookie())
    return response


# --- ホーム --------------------------------------------------------------------------------------


async def home(request: Request) -> Response:
    staff = await signed_in_staff(request)
    if isinstance(staff, Response):
        return staff
    principal = staff.principal
    return render(
        "home.html",
        language=staff.language,
        page_title=words(staff.language, "home_title"),
        sections=await worklist(principal, staff.language),
        roles=", ".join(sorted(r.value for r in principal.roles)),
        **staff_context(staff, request, "home"),
    )
