"""The second factor: TOTP (RFC 6238) and one-time recovery codes. Writes the credential's MFA
columns; every change goes to the audit trail."""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import pyotp
import segno

from service.accounts.models import Organization, User
from service.audit.service import Actor, record
from service.errors import ValidationFailed
from service.jobs import transaction
from service.secretbox import decrypt, encrypt
from service.signin.models import Credential
from service.signin.service import credential_of
from service.tokens import hash_secret

ISSUER = "委託先審査サービス"
RECOVERY_CODES = 10
STEP_SECONDS = 30
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


@dataclass(frozen=True)
class Enrolment:
    secret: str  # base32, shown as text for entry by hand
    uri: str  # otpauth:// URI, the QR code's content
    qr_svg: str  # the QR code as inline SVG (no script, no image request)


def _normalise_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _recovery_hash(code: str) -> str:
    return hash_secret(_normalise_code(code))


async def begin_enrolment(user: User) -> Enrolment:
    """Propose a new secret (kept pending until a code from it is entered)."""
    credential = await credential_of(user)
    secret = pyotp.random_base32()
    await Credential.filter(id=credential.id).update(totp_pending_secret=encrypt(secret))
    return await pending_enrolment(user, secret)


async def pending_enrolment(user: User, secret: str | None = None) -> Enrolment:
    if secret is None:
        credential = await credential_of(user)
        if not credential.totp_pending_secret:
            return await begin_enrolment(user)
        secret = decrypt(credential.totp_pending_secret)
    organization = await Organization.get(id=user.organization_id)
    uri = pyotp.TOTP(secret).provisioning_uri(
        name=f"{user.email} ({organization.name})", issuer_name=ISSUER
    )
    qr = segno.make(uri, error="m")
    svg = qr.svg_inline(scale=4, dark="#000", light="#fff", title="QR code / QRコード")
    return Enrolment(secret=secret, uri=uri, qr_svg=svg)


def _matching_step(secret: str, code: str, now: float) -> int | None:
    """The time step whose code this is, allowing one step of clock drift either way."""
    code = _normalise_code(code)
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now // STEP_SECONDS)
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


async def confirm_enrolment(user: User, code: str, actor: Actor) -> list[str]:
    """Enrol the pending secret when the code fits it; returns the recovery codes (shown once)."""
    credential = await credential_of(user)
    if not credential.totp_pending_secret:
        raise ValidationFailed("no enrolment was started", fields={"code": "start again"})
    secret = decrypt(credential.totp_pending_secret)
    step = _matching_step(secret, code, time.time())
    if step is None:
        problem = "確認コードが正しくありません。 / The code is not right."
        raise ValidationFailed(problem, fields={"code": problem})
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    async with transaction() as conn:
        await (
            Credential.filter(id=credential.id)
            .using_db(conn)
            .update(
                totp_secret=credential.totp_pending_secret,
                totp_pending_secret="",
                totp_enrolled_at=datetime.now(UTC),
                totp_last_step=step,
                recovery_code_hashes=[_recovery_hash(c) for c in codes],
            )
        )
        await record(
            conn,
            organization_id=str(user.organization_id),
            actor=actor,
            action="mfa.enrolled",
            object_type="user",
            object_id=str(user.id),
            data={
                "method": "totp",
                "recovery_codes": len(codes),
                "replaced": bool(credential.totp_enrolled_at),
            },
        )
    return codes


async def check_second_factor(user: User, code: str) -> bool:
    """A fresh TOTP code (each accepted once) or an unused recovery code (spent by this call)."""
    credential = await credential_of(user)
    if credential.totp_enrolled_at is None:
        return False
    step = _matching_step(decrypt(credential.totp_secret), code, time.time())
    if step is not None:
        # Conditional: a code already accepted (replayed, or raced) does not pass twice.
        return bool(
            await Credential.filter(id=credential.id, totp_last_step__lt=step).update(
                totp_last_step=step
            )
        )
    return await _spend_recovery_code(user, credential, code)


async def _spend_recovery_code(user: User, credential: Credential, code: str) -> bool:
    wanted = _recovery_hash(code)
    async with transaction() as conn:
        locked = await Credential.select_for_update().using_db(conn).get(id=credential.id)
        if wanted not in locked.recovery_code_hashes:
            return False
        remaining = [h for h in locked.recovery_code_hashes if h != wanted]
        await (
            Credential.filter(id=credential.id)
            .using_db(conn)
            .update(recovery_code_hashes=remaining)
        )
        await record(
            conn,
            organization_id=str(user.organization_id),
            actor=Actor(type="user", id=str(user.id), label=user.name),
            action="mfa.recovery_code_used",
            object_type="user",
            object_id=str(user.id),
            data={"remaining": len(remaining)},
        )
    return True


async def reset_mfa(user: User, actor: Actor) -> bool:
    """Remove the second factor (a lost phone); the user enrols again at the next sign-in."""
    async with transaction() as conn:
        await credential_of(user, conn)
        changed = (
            await Credential.filter(user_id=user.id, totp_enrolled_at__isnull=False)
            .using_db(conn)
            .update(
                totp_secret="",
                totp_pending_secret="",
                totp_enrolled_at=None,
                totp_last_step=0,
                recovery_code_hashes=[],
            )
        )
        if changed:
            await record(
                conn,
                organization_id=str(user.organization_id),
                actor=actor,
                action="mfa.reset",
                object_type="user",
                object_id=str(user.id),
            )
    return bool(changed)
