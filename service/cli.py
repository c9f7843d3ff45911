"""`vetting …`: start the service, migrate, check data files, manage accounts, verify the audit."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from service.config import get_settings


def _run(coroutine_factory: Callable[[], Awaitable[int]]) -> int:
    from service.db import close_db, init_db

    async def wrapped() -> int:
        await init_db()
        try:
            return await coroutine_factory()
        finally:
            await close_db()

    return asyncio.run(wrapped())


async def _console_principal() -> Any:
    from service.accounts.service import console_principal

    return await console_principal()


async def _migrate_and_close() -> None:
    from service.db import close_db, migrate_db

    try:
        await migrate_db()
    finally:
        await close_db()  # an open SQLite connection's thread would keep the process alive


def cmd_migrate(args: argparse.Namespace) -> int:
    from service.secretbox import SecretKeyError

    asyncio.run(_migrate_and_close())
    print("migrations applied")
    try:  # webhook keys stored before encryption, or under an old key
        _run(_reencrypt_and_report)
    except SecretKeyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if getattr(args, "bootstrap", False):  # compose: once, before any API replica starts
        from service.accounts.service import bootstrap_operator

        _run(lambda: _bootstrap_and_report(bootstrap_operator))
    return 0


async def _reencrypt_and_report() -> int:
    """Encrypt webhook keys with the newest key; how many no configured key opens."""
    from service.audit.keys import audit_keys
    from service.notifications.service import reencrypt_secrets
    from service.secretbox import ensure_key

    ensure_key()  # a bad VETTING_SECRET_KEY stops here; no key yet: the key file is made now
    audit_keys()  # likewise VETTING_AUDIT_KEY and the audit key file
    result = await reencrypt_secrets()
    if result.changed:
        print(f"webhook signing keys encrypted with the newest key: {result.changed}", flush=True)
    if result.unreadable:
        print(
            "warning: no configured key opens the signing key of webhook endpoint(s) "
            f"{', '.join(result.unreadable)}; their deliveries wait until the old key is added "
            "to VETTING_SECRET_KEY or the endpoint gets a new secret / "
            "復号できない署名鍵があります（該当エンドポイントへの配信は保留されます）",
            file=sys.stderr,
            flush=True,
        )
    return len(result.unreadable)


def cmd_secrets_rotate(args: argparse.Namespace) -> int:
    from service.secretbox import SecretKeyError

    try:
        unreadable = _run(_reencrypt_and_report)
    except SecretKeyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if unreadable:
        return 1  # rotation is incomplete; the warning names the endpoints
    print("every stored secret is encrypted with the newest key")
    return 0


def cmd_catalog_check(args: argparse.Namespace) -> int:
    from service.catalog.loader import load_catalog
    from service.errors import CatalogError

    try:
        catalog = load_catalog()
    except CatalogError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"ok: {len(catalog.forms)} form(s), {len(catalog.profiles)} policy profile(s), "
        f"{len(catalog.templates)} contract template(s)"
    )
    return 0


def cmd_forms_check(args: argparse.Namespace) -> int:
    from pathlib import Path

    from service.catalog.loader import load_forms
    from service.errors import CatalogError

    settings = get_settings()
    targets = [Path(p) for p in args.paths] or [settings.forms_dir]
    files: list[Path] = []
    for target in targets:
        if target.is_dir():
            files.extend(sorted(target.glob("*.yaml")))
        elif target.is_file():
            files.append(target)
        else:
            print(f"error: {target}: no such file or folder", file=sys.stderr)
            return 1
    if not files:
        print(f"error: no form files (*.yaml) in {', '.join(map(str, targets))}", file=sys.stderr)
        return 1
    try:
        forms = load_forms(files, settings.forms_dir.parent)
    except CatalogError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for (form_id, version), form in sorted(forms.items()):
        print(f"ok: {form_id} v{version}: {len(form.questions)} question(s)")
    return 0


def cmd_forms_import_vsaq(args: argparse.Namespace) -> int:
    from pathlib import Path

    from service.catalog.vsaq import VsaqError, import_vsaq_file

    try:
        written = import_vsaq_file(Path(args.file), Path(args.out))
    except (OSError, VsaqError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from service.accounts.service import bootstrap_operator
    from service.catalog.loader import load_catalog
    from service.errors import CatalogError
    from service.secretbox import SecretKeyError
    from service.server import CannotListen, listen, serve

    settings = get_settings()
    try:
        load_catalog(settings)
    except CatalogError as exc:
        print(f"error: refusing to start: {exc}", file=sys.stderr)
        return 1
    host = args.host or settings.host
    port = args.port or settings.port
    try:  # first: a busy address is one line and exit 1, before any migration or token
        sock = listen(host, port)
    except CannotListen as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    with sock:
        created = 0
        if not args.no_setup:  # compose runs `vetting migrate --bootstrap` once instead
            # Closed again: with --workers the parent process would otherwise wait at its exit
            # for the SQLite connection's thread.
            asyncio.run(_migrate_and_close())
            try:
                _run(_reencrypt_and_report)
            except SecretKeyError as exc:
                print(f"error: refusing to start: {exc}", file=sys.stderr)
                return 1
            created = _run(lambda: _bootstrap_and_report(bootstrap_operator))
        shown_host = _browser_host(host)
        print(f"vetting service: http://{host}:{port}  (API document: /openapi.json)", flush=True)
        print(f"staff console / 職員コンソール: http://{shown_host}:{port}/console/", flush=True)
        if created:
            print("first start: the admin token above is shown only once; keep it safe", flush=True)
            print(
                "first start: to sign in to the console as this admin, choose a password with "
                "`vetting user set-password --email admin@localhost`",
                flush=True,
            )
        return serve(settings, sock, workers=args.workers)


def _browser_host(host: str) -> str:
    """The name a browser on this machine uses for the bound address."""
    import ipaddress

    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    return "localhost" if address.is_loopback or address.is_unspecified else host


async def _bootstrap_and_report(bootstrap: Callable[[], Awaitable[Any]]) -> int:
    result = await bootstrap()
    if result is None:
        return 0
    print(f"admin API token (operator organization): {result.secret}", flush=True)
    return 1


def cmd_scheduler(args: argparse.Namespace) -> int:
    import logging

    from workers.scheduler import run_scheduler

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    asyncio.run(run_scheduler(get_settings()))
    return 0


def cmd_org_create(args: argparse.Namespace) -> int:
    from service.accounts import service
    from service.accounts.schemas import OrganizationCreate
    from service.reminders import service as reminders
    from service.reminders.schemas import CadenceUpdate

    # Both checked before anything is written: the interval belongs to the reminders domain's
    # cadence row, set right after the organization exists.
    data = OrganizationCreate(
        name=args.name, policy_profile=args.profile, jurisdiction_court=args.court
    )
    cadence = CadenceUpdate(standard_interval_months=args.review_interval_months)

    async def run() -> int:
        principal = await _console_principal()
        organization = await service.create_organization(principal=principal, data=data)
        if cadence.standard_interval_months != 12:
            await reminders.update_cadence(
                organization_id=str(organization.id),
                actor=principal.actor,
                changes=cadence.model_dump(exclude_none=True),
            )
        print(organization.id)
        return 0

    return _run(run)


def cmd_user_create(args: argparse.Namespace) -> int:
    from service.accounts import service
    from service.accounts.roles import Role
    from service.accounts.schemas import UserCreate

    async def run() -> int:
        principal = await _console_principal()
        user = await service.create_user(
            principal=principal,
            organization_id=args.org,
            data=UserCreate(
                name=args.name,
                email=args.email,
                roles=[Role(r.strip()) for r in args.roles.split(",")],
            ),
        )
        print(user.id)
        return 0

    return _run(run)


def cmd_token_create(args: argparse.Namespace) -> int:
    """A person's token from the console: their first one, or one to replace a lost one."""
    from service.accounts import service
    from service.errors import AppError

    async def run() -> int:
        principal = await _console_principal()
        try:
            issued = await service.console_token(
                principal=principal, user_id=args.user, name=args.name, expires_in_days=args.days
            )
        except AppError as exc:
            print(f"error: {exc.detail} {exc.fields or ''}".rstrip(), file=sys.stderr)
            return 1
        print(issued.secret)
        return 0

    return _run(run)


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from service.audit.report import verify_and_print

    return _run(lambda: verify_and_print(args.org))


