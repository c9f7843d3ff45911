"""`vetting user list | set-password | reset-mfa | unlock`: recovery from the command line.

Each acts as the operator console principal (as the other `vetting` account commands do), and
each change goes to the audit trail of the user's organization.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Awaitable, Callable
from typing import Any

Runner = Callable[[Callable[[], Awaitable[int]]], int]


async def _user_by_email(email: str, organization_id: str | None) -> Any:
    from service.accounts.models import User

    query = User.filter(email=email.strip().lower())
    if organization_id:
        query = query.filter(organization_id=organization_id)
    users = await query.order_by("created_at")
    if not users:
        raise SystemExit(f"error: no user with the e-mail {email}")
    if len(users) > 1:
        orgs = ", ".join(str(u.organization_id) for u in users)
        raise SystemExit(f"error: {email} is a user in several organizations ({orgs}): add --org")
    return users[0]


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("新しいパスワード / New password: ")
        if first != getpass.getpass("もう一度 / Again: "):
            raise SystemExit("error: the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\n")  # piped: the first line


def add_user_commands(user: Any, run: Runner, console_principal: Callable[[], Any]) -> None:
    """Add the sign-in subcommands to the `vetting user` parser."""

    def cmd_list(args: argparse.Namespace) -> int:
        from service.accounts.models import User
        from service.signin.models import Credential

        async def go() -> int:
            query = User.all()
            if args.org:
                query = query.filter(organization_id=args.org)
            users = await query.order_by("organization_id", "email")
            credentials = {
                str(c.user_id): c
                for c in await Credential.filter(user_id__in=[u.id for u in users])
            }
            print("id\torganization_id\temail\troles\tactive\tpassword\tmfa\tlocked")
            for u in users:
                c = credentials.get(str(u.id))
                print(
                    f"{u.id}\t{u.organization_id}\t{u.email}\t{','.join(u.roles)}\t"
                    f"{'yes' if u.active else 'no'}\t"
                    f"{'set' if c and c.password_hash else '-'}\t"
                    f"{'totp' if c and c.totp_enrolled_at else '-'}\t"
                    f"{'LOCKED' if c and c.locked_at else '-'}"
                )
            return 0

        return run(go)

    def cmd_set_password(args: argparse.Namespace) -> int:
        from service.signin.service import set_password

        password = _read_password()

        async def go() -> int:
            principal = await console_principal()
            target = await _user_by_email(args.email, args.org)
            await set_password(user=target, password=password, actor=principal.actor)
            print(f"password set for {target.email} (the account is unlocked)")
            return 0

        return run(go)

    def cmd_reset_mfa(args: argparse.Namespace) -> int:
        from service.signin.mfa import reset_mfa

        async def go() -> int:
            principal = await console_principal()
            target = await _user_by_email(args.email, args.org)
            changed = await reset_mfa(target, principal.actor)
            print(
                f"second factor removed for {target.email}"
                if changed
                else f"{target.email} had no second factor"
            )
            return 0

        return run(go)

    def cmd_unlock(args: argparse.Namespace) -> int:
        from service.signin.service import unlock

        async def go() -> int:
            principal = await console_principal()
            target = await _user_by_email(args.email, args.org)
            was_locked = await unlock(user=target, actor=principal.actor)
            print(f"{target.email} unlocked" if was_locked else f"{target.email} was not locked")
            return 0

        return run(go)

    listing = user.add_parser("list", help="users with their sign-in state")
    listing.add_argument("--org", help="only this organization (id)")
    listing.set_defaults(func=cmd_list)
    for name, handler, text in (
        ("set-password", cmd_set_password, "set a password (read from the terminal or stdin)"),
        ("reset-mfa", cmd_reset_mfa, "remove the second factor (the user enrols again)"),
        ("unlock", cmd_unlock, "unlock sign-in after repeated failures"),
    ):
        command = user.add_parser(name, help=text)
        command.add_argument("--email", required=True)
        command.add_argument("--org", help="the organization (id), when the e-mail is in several")
        command.set_defaults(func=handler)
