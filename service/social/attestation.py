"""The owner's attestation by emailed link: issue, show, and answer once.

The link carries a random 256-bit secret (service.tokens) stored only as its SHA-256; it expires,
and it is single use: the first answer claims the row with a conditional UPDATE, so a second
answer (or two at once) is refused. Answering ends the run: the answers update the record, then
the organization's account rules are evaluated on it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient

from service.accounts.models import Organization, User
from service.audit.service import Actor, record
from service.config import get_settings
from service.errors import Gone, NotFound
from service.jobs import transaction
from service.notifications.outbox import queue_email
from service.social import messages
from service.social.models import (
    DEFAULT_ATTESTATION_TTL_DAYS,
    Attestation,
    RunStatus,
    SocialAccount,
    SocialSettings,
    VerificationRun,
)
from service.social.rules import finding_json, judge_account
from service.social.schemas import AttestationIn
from service.social.verification import finish_run, today_jst
from service.tokens import hash_secret, new_secret

TOKEN_PREFIX = "sa_"  # noqa: S105 (a prefix that marks the secret, not a secret)
PAGE_PREFIX = "/sns/attest/"
# What the owner confirms, with the reason a "no" gives (Japanese first).
QUESTIONS: dict[str, dict[str, str]] = {
    "still_responsible": {
        "ja": "引き続きこのアカウントの責任者である",
        "en": "I am still responsible for this account",
        "fail_ja": "責任者が、引き続き責任者であることを確認しませんでした。",
        "fail_en": "The owner did not confirm they are still responsible for the account.",
    },
    "mfa_still_on": {
        "ja": "多要素認証が有効なままである",
        "en": "Multi-factor sign-in is still on",
        "fail_ja": "責任者によると、多要素認証が有効ではありません。",
        "fail_en": "The owner reports that multi-factor sign-in is not on.",
    },
    "credentials_held_by_organization": {
        "ja": "パスワード等の認証情報を組織で管理している（個人だけが知る状態ではない）",
        "en": "The organization holds the credentials (not one person alone)",
        "fail_ja": "責任者によると、認証情報が組織で管理されていません。",
        "fail_en": "The owner reports that the organization does not hold the credentials.",
    },
    "posts_within_allowed_content": {
        "ja": "直近の投稿は発信してよい範囲に収まり、機密性2以上の情報を含まない",
        "en": "Recent posts stay within what may be published and hold nothing at 機密性2+",
        "fail_ja": "責任者によると、直近の投稿に発信してよい範囲を外れたものがあります。",
        "fail_en": "The owner reports posts outside what the account may publish.",
    },
}


def attestation_url(secret: str) -> str:
    return get_settings().public_base_url.rstrip("/") + PAGE_PREFIX + secret


async def request_attestation(
    conn: BaseDBAsyncClient, *, run: VerificationRun, account: SocialAccount
) -> Attestation:
    """A new link for the run's owner, emailed through the outbox (the link only until sent)."""
    settings_row = (
        await SocialSettings.filter(organization_id=account.organization_id)
        .using_db(conn)
        .get_or_none()
    )
    ttl = settings_row.attestation_ttl_days if settings_row else DEFAULT_ATTESTATION_TTL_DAYS
    secret = new_secret(TOKEN_PREFIX)
    attestation = await Attestation.create(
        organization_id=account.organization_id,
        run_id=run.id,
        owner_id=account.owner_id,
        token_hash=hash_secret(secret),
        csrf_token=secrets.token_urlsafe(32),
        expires_at=datetime.now(UTC) + timedelta(days=ttl),
        using_db=conn,
    )
    owner = await User.filter(id=account.owner_id).using_db(conn).get()
    organization = await Organization.filter(id=account.organization_id).using_db(conn).get()
    email = messages.attestation_request(
        organization_name=organization.name,
        platform=account.platform,
        handle=account.handle,
        expires_at=attestation.expires_at,
    )
    await queue_email(
        conn,
        organization_id=str(account.organization_id),
        dedupe_key=f"social-attestation:{attestation.id}",
        event_type="social.attestation_requested",
        to_address=owner.email,
        subject=email.subject,
        body=email.body,
        secret_link=attestation_url(secret),
    )
    return attestation


