"""Password rules and hashing."""

from __future__ import annotations

import pytest

from service.signin.passwords import hash_password, password_problem, verify_password


@pytest.mark.parametrize(
    "password",
    [
        "short-pass1",  # 11 characters
        "password1234",  # common
        "Password2025!",  # common word with the usual decorations
        "qwertyuiop12",
        "aaaaaaaaaaaaaaaa",  # too few distinct characters
        "yamada-taro-secret",  # holds the e-mail's local part
    ],
)
def test_short_common_and_personal_passwords_are_refused(password: str) -> None:
    assert password_problem(password, email="yamada-taro@city.example.jp") is not None


def test_a_long_uncommon_password_is_accepted() -> None:
    assert password_problem("球磨川の清流と人吉の温泉2026", email="a@b.jp") is None
    assert password_problem("correct horse battery staple", email="a@b.jp") is None


async def test_hashes_are_argon2id_and_verify_only_the_right_password() -> None:
    stored = await hash_password("correct horse battery staple")
    assert stored.startswith("$argon2id$")
    assert await verify_password(stored, "correct horse battery staple")
    assert not await verify_password(stored, "correct horse battery stapl")
    assert not await verify_password("", "anything at all")
