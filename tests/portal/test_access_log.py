"""Vendor link secrets never reach the access log (they travel in the path of the first open)."""

from __future__ import annotations

import logging

from service.html_pages import RedactPathSecrets, redact_access_log
from service.portal.rendering import VENDOR_LINK_PATHS


def access_record(path: str) -> logging.LogRecord:
    return logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1", "GET", path, "1.1", 200),
        None,
    )


def test_vendor_link_secrets_are_cut_to_their_prefix() -> None:
    secret = "vl_" + "y" * 43
    for path in (f"/v/{secret}", f"/api/vendor/{secret}/answers"):
        entry = access_record(path)
        assert RedactPathSecrets(VENDOR_LINK_PATHS, "vl_").filter(entry) is True
        assert secret not in entry.getMessage() and "vl_…" in entry.getMessage()
    other = access_record(f"/api/reviews/{secret}")  # not a place a link secret travels
    RedactPathSecrets(VENDOR_LINK_PATHS, "vl_").filter(other)
    assert secret in other.getMessage()


def test_the_filter_is_installed_once() -> None:
    access_log = logging.getLogger("uvicorn.access")
    redact_access_log(VENDOR_LINK_PATHS, "vl_")
    redact_access_log(VENDOR_LINK_PATHS, "vl_")
    mine = [
        f
        for f in access_log.filters
        if isinstance(f, RedactPathSecrets) and f.key == (VENDOR_LINK_PATHS, "vl_")
    ]
    assert len(mine) == 1
