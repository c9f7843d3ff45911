"""Concurrent writers (meaningful on PostgreSQL): a recovery code, a set-up link and the failure
count each hold under simultaneous requests."""

from __future__ import annotations

import asyncio

import pyotp
import pytest

from service.accounts.models import User
from service.accounts.principal import Principal
from service.accounts.roles import Role
from service.audit.models import AuditEvent
from service.audit.service import SYSTEM
from service.errors import AppError
from service.signin import mfa
from service.signin import service as signin_service
from service.signin.models import Credential
from service.signin.service import check_password
from service.tokens import new_secret
from tests.factories import Org
from tests.signin.helpers import PASSWORD, with_password


async def test_one_recovery_code_is_spent_once_under_concurrency(org: Org) -> None:
    user = await with_password(org.user_ids["approver"])
    enrolment = await mfa.begin_enrolment(user)
    codes = await mfa.confirm_enrolment(user, pyotp.TOTP(enrolment.secret).now(), SYSTEM)
    results = await asyncio.gather(*(mfa.check_second_factor(user, codes[0]) for _ in range(6)))
    assert sorted(results) == [False] * 5 + [True]
    assert len((await Credential.get(user_id=user.id)).recovery_code_hashes) == 9


async def test_one_set_up_link_sets_one_password_under_concurrency(
    org: Org, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = Principal(
        user_id=org.user_ids["admin"],
        organization_id=org.id,
        name="管理者",
        roles=frozenset({Role.admin}),
        is_operator_admin=False,
    )
    issued: list[str] = []

    def remembered(prefix: str) -> str:  # the secret otherwise leaves only in the mail
        issued.append(new_secret(prefix))
        return issued[-1]

    monkeypatch.setattr(signin_service, "new_secret", remembered)
    await signin_service.issue_password_setup(
        principal=admin, user_id=org.user_ids["legal"], actor=admin.actor
    )
    [secret] = issued
    outcomes = await asyncio.gather(
        *(signin_service.complete_setup(secret, f"{PASSWORD}-{n}") for n in range(4)),
        return_exceptions=True,
    )
    assert sum(isinstance(o, User) for o in outcomes) == 1
    assert all(isinstance(o, (User, AppError)) for o in outcomes), outcomes
    events = await AuditEvent.filter(object_id=org.user_ids["legal"], action="user.password_set")
    assert len(events) == 1


async def test_simultaneous_failures_are_all_counted_and_lock_once(org: Org) -> None:
    user = await with_password(org.user_ids["auditor"])
    attempts = await asyncio.gather(
        *(
            check_password(user.email, "wrong password!!", client_address="198.51.100.9")
            for _ in range(5)
        ),
        return_exceptions=True,
    )
    assert all(isinstance(a, AppError) for a in attempts)
    credential = await Credential.get(user_id=user.id)
    assert credential.failed_attempts == 5 and credential.locked_at is not None
    locks = await AuditEvent.filter(object_id=str(user.id), action="signin.locked").count()
    assert locks == 1
