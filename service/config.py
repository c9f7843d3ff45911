"""Settings, read once from the environment (prefix VETTING_) with pydantic-settings."""

from __future__ import annotations

from functools import lru_cache
from ipaddress import ip_network
from pathlib import Path

from limits import parse_many
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    # An empty variable counts as unset (its default): compose passes `${VAR:-}` as "", and
    # e.g. an empty VETTING_SMTP_USERNAME must mean "no login", not a login as "".
    model_config = SettingsConfigDict(env_prefix="VETTING_", extra="ignore", env_ignore_empty=True)

    # Embedded default: one SQLite file under var/, nothing else to install.
    database_url: str = Field(default=f"sqlite://{PROJECT_ROOT / 'var' / 'vetting.sqlite3'}")
    # Unset = jobs run inside the API process; amqp://… (RabbitMQ) or redis://… scale out.
    broker_url: str | None = None
    queue_name: str = Field(default="default", pattern=r"^[A-Za-z0-9_.-]{1,100}$")
    public_base_url: str = "http://127.0.0.1:8000"
    host: str = "127.0.0.1"
    port: int = 8000
    # On SIGTERM: requests in flight, then in-process jobs, get this long each; what is left
    # stays pending in the database for the next start.
    shutdown_grace_seconds: float = Field(default=10, ge=0, le=3600)

    invitation_ttl_days: int = Field(default=30, ge=1, le=365)
    api_token_ttl_days: int = Field(default=365, ge=1, le=3650)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)

    # Vendor portal: evidence uploads and the session a link is exchanged for.
    evidence_dir: Path = PROJECT_ROOT / "var" / "evidence"  # never under a served folder
    upload_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    upload_max_unzipped_bytes: int = Field(default=200 * 1024 * 1024, ge=1024 * 1024)
    portal_session_hours: int = Field(default=12, ge=1, le=24 * 30)

    forms_dir: Path = PROJECT_ROOT / "forms"
    policies_dir: Path = PROJECT_ROOT / "policies"
    contract_templates_dir: Path = PROJECT_ROOT / "contract_templates"

    # ISMAP list import: the largest file accepted (upload or download) and the download timeout.
    ismap_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    ismap_fetch_timeout_seconds: float = Field(default=30.0, gt=0)

    bootstrap_organization_name: str = "運用管理組織 / Operator"

    # Email (VETTING_SMTP_*). No host: emails are recorded as skipped, never sent.
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False  # upgrade a plain connection (port 587)
    smtp_tls: bool = False  # TLS from the first byte (port 465)
    smtp_timeout_seconds: float = Field(default=30, gt=0)
    mail_from: str = "noreply@localhost"
    mail_from_name: str = "委託先審査サービス"
    # Outbox delivery: attempts, backoff (base × 4^(attempt-1), at most 6 h) and claim lease.
    notify_max_attempts: int = Field(default=8, ge=1, le=50)
    notify_retry_base_seconds: float = Field(default=60, ge=0)
    notify_lease_seconds: float = Field(default=300, gt=0)
    webhook_timeout_seconds: float = Field(default=10, gt=0)
    # Off by default so that tenants cannot aim webhooks at the service's own network.
    webhook_allow_private_addresses: bool = False
    # Active webhook endpoints one organization may have: each event is one delivery per endpoint,
    # so this bounds the work (and the outbox rows) one tenant's event can make.
    webhook_max_per_organization: int = Field(default=20, ge=1, le=1000)
    # Periodic jobs: the due sweep each day at this JST time, the outbox sweep every N seconds.
    due_sweep_time: str = Field(default="07:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    outbox_sweep_seconds: float = Field(default=60, gt=0)
    # Reviews still `submitted` this long after submission (their evaluation job was lost) are
    # sent for evaluation again; the sweep runs at the same interval.
    evaluation_sweep_minutes: float = Field(default=10, gt=0)
    # Run the periodic jobs inside the API (unset: yes when there is no broker).
    periodic_jobs_in_api: bool | None = None
    # Re-evaluate open reviews whose profile has a newer version in the catalog (a deploy brought
    # it), at start and hourly, as `vetting policies reevaluate` does. Off: only when asked.
    reevaluate_on_profile_update: bool = True
    # Where the ISMAP cloud service list is fetched from; unset: no refresh.
    ismap_list_url: str | None = None
    # Encrypts the secrets the service must read back (webhook signing keys): Fernet keys,
    # comma-separated, newest first (older ones only decrypt, for rotation). Unset: one key is
    # generated in secret_key_file at first use and read from there.
    secret_key: str | None = None
    secret_key_file: Path = PROJECT_ROOT / "var" / "secret.key"

    # Keys the audit chain is MACed with (HMAC-SHA256): 32 url-safe base64 bytes each,
    # comma-separated, newest first; older ones only verify the events made with them. Unset: one
    # key is generated in audit_key_file at first use. Kept apart from secret_key on purpose: an
    # audit key is never dropped while events made with it are to be verified.
    audit_key: str | None = None
    audit_key_file: Path = PROJECT_ROOT / "var" / "audit.key"
    # Signed checkpoints of each organization's chain head, one JSON line each, appended by the
    # periodic job (every audit_checkpoint_minutes) and `vetting audit checkpoint`.
    audit_checkpoint_file: Path = PROJECT_ROOT / "var" / "audit-checkpoints.jsonl"
    audit_checkpoint_minutes: float = Field(default=60, gt=0)
    # Throttling of failed secrets (service.throttling): wrong vendor links, bearer tokens,
    # calendar and attestation secrets, per client address and kind of secret. Budgets are
    # `limits` strings ("20/minute;100/hour"); the storage is this process's memory unless a
    # redis://… URL is given, which every API process then shares.
    rate_limit_enabled: bool = True
    rate_limit_storage_url: str = Field(default="", pattern=r"^$|^memory://$|^rediss?://.+$")
    rate_limit_vendor_link: str = "20/minute;100/hour"
    rate_limit_api_token: str = "20/minute;100/hour"  # noqa: S105 (a budget, not a secret)
    rate_limit_calendar: str = "30/minute;300/hour"
    rate_limit_attestation: str = "20/minute;100/hour"
    rate_limit_sign_in: str = "5/minute;20/hour"
    # Proxies whose X-Forwarded-For names the client (addresses or networks, comma-separated).
    # Empty: the socket peer is the client, and the header is ignored.
    trusted_proxies: str = ""

    # Social-media re-verification: limits of each automatic check (service.social.probe) and
    # whether it may reach private, loopback or link-local addresses (off: tenants could
    # otherwise aim the service at its own network; tests on 127.0.0.1 turn it on).
    social_probe_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    social_probe_max_bytes: int = Field(default=2_000_000, ge=1024)
    social_probe_max_redirects: int = Field(default=5, ge=0, le=20)
    social_allow_private_targets: bool = False
    # How long a worker's claim on a verification run lasts before another may take it over.
    social_run_lease_seconds: float = Field(default=300, gt=0)

    # Staff console sign-in (service.signin): the browser session's idle timeout and absolute
    # lifetime, the failures in a row that lock an account (until an admin unlocks it), the
    # set-up link's lifetime. Failures per client address: rate_limit_sign_in (throttling).
    console_session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    console_session_hours: int = Field(default=10, ge=1, le=24 * 7)
    signin_max_failures: int = Field(default=5, ge=1, le=100)
    password_setup_hours: int = Field(default=72, ge=1, le=24 * 30)

    @field_validator(
        "rate_limit_vendor_link",
        "rate_limit_api_token",
        "rate_limit_calendar",
        "rate_limit_attestation",
        "rate_limit_sign_in",
    )
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        try:
            parse_many(value)
        except ValueError:
            raise ValueError(f"not a rate limit such as '20/minute;100/hour': {value!r}") from None
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: str) -> str:
        for entry in filter(None, (part.strip() for part in value.split(","))):
            try:
                ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"not an IP address or network: {entry!r}") from None
        return value

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [part.strip() for part in self.trusted_proxies.split(",") if part.strip()]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
