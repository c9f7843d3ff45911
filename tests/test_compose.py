"""compose.yaml and the Dockerfile describe the documented production start.

No container engine runs here, so the structure is checked: services, commands, dependencies,
health checks and volumes, and that every command exists in this code base.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from service.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document = yaml.safe_load((ROOT / "compose.yaml").read_text())
    assert isinstance(document, dict)
    return document


def test_services_and_their_order(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"db", "broker", "migrate", "api", "worker", "scheduler"}
    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    for name in ("api", "worker", "scheduler"):
        needs = services[name]["depends_on"]
        assert needs["migrate"] == {"condition": "service_completed_successfully"}, name
        assert needs["broker"] == {"condition": "service_healthy"}, name
    assert services["migrate"]["restart"] == "no"  # a one-shot job
    for name in ("db", "broker", "api"):
        assert services[name]["healthcheck"]["test"], name


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
    for name in ("migrate", "api", "worker", "scheduler"):
        env = services[name]["environment"]
        assert (
            env["VETTING_DATABASE_URL"].startswith("postgres://")
            and "@db:5432/" in env["VETTING_DATABASE_URL"]
        )
        assert (
            env["VETTING_BROKER_URL"].startswith("amqp://")
            and "@broker:5672" in env["VETTING_BROKER_URL"]
        )
        assert "uploads:/var/lib/vetting/uploads" in services[name]["volumes"]
    assert "db-data:/var/lib/postgresql/data" in services["db"]["volumes"]
    assert set(compose["volumes"]) >= {"db-data", "uploads"}


def test_commands_exist_in_the_cli(compose: dict[str, Any]) -> None:
    parser = build_parser()
    for name in ("migrate", "api", "scheduler"):
        command = compose["services"][name]["command"]
        parser.parse_args(command[1:])  # raises SystemExit on an unknown option
    assert (ROOT / "workers" / "main.py").exists()


def test_dockerfile_installs_the_package_and_its_data() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11", dockerfile, flags=re.M)
    for folder in ("service", "workers", "forms", "policies", "contract_templates"):
        assert f"COPY {folder} ./{folder}" in dockerfile
    assert "pip install --no-cache-dir ." in dockerfile
    assert "VETTING_HOST=0.0.0.0" in dockerfile
    assert "/var/lib/vetting/uploads" in dockerfile


def test_readme_production_section_matches(compose: dict[str, Any]) -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Production (compose)", 1)[1].split("\n## ", 1)[0]
    assert "docker compose up -d" in section
    assert "--scale worker=" in section
    for name in compose["services"]:
        assert f"`{name}`" in section, f"the README's production section does not name {name}"
