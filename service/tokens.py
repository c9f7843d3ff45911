"""Unguessable bearer secrets, stored only as their SHA-256."""

from __future__ import annotations

import hashlib
import secrets


def new_secret(prefix: str) -> str:
    # 32 random bytes = 256 bits, well over the 128 the design asks for.
    return f"{prefix}{secrets.token_urlsafe(32)}"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
