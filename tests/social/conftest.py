"""Fixtures of the social-media tests: a local website, a local SMTP server, private targets."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from service.config import get_settings
from tests.receivers import SmtpServer, smtp_server
from tests.social.site import Site, local_site


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    # The probe refuses loopback targets unless told otherwise, as production should.
    monkeypatch.setattr(get_settings(), "social_allow_private_targets", True)
    monkeypatch.setattr(get_settings(), "social_probe_timeout_seconds", 5.0)
    with local_site() as served:
        yield served


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    with smtp_server() as server:
        settings = get_settings()
        monkeypatch.setattr(settings, "smtp_host", server.host)
        monkeypatch.setattr(settings, "smtp_port", server.port)
        yield server
