"""Sign-in for people: credentials, set-up links, browser sessions, the MFA policy."""

from __future__ import annotations

from uuid import uuid4

from tortoise import fields
from tortoise.models import Model

from service.accounts.models import Organization, User


class Credential(Model):
    """A user's password and second factor (no row: no sign-in yet)."""

    id = fields.UUIDField(primary_key=True, default=uuid4)
    user: fields.OneToOneRelation[User] = fields.OneToOneField(
        "models.User", related_name="credential", on_delete=fields.RESTRICT
    )
    user_id: str
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="credentials", on_delete=fields.RESTRICT
    )
    organization_id: str
    password_hash = fields.CharField(max_length=200, default="")  # argon2id, PHC string
    password_set_at = fields.DatetimeField(null=True)
    # Consecutive failures (password or code); at the configured limit the account locks until
    # an admin unlocks it.
    failed_attempts = fields.IntField(default=0)
    locked_at = fields.DatetimeField(null=True)
    # TOTP secret, encrypted with service.secretbox (it must be read back to check codes).
    totp_secret = fields.CharField(max_length=500, default="")
    totp_enrolled_at = fields.DatetimeField(null=True)
    # The last time step whose code was accepted: a code is good once, not for its whole 30 s.
    totp_last_step = fields.BigIntField(default=0)
    # A secret proposed on the enrolment page, kept until the first code confirms it.
    totp_pending_secret = fields.CharField(max_length=500, default="")
    # SHA-256 of each unused recovery code (they are random, so a fast hash is enough).
    recovery_code_hashes: list[str] = fields.JSONField(default=list)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "signin_credential"


class PasswordSetupLink(Model):
    id = fields.UUIDField(primary_key=True, default=uuid4)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="password_setup_links", on_delete=fields.RESTRICT
    )
    organization_id: str
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="password_setup_links", on_delete=fields.RESTRICT
    )
    user_id: str
    token_hash = fields.CharField(max_length=64, unique=True)  # SHA-256 of the emailed secret
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "password_setup_link"


class StaffSession(Model):
    """A signed-in browser. Only the hash of the cookie's secret is stored."""

    id = fields.UUIDField(primary_key=True, default=uuid4)
    organization: fields.ForeignKeyRelation[Organization] = fields.ForeignKeyField(
        "models.Organization", related_name="staff_sessions", on_delete=fields.RESTRICT
    )
    organization_id: str
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="staff_sessions", on_delete=fields.RESTRICT
    )
    user_id: str
    token_hash = fields.CharField(max_length=64, unique=True)
    csrf_token = fields.CharField(max_length=64)
    # password: the password was right and the second factor is still due (or must be enrolled);
    # full: signed in.
    stage = fields.CharField(max_length=10)
    language = fields.CharField(max_length=2, default="ja")
    client_address = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    last_seen_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()  # the absolute lifetime
    ended_at = fields.DatetimeField(null=True)

    class Meta:
        table = "staff_session"


class SignInPolicy(Model):
    """An organization's sign-in rules (no row: the defaults)."""

    id = fields.UUIDField(primary_key=True, default=uuid4)
    organization: fields.OneToOneRelation[Organization] = fields.OneToOneField(
        "models.Organization", related_name="signin_policy", on_delete=fields.RESTRICT
    )
    organization_id: str
    mfa_required_roles: list[str] = fields.JSONField(default=list)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "signin_policy"
