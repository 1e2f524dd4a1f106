"""The daily end-of-retention run (Art. 2(5)) on the real Prefect server: it removes the
personal data of the complaints past their period, leaves the others, says what it did in
counts only, and a dry run changes nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from flows.retention import personal_data_retention
from models.complaint import Complaint
from models.people import Contact
from policy.retention import retention_ends
from services.retention import REMOVED
from tests.models.factories import make_complaint
from tests.support.cases import Cast, carry_through

pytestmark = pytest.mark.usefixtures("prefect_server")


def _closed_and_archived(session: Session, complaint: Complaint, cast: Cast) -> None:
    carry_through(session, complaint, cast, major=False)
    assert complaint.closed_at is not None
    complaint.archived_at = complaint.closed_at + timedelta(hours=1)
    session.commit()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_run_removes_only_what_is_past_its_period_and_a_dry_run_nothing(
    session: Session, settings, complaint: Complaint, cast: Cast, manual_clock, tmp_path: Path
) -> None:
    _closed_and_archived(session, complaint, cast)
    kept = make_complaint(session, settings, owner=cast.owner, customer_phone="13900001111")
    session.commit()
    assert complaint.closed_at is not None
    manual_clock.set(retention_ends(complaint.closed_at, settings.retention_years))

    rehearsal = personal_data_retention(dry_run=True, return_state=True)
    assert rehearsal.message == "保存期满待删除个人信息的投诉 1 件（演练，未删除）"
    session.expire_all()
    assert session.get(Contact, complaint.id).name == "张三"  # type: ignore[union-attr]

    state = personal_data_retention(return_state=True)
    assert state.is_completed()
    assert state.message == "保存期满，已删除 1 件投诉的客户个人信息、0 份处理表文件及 0 份证据文件"
    assert state.result() == {"due": 1, "removed": 1, "files": 0, "evidence": 0}
    session.expire_all()
    assert session.get(Contact, complaint.id).name == REMOVED  # type: ignore[union-attr]
    assert session.get(Contact, kept.id).name == "张三"  # type: ignore[union-attr]

    again = personal_data_retention(return_state=True)
    assert again.message == "没有保存期满的投诉"