def cmd_audit_checkpoint(args: argparse.Namespace) -> int:
    from service.audit.report import checkpoint_and_print

    return _run(lambda: checkpoint_and_print(args.org))


def cmd_ismap_import(args: argparse.Namespace) -> int:
    from service.ismap.report import print_import
    from service.ismap.service import import_from_source

    async def run() -> int:
        principal = await _console_principal()
        outcome = await import_from_source(
            principal=principal, source=args.source, expiring_within_days=args.expiring_days
        )
        print_import(outcome)
        return 0

    return _run(run)


def cmd_ismap_status(args: argparse.Namespace) -> int:
    from service.ismap.report import print_status
    from service.ismap.service import registration_status

    async def run() -> int:
        status = await registration_status(args.number, args.on)
        print_status(status)
        return 0 if status.valid else 1

    return _run(run)


def cmd_policies_reevaluate(args: argparse.Namespace) -> int:
    from service.checks.reevaluation import reevaluate_reviews

    async def run() -> int:
        principal = await _console_principal()
        report = await reevaluate_reviews(
            actor=principal.actor,
            organization_id=args.org,
            include_decided=args.include_decided,
            dry_run=args.dry_run,
            full=args.full,
        )
        mode = " (dry run: nothing written)" if report.dry_run else ""
        versions = ", ".join(f"{p}@{v}" for p, v in report.profiles.items()) or "none"
        print(f"re-evaluation {report.run_id}{mode}: profiles {versions}")
        print(
            f"{report.considered} review(s) considered, {report.reevaluated} re-evaluated, "
            f"{report.recorded} decided recorded only, {report.changed} changed, "
            f"{report.skipped} skipped (changed meanwhile)"
        )
        for review in report.reviews:
            print(
                f"  review {review.review_id} [{review.status}] {review.profile_id} "
                f"v{review.from_version} -> v{review.to_version}"
                f"{'' if review.applied else ' (decided: recorded only)'}"
            )
            for change in review.changes:
                dropped = " (override dropped)" if change.get("override_dropped") else ""
                print(
                    f"    {change['requirement_id']}: {change['change']} "
                    f"{change.get('from', '-')} -> {change.get('to', '-')}{dropped}"
                )
        timings = report.timings
        print(
            f"time: load {timings.load:.2f} s, evaluate {timings.evaluate:.2f} s, "
            f"write {timings.write:.2f} s"
        )
        return 0

    return _run(run)


