"""Password rules and hashing (argon2id). Pure, apart from the CPU the hash takes."""

from __future__ import annotations

import asyncio
import re
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 256  # argon2 takes any length; this only bounds the work one request can ask for
COMMON_PASSWORDS = Path(__file__).resolve().parent / "data" / "common_passwords.txt"
_HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters
# Compared against when the e-mail names no account, so both paths take the same time.
_DUMMY_HASH = _HASHER.hash("not a password of anyone's")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str, *, email: str = "") -> str | None:
    """Why a chosen password is refused, in Japanese and English; None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return (
            f"パスワードは {MIN_LENGTH} 文字以上にしてください。 / "
            f"Use at least {MIN_LENGTH} characters."
        )
    if len(password) > MAX_LENGTH:
        return f"パスワードは {MAX_LENGTH} 文字以内にしてください。 / Use at most {MAX_LENGTH}."
    lowered = password.lower()
    # "Password2025!" is "password" with the usual decorations: strip them before comparing.
    core = re.sub(r"[\d\W_]+$", "", lowered)
    common = common_passwords()
    if lowered in common or core in common or len(set(lowered)) < 4:
        return (
            "よく使われるパスワードや推測しやすいパスワードは使えません。 / "
            "This password is too common or too easy to guess."
        )
    local_part = email.lower().split("@", 1)[0]
    if len(local_part) >= 4 and local_part in lowered:
        return (
            "メールアドレスを含むパスワードは使えません。 / "
            "The password must not contain your e-mail address."
        )
    return None


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_HASHER.hash, password)


def _verify(stored_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored_hash or _DUMMY_HASH, password) and bool(stored_hash)
    except (VerificationError, InvalidHashError):
        return False


async def verify_password(stored_hash: str, password: str) -> bool:
    """Constant work whether or not there is a stored hash (an empty one never matches)."""
    return await asyncio.to_thread(_verify, stored_hash, password[:MAX_LENGTH])
