"""Two managers press "save" on the same step at the same moment, against the app served by a
real uvicorn on 127.0.0.1: exactly one is told "saved", the other gets 409 with the reason in
Chinese, and the complaint has one assignment and one event, on SQLite and on PostgreSQL.

Pairs are repeated, since a race shows only in some of them (3 pairs of 10 before the database
decided). Half the pairs assign different handlers, half transfer to different departments.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Assignment, ComplaintEvent
from models.complaint import Complaint
from models.db import utcnow
from policy.enums import Department, Role, Stage
from services.steps import submit_written_record
from tests.models.factories import make_complaint
from tests.support.postgres import free_port
from tests.web.conftest import Api, Staff, add_staff_user
from web.security import SESSION_COOKIE, start_session

PAIRS = 12


@pytest.fixture
def server(app: Any, settings: Any) -> Iterator[str]:
    """uvicorn in a thread of this process, in this test's settings (Prefect unreachable)."""
    port = free_port()
    web = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    context = contextvars.copy_context()
    thread = threading.Thread(target=context.run, args=(web.run,), daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not web.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    web.should_exit = True
    thread.join(10)


@dataclass
class Press:
    """One manager's "save": through the JSON API or through the complaint page's form."""

    client: httpx.Client
    path: str
    form: bool
    body: dict[str, str]

    def send(self) -> tuple[bool | None, str]:
        """(True: saved, False: refused with 409, None: anything else), the answer's text."""
        if self.form:
            response = self.client.post(self.path, data=self.body)
            saved = response.status_code == 303
        else:
            response = self.client.post(self.path, json=self.body)
            saved = response.status_code == 200
        if response.status_code == 409:
            return False, response.text
        return (True if saved else None), f"{response.status_code} {response.text[:300]}"


def press_at_once(presses: list[Press]) -> list[tuple[bool | None, str]]:
    """Every press at the same moment, each from its own thread."""
    start = threading.Barrier(len(presses))
    answers: list[tuple[bool | None, str]] = [(None, "")] * len(presses)

    def press(index: int) -> None:
        start.wait()
        answers[index] = presses[index].send()

    threads = [threading.Thread(target=press, args=(index,)) for index in range(len(presses))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


def _awaiting_assignment(session: Session, settings: Any, staff: Staff) -> str:
    complaint = make_complaint(session, settings, owner=staff.owner)
    submit_written_record(
        session, complaint=complaint, actor=staff.owner, text="客户来电，已记录", now=utcnow()
    )
    session.commit()
    assert complaint.stage is Stage.awaiting_assignment
    return complaint.reference


def test_of_two_managers_assigning_at_once_one_is_saved_and_the_other_gets_409(
    server: str, session: Session, settings: Any, staff: Staff, api: Api
) -> None:
    second_manager = add_staff_user(
        session, "manager2", Role.manager, Department.wealth_center, superior=staff.leader
    )
    session.commit()
    api_client = httpx.Client(base_url=server, timeout=60, headers=api.headers(second_manager))
    page_client = httpx.Client(base_url=server, timeout=60, follow_redirects=False)
    token_client = httpx.Client(base_url=server, timeout=60, headers=api.headers(staff.manager))
    token, web_session = start_session(session, user=staff.manager, now=utcnow())
    session.commit()
    page_client.cookies.set(SESSION_COOKIE, token)
    outcomes: list[tuple[str, list[tuple[bool | None, str]]]] = []
    try:
        for pair in range(PAIRS):
            reference = _awaiting_assignment(session, settings, staff)
            transfer = pair % 2 == 1
            through_form = pair % 4 >= 2  # the first manager uses the page's form
            if transfer:
                first = {"transfer_to_department": "general_management", "reason": "属综合管理部"}
                second = {"transfer_to_department": "member_management", "reason": "属会员管理部"}
            else:
                first, second = {"handler": "owner"}, {"handler": "colleague"}
            if through_form:
                form = {"csrf_token": web_session.csrf_token, **first}
                form["mode"] = "transfer" if transfer else "handler"
                presses = [
                    Press(page_client, f"/complaints/{reference}/steps/assignment", True, form)
                ]
            else:
                path = f"/api/complaints/{reference}/assignment"
                presses = [Press(token_client, path, False, first)]
            presses.append(
                Press(api_client, f"/api/complaints/{reference}/assignment", False, second)
            )
            outcomes.append((reference, press_at_once(presses)))
    finally:
        for client in (api_client, page_client, token_client):
            client.close()

    saved = [sorted(str(done) for done, _ in answers) for _, answers in outcomes]
    assert saved == [["False", "True"]] * PAIRS, outcomes
    for reference, answers in outcomes:
        refusal = next(text for done, text in answers if done is False)
        reasons = ("刚刚已由他人提交", "不能进行「部门经理安排跟进或移交」", "已由本部门移交")
        assert reference in refusal and any(reason in refusal for reason in reasons), refusal
        assert "Traceback" not in refusal
    session.expire_all()
    for reference, _ in outcomes:
        complaint_id = session.scalar(select(Complaint.id).where(Complaint.reference == reference))
        assignments = session.scalar(
            select(func.count()).where(Assignment.complaint_id == complaint_id)
        )
        kinds = session.scalars(
            select(ComplaintEvent.kind).where(ComplaintEvent.complaint_id == complaint_id)
        ).all()
        assert assignments == 1, reference
        assert kinds.count("handler_assigned") + kinds.count("transferred") == 1, kinds
