"""An intake sent twice registers one complaint: the API honours ``Idempotency-Key`` (the same
key and body answer the same complaint; the same key with another body is refused), and the
intake form carries a one-time token. Proven with requests that really arrive together, against
the app served by uvicorn, on SQLite and PostgreSQL: the database decides."""

from __future__ import annotations

import logging
import re

import httpx
from sqlalchemy import func, select

from models import Complaint, IntakeRequest
from models.db import utcnow
from tests.support.live_app import at_once, serve
from tests.web.conftest import complaint_body
from tests.web.test_pages import intake_form, promised
from web.security import SESSION_COOKIE, start_session


def complaints(session) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(Complaint)) or 0)


def test_the_same_key_and_body_answer_the_same_complaint_once(api, staff, session, caplog) -> None:
    caplog.set_level(logging.INFO)
    body = complaint_body()
    headers = {**api.headers(staff.owner), "Idempotency-Key": "5b0c0d6e-intake-1"}
    first = api.client.post("/api/complaints", json=body, headers=headers)
    again = api.client.post("/api/complaints", json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["reference"] == first.json()["reference"]
    assert "未重复登记" in again.json()["message"]
    assert complaints(session) == 1
    # One flow run asked for (it would send the one acknowledgement), not two.
    starts = [r for r in caplog.records if "flow run of complaint" in r.getMessage()]
    assert len(starts) == 1

    other = api.client.post(
        "/api/complaints", json=complaint_body(customer_name="李四"), headers=headers
    )
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_reused"
    assert "另一件内容不同的投诉" in other.json()["detail"]
    assert complaints(session) == 1

    # A key is one person's: a colleague's request with the same key is their own complaint.
    theirs = {**api.headers(staff.colleague), "Idempotency-Key": "5b0c0d6e-intake-1"}
    assert api.client.post("/api/complaints", json=body, headers=theirs).status_code == 201
    assert complaints(session) == 2


def test_a_malformed_key_is_refused_in_chinese(api, staff, session) -> None:
    headers = {**api.headers(staff.owner), "Idempotency-Key": "x" * 101}
    refused = api.client.post("/api/complaints", json=complaint_body(), headers=headers)
    assert refused.status_code == 422
    assert refused.json()["field"] == "Idempotency-Key" and "UUID" in refused.json()["detail"]
    assert complaints(session) == 0


def test_two_simultaneous_api_intakes_with_one_key_make_one_complaint(
    app, api, staff, session
) -> None:
    body = complaint_body()
    headers = {**api.headers(staff.owner), "Idempotency-Key": "double-click-0001"}
    with serve(app) as url, httpx.Client(base_url=url, timeout=30) as http:
        for round_ in range(3):
            headers["Idempotency-Key"] = f"double-click-{round_:04d}"
            answers = at_once(
                lambda: http.post("/api/complaints", json=body, headers=headers),
                lambda: http.post("/api/complaints", json=body, headers=headers),
            )
            assert all(isinstance(a, httpx.Response) for a in answers), answers
            assert sorted(a.status_code for a in answers) == [200, 201], [a.text for a in answers]
            assert len({a.json()["reference"] for a in answers}) == 1
    assert complaints(session) == 3
    assert session.scalar(select(func.count()).select_from(IntakeRequest)) == 3


def test_the_intake_form_submitted_twice_at_once_makes_one_complaint(app, staff, session) -> None:
    token, row = start_session(session, user=staff.owner, now=utcnow())
    session.commit()
    with (
        serve(app) as url,
        httpx.Client(base_url=url, timeout=30, cookies={SESSION_COOKIE: token}) as http,
    ):
        page = http.get("/complaints/new").text
        one_time = re.search(r'name="intake_token" value="([^"]+)"', page)
        assert one_time, "the intake form carries a one-time token"
        form = intake_form(
            csrf_token=row.csrf_token, intake_token=one_time.group(1), promised_reply_at=promised()
        )
        answers = at_once(
            lambda: http.post("/complaints/new", data=form),
            lambda: http.post("/complaints/new", data=form),
        )
        assert all(isinstance(a, httpx.Response) for a in answers), answers
        assert [a.status_code for a in answers] == [303, 303], [a.text[:300] for a in answers]
        assert len({a.headers["location"] for a in answers}) == 1
        # A fresh form is a fresh token: the next complaint is a new one.
        second = re.search(r'name="intake_token" value="([^"]+)"', http.get("/complaints/new").text)
        assert second and second.group(1) != one_time.group(1)
    assert complaints(session) == 1
