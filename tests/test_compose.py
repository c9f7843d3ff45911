"""compose.yaml and the Dockerfile describe the documented production start.

No container engine runs here, but Compose itself does: `docker compose config` (or Debian's
`docker-compose config`, from `make system-deps`) validates the file against the Compose schema
and resolves anchors, merge keys and `${VAR:-default}`; the checks below read what it resolved.
They also check that every command exists in this code base.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from service.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
INSTALL = "make system-deps"
APP_SERVICES = ("migrate", "api", "worker", "scheduler")
# Variables compose.yaml reads from the environment or `.env`; unset here, so defaults apply.
COMPOSE_VARIABLES = re.compile(r"^(POSTGRES_|RABBITMQ_|VETTING_|COMPOSE_)")


def compose_command() -> list[str]:
    """The Compose v2 plugin when the docker client has it, else Debian's `docker-compose`."""
    docker = shutil.which("docker")
    if docker:
        probe = subprocess.run([docker, "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    if legacy is None:
        pytest.fail(f"neither `docker compose` nor `docker-compose` is on PATH; run `{INSTALL}`")
    return [legacy]


def compose_config(file: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not COMPOSE_VARIABLES.match(k)}
    return subprocess.run(
        [*compose_command(), "--project-directory", str(file.parent), "-f", str(file), "config"],
        capture_output=True,
        text=True,
        env={**clean, **env},
        timeout=120,
        check=False,
    )


def resolved(file: Path, **env: str) -> dict[str, Any]:
    result = compose_config(file, **env)
    assert result.returncode == 0, result.stderr
    document = yaml.safe_load(result.stdout)
    assert isinstance(document, dict)
    return document


def volume_mounts(service: dict[str, Any]) -> set[str]:
    """`source:target` of each mount, whichever form (short string or long mapping) is printed."""
    mounts = set()
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            mounts.add(":".join(volume.split(":")[:2]))
        else:
            mounts.add(f"{volume['source']}:{volume['target']}")
    return mounts


def condition(service: dict[str, Any], needs: str) -> str:
    return str(service["depends_on"][needs]["condition"])


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    """compose.yaml as Compose itself validated and resolved it."""
    return resolved(ROOT / "compose.yaml")


@pytest.fixture(scope="module")
def written() -> dict[str, Any]:
    document = yaml.safe_load((ROOT / "compose.yaml").read_text())
    assert isinstance(document, dict)
    return document


def test_compose_rejects_what_is_not_compose(tmp_path: Path) -> None:
    """The validator is real: a misspelt key or an unknown condition fails `config`."""
    broken = (ROOT / "compose.yaml").read_text()
    broken = broken.replace("healthcheck:", "healtcheck:", 1)
    (tmp_path / "compose.yaml").write_text(broken)
    result = compose_config(tmp_path / "compose.yaml")
    assert result.returncode != 0 and "healtcheck" in result.stderr, result.stderr
    bogus = (ROOT / "compose.yaml").read_text().replace("service_healthy", "service_ready", 1)
    (tmp_path / "compose.yaml").write_text(bogus)
    result = compose_config(tmp_path / "compose.yaml")
    assert result.returncode != 0 and "service_ready" in result.stderr, result.stderr


def test_passwords_from_the_env_file_reach_both_ends(tmp_path: Path) -> None:
    """One POSTGRES_PASSWORD / RABBITMQ_PASSWORD sets the server and every client URL."""
    (tmp_path / "compose.yaml").write_text((ROOT / "compose.yaml").read_text())
    (tmp_path / ".env").write_text(
        "POSTGRES_PASSWORD=pg-secret\nRABBITMQ_PASSWORD=mq-secret\n"
        "VETTING_PUBLIC_BASE_URL=https://vetting.city.example.jp\n"
    )
    services = resolved(tmp_path / "compose.yaml")["services"]
    assert services["db"]["environment"]["POSTGRES_PASSWORD"] == "pg-secret"
    assert services["broker"]["environment"]["RABBITMQ_DEFAULT_PASS"] == "mq-secret"
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert env["VETTING_DATABASE_URL"] == "postgres://vetting:pg-secret@db:5432/vetting"
        assert env["VETTING_BROKER_URL"] == "amqp://vetting:mq-secret@broker:5672"
        assert env["VETTING_PUBLIC_BASE_URL"] == "https://vetting.city.example.jp"


def test_services_and_their_order(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"db", "broker", "migrate", "api", "worker", "scheduler"}
    assert set(services["migrate"]["depends_on"]) == {"db"}
    assert condition(services["migrate"], "db") == "service_healthy"
    for name in ("api", "worker", "scheduler"):
        assert set(services[name]["depends_on"]) == {"migrate", "broker"}, name
        assert condition(services[name], "migrate") == "service_completed_successfully", name
        assert condition(services[name], "broker") == "service_healthy", name
    assert services["migrate"]["restart"] == "no"  # a one-shot job
    for name in ("db", "broker", "api", "worker", "scheduler"):
        if name != "migrate":
            assert services[name]["restart"] == "unless-stopped", name
    checks = {name: services[name]["healthcheck"]["test"] for name in ("db", "broker", "api")}
    assert "pg_isready" in " ".join(checks["db"])
    assert checks["broker"][1:] == ["rabbitmq-diagnostics", "-q", "ping"]
    assert "/healthz" in " ".join(checks["api"])


def test_scale_out_shape(compose: dict[str, Any]) -> None:
    services = compose["services"]
    api = services["api"]["command"]
    assert api[:2] == ["vetting", "serve"] and "--no-setup" in api
    replicas = services["api"]["deploy"]["replicas"]
    workers = int(api[api.index("--workers") + 1])
    assert replicas * workers > 1
    assert services["scheduler"]["command"] == ["vetting", "scheduler"]
    assert services["scheduler"]["deploy"]["replicas"] == 1
    assert services["worker"]["command"][:2] == ["dramatiq", "workers.main"]
    assert services["migrate"]["command"] == ["vetting", "migrate", "--bootstrap"]


def test_every_app_service_shares_the_settings_broker_and_uploads(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert env["VETTING_DATABASE_URL"] == "postgres://vetting:vetting@db:5432/vetting"
        assert env["VETTING_BROKER_URL"] == "amqp://vetting:vetting@broker:5672"
        assert env["VETTING_EVIDENCE_DIR"] == "/var/lib/vetting/uploads"
        assert env == services["api"]["environment"], name
        assert volume_mounts(services[name]) == {
            "uploads:/var/lib/vetting/uploads",
            "keys:/var/lib/vetting/keys",
            "audit:/var/lib/vetting/audit",
        }, name
        assert env["VETTING_SECRET_KEY_FILE"] == "/var/lib/vetting/keys/secret.key", name
        assert env["VETTING_AUDIT_KEY_FILE"] == "/var/lib/vetting/keys/audit.key", name
        assert env["VETTING_AUDIT_CHECKPOINT_FILE"].startswith("/var/lib/vetting/audit/"), name
        assert services[name]["image"] == "vetting-service:latest", name
    assert volume_mounts(services["db"]) == {"db-data:/var/lib/postgresql/data"}
    assert volume_mounts(services["broker"]) == {"broker-data:/var/lib/rabbitmq"}
    assert set(compose["volumes"]) == {"db-data", "broker-data", "uploads", "keys", "audit"}


def test_every_setting_compose_passes_exists(compose: dict[str, Any]) -> None:
    from service.config import Settings

    known = {f"VETTING_{name.upper()}" for name in Settings.model_fields}
    for name in APP_SERVICES:
        assert set(compose["services"][name]["environment"]) <= known, name


def test_commands_exist_in_the_cli(compose: dict[str, Any]) -> None:
    parser = build_parser()
    for name in ("migrate", "api", "scheduler"):
        command = compose["services"][name]["command"]
        assert command[0] == "vetting", name
        parser.parse_args(command[1:])  # raises SystemExit on an unknown option
    assert (ROOT / "workers" / "main.py").exists()


def test_dockerfile_installs_the_package_and_its_data() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11", dockerfile, flags=re.M)
    for folder in ("service", "workers", "forms", "policies", "contract_templates"):
        assert f"COPY {folder} ./{folder}" in dockerfile
    assert "pip install --no-cache-dir ." in dockerfile
    assert "VETTING_HOST=0.0.0.0" in dockerfile
    assert "/var/lib/vetting/uploads" in dockerfile and "/var/lib/vetting/keys" in dockerfile
    assert "/var/lib/vetting/audit" in dockerfile


def test_readme_production_section_matches(compose: dict[str, Any]) -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Production (compose)", 1)[1].split("\n## ", 1)[0]
    assert "docker compose up -d" in section
    assert "--scale worker=" in section
    services = compose["services"]
    rows = {
        match.group(1): match.group(2)
        for match in re.finditer(r"^\| `([a-z]+)` \| (.+?) \|", section, flags=re.M)
    }
    assert set(rows) == set(services), "the README's service table names other services"
    for name in APP_SERVICES:  # the table shows each service's command as compose runs it
        assert f"`{' '.join(services[name]['command'])}`" in rows[name], name
    for name, volume in (("db", "db-data"), ("broker", "broker-data")):
        assert f"`{volume}`" in rows[name], name
    assert "`uploads`" in section and services["api"]["environment"]["VETTING_EVIDENCE_DIR"] in (
        section
    )
    # Every variable compose.yaml takes from `.env` is documented in the section.
    taken = set(re.findall(r"\$\{(\w+):-", (ROOT / "compose.yaml").read_text()))
    for variable in taken:
        assert f"{variable}" in section, f"README production section does not mention {variable}"
    # The printed token line is what `migrate` prints.
    assert "admin API token" in section
