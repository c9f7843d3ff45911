"""The keys that MAC the audit chain and its checkpoints, kept apart from the database.

They come from VETTING_AUDIT_KEY (comma-separated, newest first) or, when it is unset, from the key
file (VETTING_AUDIT_KEY_FILE, var/audit.key by default), generated at first use. Each key is 32 or
more random bytes in url-safe base64, as
`python -c 'import secrets; print(secrets.token_urlsafe(32))'` prints.
The newest key MACs new events and checkpoints; every listed key verifies, found by the key id each
event and checkpoint carries (the first 16 hex digits of a SHA-256 of the key, which says nothing
of the key itself). A key is rotated by putting a new one first; the old one must stay listed for
as long as the events it MACed are to be verified.

Why not derive it from VETTING_SECRET_KEY: that key is dropped after `vetting secrets rotate`,
while an audit key has to outlive every event it MACed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from service.config import Settings, get_settings
from service.keyfile import read_or_create
from service.secretbox import SecretKeyError

MIN_KEY_BYTES = 32


class AuditKeyError(SecretKeyError):
    """The audit keys are unusable: stops `vetting migrate` and `serve` like a bad secret key."""


@dataclass(frozen=True)
class AuditKey:
    id: str
    secret: bytes = b""

    def mac(self, domain: str, payload: bytes) -> str:
        """HMAC-SHA256 over a domain label and the payload, so an event's MAC never passes for a
        checkpoint's or the other way round."""
        return hmac.new(self.secret, domain.encode() + b"\n" + payload, hashlib.sha256).hexdigest()


def _key_id(secret: bytes) -> str:
    return hashlib.sha256(b"vetting audit key id\n" + secret).hexdigest()[:16]


def _new_key() -> str:
    return secrets.token_urlsafe(MIN_KEY_BYTES)


def _decode(text: str, source: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) < MIN_KEY_BYTES:
        raise AuditKeyError(
            f"{source}: each audit key must be at least {MIN_KEY_BYTES} random bytes in url-safe "
            "base64, as `python -c 'import secrets; print(secrets.token_urlsafe(32))'` prints / "
            "監査鍵の形式が正しくありません"
        )
    return raw


@lru_cache(maxsize=4)
def _load(audit_key: str | None, key_file: Path) -> tuple[AuditKey, ...]:
    if audit_key and audit_key.strip():
        texts = [k.strip() for k in audit_key.split(",") if k.strip()]
        source = "VETTING_AUDIT_KEY"
    else:
        texts, source = read_or_create(key_file, _new_key), str(key_file)
    if not texts:
        raise AuditKeyError(f"{source} holds no key / 監査鍵がありません")
    keys = []
    for text in texts:
        secret = _decode(text, source)
        keys.append(AuditKey(id=_key_id(secret), secret=secret))
    return tuple(keys)


def audit_keys(settings: Settings | None = None) -> tuple[AuditKey, ...]:
    """Every configured key, newest first (the key file is made now if it is the source)."""
    settings = settings or get_settings()
    return _load(settings.audit_key, settings.audit_key_file)


def signing_key(settings: Settings | None = None) -> AuditKey:
    return audit_keys(settings)[0]


def key_by_id(key_id: str, settings: Settings | None = None) -> AuditKey | None:
    return next((key for key in audit_keys(settings) if key.id == key_id), None)
