"""Every form POST of the portal needs the session's own token; without it nothing changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from service.config import get_settings
from service.evidence.models import Evidence
from service.portal.models import PortalSession
from service.questionnaire.models import AnswerSet, Invitation
from tests.evidence.samples import pdf_bytes
from tests.factories import Org
from tests.portal.conftest import Invited
from tests.portal.helpers import Vendor, stored_files


async def state(client: httpx.AsyncClient, org: Org, invited: Invited) -> dict[str, Any]:
    answers = await AnswerSet.get_or_none(review_id=invited.review["id"])
    review = await client.get(f"/api/reviews/{invited.review['id']}", headers=org.h("auditor"))
    timeline = await client.get(
        f"/api/reviews/{invited.review['id']}/timeline", headers=org.h("auditor")
    )
    invitation = await Invitation.get(review_id=invited.review["id"])
    sessions = await PortalSession.filter(invitation_id=invitation.id).values(
        "id", "language", "ended_at"
    )
    return {
        "answers": answers.answers if answers else None,
        "status": review.json()["status"],
        "events": len(timeline.json()),
        "sessions": sessions,
        "evidence": await Evidence.filter(review_id=invited.review["id"]).count(),
    }


@pytest.fixture
def evidence_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(get_settings(), "evidence_dir", tmp_path / "evidence")
    return tmp_path / "evidence"


async def test_posts_without_the_right_token_are_refused(
    app: object, client: httpx.AsyncClient, org: Org, invited: Invited, evidence_dir: Path
) -> None:
    vendor = invited.vendor
    other = Vendor(app)  # a second browser on the same link: its own session and token
    await other.open(invited.token)
    other_token = await other.csrf()
    assert other_token != await vendor.csrf()
    before = await state(client, org, invited)

    answer = {"a.legal_name": "株式会社なりすまし"}
    for csrf in ("", "wrong", other_token, (await vendor.csrf())[:-1]):
        response = await vendor.save("A", answer, csrf=csrf)
        assert response.status_code == 403, csrf
        assert "送信を受け付けられませんでした" in response.text
    for path, fields in [
        ("/v/submit", {}),
        ("/v/language", {"lang": "en", "next": "/v/"}),
        ("/v/logout", {}),
    ]:
        for extra in ({}, {"csrf_token": "wrong"}, {"csrf_token": other_token}):
            response = await vendor.post(path, {**fields, **extra})
            assert response.status_code == 403, (path, extra)
    # A token as a query parameter does not count: it must be in the form.
    token = await vendor.csrf()
    response = await vendor.http.post(f"/v/logout?csrf_token={token}", data={"x": "1"})
    assert response.status_code == 403
    assert await state(client, org, invited) == before
    await other.aclose()


async def test_a_file_before_the_token_is_refused_before_it_is_written(
    client: httpx.AsyncClient, org: Org, invited: Invited, evidence_dir: Path
) -> None:
    saved = await client.patch(
        f"/api/vendor/{invited.token}/answers", json={"answers": {"isms_certified": True}}
    )
    assert saved.status_code == 200
    before = await state(client, org, invited)
    csrf = await invited.vendor.csrf()
    boundary = "----portal-test"
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="file.isms_certificate"; filename="a.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + pdf_bytes()
        + (
            f"\r\n--{boundary}\r\n"
            'Content-Disposition: form-data; name="csrf_token"\r\n\r\n'
            f"{csrf}\r\n--{boundary}--\r\n"
        ).encode()
    )
    response = await invited.vendor.http.post(
        "/v/s/B",
        content=body,
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 403
    assert stored_files(evidence_dir) == []
    assert await state(client, org, invited) == before


async def test_the_right_token_is_accepted(
    client: httpx.AsyncClient, org: Org, invited: Invited
) -> None:
    response = await invited.vendor.save("A", {"a.legal_name": "株式会社みなとクラウドサービス"})
    assert response.status_code == 303
    answers = await AnswerSet.get(review_id=invited.review["id"])
    assert answers.answers == {"legal_name": "株式会社みなとクラウドサービス"}