@dataclass(frozen=True)
class OpenAttestation:
    attestation: Attestation
    account: SocialAccount
    owner: User
    organization_name: str


async def open_attestation(secret: str, conn: BaseDBAsyncClient | None = None) -> OpenAttestation:
    """The attestation behind a link; NotFound for an unknown one, Gone for a used or late one."""
    attestation = (
        await Attestation.filter(token_hash=hash_secret(secret)).using_db(conn).get_or_none()
    )
    if attestation is None:
        raise NotFound("no such confirmation link")
    if attestation.used_at is not None:
        raise Gone("this confirmation link was already used")
    run = await VerificationRun.filter(id=attestation.run_id).using_db(conn).get()
    if attestation.expires_at <= datetime.now(UTC) or run.status != RunStatus.awaiting_attestation:
        raise Gone("this confirmation link has expired")
    account = await SocialAccount.filter(id=run.account_id).using_db(conn).get()
    owner = await User.filter(id=attestation.owner_id).using_db(conn).get()
    organization = await Organization.filter(id=account.organization_id).using_db(conn).get()
    return OpenAttestation(attestation, account, owner, organization.name)


def csrf_matches(attestation: Attestation, token: str) -> bool:
    return bool(token) and secrets.compare_digest(attestation.csrf_token, token)


async def submit_attestation(
    secret: str, answers: AttestationIn
) -> tuple[str, RunStatus, list[dict[str, str]]]:
    """Record the owner's answers once and end the run; returns (run id, status, reasons)."""
    now = datetime.now(UTC)
    async with transaction() as conn:
        opened = await open_attestation(secret, conn)
        attestation, account = opened.attestation, opened.account
        await (
            Organization.select_for_update(no_key=True)
            .filter(id=account.organization_id)
            .using_db(conn)
            .get()
        )
        claimed = (
            await Attestation.filter(id=attestation.id, used_at__isnull=True)
            .using_db(conn)
            .update(used_at=now, answers=answers.model_dump())
        )
        if claimed != 1:
            raise Gone("this confirmation link was already used")
        await (
            SocialAccount.filter(id=account.id)
            .using_db(conn)
            .update(
                posts_within_scope_attested=answers.posts_within_allowed_content,
                mfa_enabled=account.mfa_enabled and answers.mfa_still_on,
                last_attested_at=now,
            )
        )
        failures = [
            {"ja": question["fail_ja"], "en": question["fail_en"]}
            for name, question in QUESTIONS.items()
            if getattr(answers, name) is not True
        ]
        account = await SocialAccount.filter(id=account.id).using_db(conn).get()
        verdict = await judge_account(account, today=today_jst(), conn=conn)
        failures += [
            {
                "ja": f"{f.requirement_id}: {f.reason['ja']}",
                "en": f"{f.requirement_id}: {f.reason['en']}",
            }
            for f in verdict.failed
        ]
        run = await VerificationRun.filter(id=attestation.run_id).using_db(conn).get()
        await (
            VerificationRun.filter(id=run.id)
            .using_db(conn)
            .update(attestation={**answers.model_dump(), "answered_at": now.isoformat()})
        )
        status = await finish_run(
            conn,
            run=run,
            failures=failures,
            findings=[finding_json(verdict.profile, f) for f in verdict.findings],
            profile=(verdict.profile.id, verdict.profile.version),
        )
        await record(
            conn,
            organization_id=str(account.organization_id),
            actor=Actor(type="user", id=str(opened.owner.id), label=opened.owner.name),
            action="social_attestation.answered",
            object_type="social_account",
            object_id=str(account.id),
            data={"run_id": str(run.id), **answers.model_dump()},
        )
    return str(run.id), status, failures
