"""Secrets at rest that the service must read back (webhook signing keys), Fernet-encrypted.

The keys come from VETTING_SECRET_KEY (comma-separated, newest first) or, when it is unset, from
the key file (VETTING_SECRET_KEY_FILE, var/secret.key by default), generated at first use, so the
embedded default needs nothing configured. The newest key encrypts; every listed key decrypts
(MultiFernet), so a key is rotated by putting a new one first, running `vetting secrets rotate`,
then dropping the old one. A stored value without the `fernet:` prefix was written before
encryption and is read as it is until `vetting migrate` or `vetting secrets rotate` encrypts it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from service.config import Settings, get_settings
from service.keyfile import read_or_create

PREFIX = "fernet:"


class SecretKeyError(Exception):
    """The keys are unusable, or none of them opens a stored secret."""


def _new_key() -> str:
    return Fernet.generate_key().decode()


@lru_cache(maxsize=4)
def _box(secret_key: str | None, key_file: Path) -> tuple[MultiFernet, Fernet]:
    if secret_key and secret_key.strip():
        keys, source = [k.strip() for k in secret_key.split(",") if k.strip()], "VETTING_SECRET_KEY"
    else:
        keys, source = read_or_create(key_file, _new_key), str(key_file)
    try:
        fernets = [Fernet(key) for key in keys]
    except ValueError as exc:
        raise SecretKeyError(
            f"{source}: each key must be 32 url-safe base64-encoded bytes, as "
            "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key())'` "
            f"prints / 鍵の形式が正しくありません ({exc})"
        ) from None
    if not fernets:
        raise SecretKeyError(f"{source} holds no key / 鍵がありません")
    return MultiFernet(fernets), fernets[0]


def _keys(settings: Settings | None) -> tuple[MultiFernet, Fernet]:
    settings = settings or get_settings()
    return _box(settings.secret_key, settings.secret_key_file)


def ensure_key(settings: Settings | None = None) -> None:
    """Check the keys (and create the key file if it is the source): done once at start-up."""
    _keys(settings)


def encrypt(plain: str, settings: Settings | None = None) -> str:
    every, _ = _keys(settings)
    return PREFIX + every.encrypt(plain.encode()).decode()


def decrypt(stored: str, settings: Settings | None = None) -> str:
    if not stored.startswith(PREFIX):
        return stored  # written before secrets were encrypted
    every, _ = _keys(settings)
    try:
        return every.decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise SecretKeyError(
            "no configured key opens this secret: was VETTING_SECRET_KEY changed, or the key "
            "file replaced, without keeping the old key? / 保存された秘密情報を復号できません"
        ) from None


def rewrap(stored: str, settings: Settings | None = None) -> str | None:
    """The value encrypted with the newest key; None when it already is."""
    every, newest = _keys(settings)
    if not stored.startswith(PREFIX):
        return encrypt(stored, settings)
    token = stored[len(PREFIX) :].encode()
    try:
        newest.decrypt(token)
        return None
    except InvalidToken:
        pass
    try:
        return PREFIX + every.rotate(token).decode()
    except InvalidToken:
        raise SecretKeyError(
            "no configured key opens this secret / 保存された秘密情報を復号できません"
        ) from None
