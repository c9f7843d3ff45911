"""Who is asking, for every console page: the session behind the cookie, the second factor, the
CSRF token of a form, and the refusals (sign in first, 403, 404) as pages. Each page module asks
here first, then the one permission rule (service.accounts.permissions) before it shows a thing.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from service.accounts.permissions import Permission, may
from service.console.i18n import CONSOLE_UI
from service.console.rendering import console_url, render, signin_url
from service.portal.sessions import https
from service.signin import service as signin
from service.signin import sessions
from service.signin.sessions import SignedOut, Staff


def words(language: str, key: str) -> str:
    ja, en = CONSOLE_UI[key]
    return en if language == "en" else ja


def set_cookie(response: Response, name: str, value: str) -> None:
    response.set_cookie(
        name, value, path="/", httponly=True, secure=https(), samesite="lax", max_age=None
    )


def clear_cookie(response: Response, name: str) -> None:
    response.delete_cookie(name, path="/", httponly=True, secure=https(), samesite="lax")


def csrf_refused(language: str) -> Response:
    return render(
        "message.html",
        language=language,
        status=403,
        heading=words(language, "errors_title"),
        message=(
            "フォームの有効期限が切れたか、正しくない送信です。ページを読み込み直してから操作してください。"
            if language == "ja"
            else "The form has expired or the request was not valid. Reload the page and try again."
        ),
        link=console_url("/signin"),
        link_text=words(language, "signin_title"),
    )


# --- sessions ----------------------------------------------------------------------------------


async def current_staff(request: Request) -> Staff | None:
    try:
        return await sessions.resume_session(request.cookies.get(sessions.cookie_name()))
    except SignedOut:
        return None


def here(request: Request) -> str:
    path = console_url(request.url.path.removeprefix(request.scope.get("root_path", "")))
    return path + (f"?{request.url.query}" if request.url.query else "")


def to_signin(request: Request, *, ended: bool = False) -> Response:
    target = signin_url(here(request) if request.method == "GET" else None)
    if ended:
        target += ("&" if "?" in target else "?") + "ended=1"
    response = RedirectResponse(target, status_code=303)
    clear_cookie(response, sessions.cookie_name())
    return response


def staff_context(staff: Staff, request: Request, current: str) -> dict[str, Any]:
    return {
        "staff": staff,
        "csrf": staff.session.csrf_token,
        "here": here(request),
        "current": current,
    }


async def needs_enrolment(staff: Staff) -> bool:
    credential = await signin.credential_of(staff.user)
    return credential.totp_enrolled_at is None and await signin.mfa_required(staff.user)


async def posted_by_staff(request: Request) -> tuple[Staff, FormData] | Response:
    """A form posted by someone with a session (even one still at the second factor)."""
    staff = await current_staff(request)
    if staff is None:
        return to_signin(request, ended=True)
    form = await request.form()
    if not sessions.csrf_matches(staff.session, str(form.get("csrf_token") or "")):
        return csrf_refused(staff.language)
    return staff, form


async def signed_in_staff(request: Request) -> Staff | Response:
    """The person behind a work page: fully signed in (second factor done, enrolled where the
    organization requires it), else where they must go first."""
    staff = await current_staff(request)
    if staff is None:
        return to_signin(request, ended=bool(request.cookies.get(sessions.cookie_name())))
    if not staff.signed_in:
        credential = await signin.credential_of(staff.user)
        target = "/signin/code" if credential.totp_enrolled_at is not None else "/mfa"
        return RedirectResponse(console_url(target), status_code=303)
    if await needs_enrolment(staff):  # the organization began requiring it after sign-in
        return RedirectResponse(console_url("/mfa"), status_code=303)
    return staff


async def posted_by_signed_in(request: Request) -> tuple[Staff, FormData] | Response:
    """A work form: fully signed in as for `signed_in_staff`, and its CSRF token matches."""
    staff = await signed_in_staff(request)
    if isinstance(staff, Response):
        return staff
    form = await request.form()
    if not sessions.csrf_matches(staff.session, str(form.get("csrf_token") or "")):
        return csrf_refused(staff.language)
    return staff, form


# --- refusals as pages ---------------------------------------------------------------------------


def forbidden(staff: Staff) -> Response:
    """A role without the right: the same refusal the API gives (403), as a page."""
    return render(
        "message.html",
        language=staff.language,
        status=403,
        heading=words(staff.language, "forbidden_title"),
        message=words(staff.language, "forbidden_message"),
        link=console_url("/"),
        link_text=words(staff.language, "home_link"),
        staff=staff,
        csrf=staff.session.csrf_token,
        here=console_url("/"),
        current="",
    )


def not_found(staff: Staff) -> Response:
    """Nothing by that id in the person's organization (another organization's case included)."""
    return render(
        "message.html",
        language=staff.language,
        status=404,
        heading=words(staff.language, "not_found_title"),
        message=words(staff.language, "not_found_message"),
        link=console_url("/"),
        link_text=words(staff.language, "home_link"),
        staff=staff,
        csrf=staff.session.csrf_token,
        here=console_url("/"),
        current="",
    )


def allowed(staff: Staff, permission: Permission) -> bool:
    """The API's rule for the same read (x-roles of its endpoints), asked by a page."""
    return may(staff.principal.roles, permission)