def _iso_date(text: str) -> Any:
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vetting", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="migrate, bootstrap and start the API")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    serve.add_argument(
        "--no-setup", action="store_true", help="skip migrations and the first-start bootstrap"
    )
    serve.set_defaults(func=cmd_serve)

    migrate = commands.add_parser("migrate", help="apply database migrations")
    migrate.add_argument(
        "--bootstrap", action="store_true", help="then create the operator admin (token once)"
    )
    migrate.set_defaults(func=cmd_migrate)
    commands.add_parser(
        "scheduler", help="run the periodic jobs (due sweep, outbox retry, ISMAP refresh)"
    ).set_defaults(func=cmd_scheduler)

    stored = commands.add_parser("secrets", help="secrets at rest").add_subparsers(required=True)
    stored.add_parser(
        "rotate", help="re-encrypt stored secrets with the newest key (VETTING_SECRET_KEY)"
    ).set_defaults(func=cmd_secrets_rotate)

    catalog = commands.add_parser("catalog", help="data files").add_subparsers(required=True)
    catalog.add_parser(
        "check", help="validate forms/, policies/, contract_templates/"
    ).set_defaults(func=cmd_catalog_check)

    policies = commands.add_parser("policies", help="policy profiles").add_subparsers(required=True)
    reevaluate = policies.add_parser(
        "reevaluate", help="re-evaluate reviews evaluated under an older profile version"
    )
    reevaluate.add_argument("--org", help="only this organization (default: all)")
    reevaluate.add_argument(
        "--include-decided",
        action="store_true",
        help="also record new findings for decided reviews (decision and verdicts stay)",
    )
    reevaluate.add_argument("--dry-run", action="store_true", help="report only; write nothing")
    reevaluate.add_argument(
        "--full", action="store_true", help="evaluate unchanged requirements again too"
    )
    reevaluate.set_defaults(func=cmd_policies_reevaluate)

    forms = commands.add_parser("forms", help="questionnaires").add_subparsers(required=True)
    forms_check = forms.add_parser("check", help="validate forms only (default: forms/)")
    forms_check.add_argument("paths", nargs="*", help="form files or folders")
    forms_check.set_defaults(func=cmd_forms_check)
    import_vsaq = forms.add_parser(
        "import-vsaq", help="convert a Google VSAQ questionnaire into a form and a policy profile"
    )
    import_vsaq.add_argument("file", help="a VSAQ questionnaire (.json)")
    import_vsaq.add_argument(
        "--out", default="vsaq-import", help="writes OUT/forms/, OUT/policies/ and OUT/NOTICE"
    )
    import_vsaq.set_defaults(func=cmd_forms_import_vsaq)

    org = commands.add_parser("org", help="organizations").add_subparsers(required=True)
    org_create = org.add_parser("create", help="create an organization; prints its id")
    org_create.add_argument("--name", required=True)
    org_create.add_argument("--court", required=True, help="管轄裁判所, e.g. 熊本地方裁判所")
    org_create.add_argument("--profile", default="base")
    org_create.add_argument("--review-interval-months", type=int, default=12)
    org_create.set_defaults(func=cmd_org_create)

    user = commands.add_parser("user", help="users").add_subparsers(required=True)
    user_create = user.add_parser("create", help="create a user; prints its id")
    user_create.add_argument("--org", required=True)
    user_create.add_argument("--name", required=True)
    user_create.add_argument("--email", required=True)
    user_create.add_argument("--roles", required=True, help="comma-separated, e.g. security,legal")
    user_create.set_defaults(func=cmd_user_create)
    from service.signin.commands import add_user_commands

    add_user_commands(user, _run, _console_principal)

    token = commands.add_parser("token", help="API tokens").add_subparsers(required=True)
    token_create = token.add_parser(
        "create", help="a person's first (or replacement) token; prints it once"
    )
    token_create.add_argument("--user", required=True)
    token_create.add_argument("--name", default="cli")
    token_create.add_argument("--days", type=int)
    token_create.set_defaults(func=cmd_token_create)

    audit = commands.add_parser("audit", help="audit trail").add_subparsers(required=True)
    verify = audit.add_parser("verify", help="report the first broken link of each chain")
    verify.add_argument("--org")
    verify.set_defaults(func=cmd_audit_verify)
    checkpoint = audit.add_parser(
        "checkpoint", help="write a signed checkpoint of each chain that grew (and send it)"
    )
    checkpoint.add_argument("--org", help="only this organization")
    checkpoint.set_defaults(func=cmd_audit_checkpoint)

    ismap = commands.add_parser("ismap", help="ISMAP cloud service list").add_subparsers(
        required=True
    )
    ismap_import = ismap.add_parser("import", help="import the list (XLSX or CSV) from FILE|URL")
    ismap_import.add_argument("source", metavar="FILE|URL")
    ismap_import.add_argument(
        "--expiring-days", type=int, default=90, help="report expiries within this many days"
    )
    ismap_import.set_defaults(func=cmd_ismap_import)
    ismap_status = ismap.add_parser(
        "status", help="look a registration number up in the latest snapshot (exit 1 if invalid)"
    )
    ismap_status.add_argument("number", help="e.g. C21-0008-2")
    ismap_status.add_argument(
        "--on", type=_iso_date, help="judge validity on this day (YYYY-MM-DD; default today)"
    )
    ismap_status.set_defaults(func=cmd_ismap_status)
    return parser


def main(argv: list[str] | None = None) -> int:
    from pydantic import ValidationError

    from service.errors import AppError

    args = build_parser().parse_args(argv)
    try:
        result: int = args.func(args)
    except AppError as exc:
        print(f"error: {exc.detail} {exc.fields or ''}".rstrip(), file=sys.stderr)
        return 2
    except ValidationError as exc:  # an option out of range, refused before anything is written
        for problem in exc.errors():
            where = ".".join(str(part) for part in problem["loc"])
            print(f"error: {where}: {problem['msg']}", file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main())
