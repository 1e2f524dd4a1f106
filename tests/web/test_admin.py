"""Admin pages: users and roles (Art. 5(4)), departments (Art. 9), failed notifications with a
re-send button, the local SMTP sink's messages."""

from __future__ import annotations

import mailbox
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from models import ComplaintEvent, Notification
from models.web import ApiToken, WebSession
from policy.enums import NotificationStatus, Role
from services.directory import user_by_username
from tests.web.conftest import field_error


@pytest.mark.parametrize(
    "path", ["/admin/users", "/admin/departments", "/admin/outbox", "/admin/mailbox"]
)
def test_admin_pages_are_for_admins_only(browser, staff, path) -> None:
    for user in (staff.owner, staff.manager, staff.leader, staff.compliance):
        refused = browser.sign_in(user).get(path)
        assert refused.status_code == 403 and "系统管理员" in refused.text
    assert browser.sign_in(staff.admin).get(path).status_code == 200


def test_admin_adds_a_user_with_a_role_and_department(browser, staff, session) -> None:
    browser.sign_in(staff.admin)
    user = {
        "username": "new_staff",
        "display_name": "新员工",
        "role": "staff",
        "department": "wealth_center",
        "superior": "manager",
        "email": "new@staff.test",
        "password": "short",
    }
    weak = browser.post("/admin/users", user)
    assert weak.status_code == 422 and "至少需要 10 个字符" in field_error(weak.text, "password")
    assert 'value="new_staff"' in weak.text
    no_department = browser.post(
        "/admin/users", {**user, "password": "long enough pw", "department": ""}
    )
    assert no_department.status_code == 422 and "必须选择部门" in no_department.text
    added = browser.post("/admin/users", {**user, "password": "long enough pw"})
    assert added.status_code == 200 and "已添加用户" in added.text
    session.commit()
    created = user_by_username(session, "new_staff")
    assert created.role is Role.staff and created.superior.username == "manager"
    again = browser.post("/admin/users", {**user, "password": "long enough pw"})
    assert again.status_code == 422 and "该用户名已存在" in again.text


def test_deactivating_a_user_signs_them_out_everywhere(api, browser, staff, session) -> None:
    headers = api.headers(staff.colleague)
    browser.sign_in(staff.admin)
    assert browser.post(f"/admin/users/{staff.admin.id}/active", {}).status_code == 403
    browser.post(f"/admin/users/{staff.colleague.id}/active", {})
    session.commit()
    session.expire_all()
    assert user_by_username(session, "colleague").active is False
    assert session.scalar(select(ApiToken).where(ApiToken.user_id == staff.colleague.id)).revoked_at
    assert not session.scalars(
        select(WebSession).where(WebSession.user_id == staff.colleague.id)
    ).all()
    assert api.client.get("/api/complaints/TS-20200101-0001", headers=headers).status_code == 401


def test_admin_resets_a_password(browser, staff, session) -> None:
    browser.sign_in(staff.admin)
    weak = browser.post(f"/admin/users/{staff.owner.id}/password", {"password": "abc"})
    assert weak.status_code == 422
    done = browser.post(
        f"/admin/users/{staff.owner.id}/password", {"password": "a new long secret"}
    )
    assert done.status_code == 200
    session.commit()
    session.expire_all()
    from services.security import verify_password

    assert verify_password(user_by_username(session, "owner").password_hash, "a new long secret")


def test_admin_edits_a_departments_hotline_and_mailbox(browser, staff, session) -> None:
    browser.sign_in(staff.admin)
    bad = browser.post("/admin/departments/wealth_center", {"phone": "028-85323543", "email": "x"})
    assert bad.status_code == 422 and "电子邮箱格式不正确" in bad.text
    ok = browser.post(
        "/admin/departments/wealth_center", {"phone": "028-85323543", "email": "wc@scfae.example"}
    )
    assert ok.status_code == 200 and 'value="wc@scfae.example"' in ok.text
    assert browser.post("/admin/departments/nowhere", {"phone": "1"}).status_code == 404


def test_failed_notifications_are_listed_and_can_be_queued_again(
    api, browser, staff, session
) -> None:
    reference = api.new_complaint(staff.owner)
    session.commit()
    from models import Complaint

    complaint = session.scalar(select(Complaint).where(Complaint.reference == reference))
    failed = Notification(
        idempotency_key=f"complaint:{complaint.id}:acknowledgement:1",
        complaint_id=complaint.id,
        kind="acknowledgement",
        recipients=["zhangsan@example.test"],
        subject="受理回执",
        context={},
        status=NotificationStatus.failed,
        attempts=5,
        last_error="550 mailbox unavailable",
    )
    session.add(failed)
    session.commit()
    page = browser.sign_in(staff.admin).get("/admin/outbox").text
    assert "550 mailbox unavailable" in page and reference in page
    assert "z***@example.test" in page and "zhangsan@example.test" not in page
    queued = browser.post(f"/admin/outbox/{failed.id}/resend", {})
    assert queued.status_code == 200 and "已重新排队" in queued.text
    session.expire_all()
    assert session.get(Notification, failed.id).status is NotificationStatus.pending
    kinds = session.scalars(select(ComplaintEvent.kind).order_by(ComplaintEvent.seq)).all()
    assert "notification_resend" in kinds
    failed.status = NotificationStatus.sent
    session.commit()
    assert browser.post(f"/admin/outbox/{failed.id}/resend", {}).status_code == 409
    assert browser.post("/admin/outbox/999999/resend", {}).status_code == 404


def test_the_local_smtp_sinks_messages_are_shown(browser, staff, settings) -> None:
    browser.sign_in(staff.admin)
    empty = browser.get("/admin/mailbox").text
    assert "未运行" in empty and "还没有邮件目录" in empty
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    box = mailbox.Maildir(str(settings.data_dir / "mailbox"), create=True)
    message = EmailMessage()
    message["From"] = "complaints@scfae.example"
    message["To"] = "customer@example.test"
    message["Subject"] = "投诉受理回执 TS-20261127-0001"
    message.set_content("您的投诉已受理。<script>x</script>")
    key = box.add(message)
    page = browser.get("/admin/mailbox").text
    assert "投诉受理回执 TS-20261127-0001" in page
    shown = browser.get(f"/admin/mailbox/{key}").text
    assert "您的投诉已受理。&lt;script&gt;" in shown
    assert browser.get("/admin/mailbox/no-such-key").status_code == 404
    assert browser.get("/admin/mailbox/..%2F..%2Fetc%2Fpasswd").status_code == 404


def test_with_a_real_smtp_server_there_is_no_local_mailbox(browser, staff, monkeypatch) -> None:
    from config.settings import get_settings

    monkeypatch.setenv("COMPLAINTS_SMTP_HOST", "smtp.example.com")
    get_settings.cache_clear()
    page = browser.sign_in(staff.admin).get("/admin/mailbox").text
    assert "已配置外部 SMTP 服务器" in page


def test_under_complaints_up_the_sink_it_started_is_shown_not_an_external_server(
    browser, staff, settings, monkeypatch
) -> None:
    """`complaints up` hands the web app COMPLAINTS_SMTP_HOST=127.0.0.1 and the sink's port:
    that is the local sink, whose messages the page shows."""
    from config.settings import get_settings

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    box = mailbox.Maildir(str(settings.data_dir / "mailbox"), create=True)
    message = EmailMessage()
    message["From"] = "complaints@scfae.example"
    message["To"] = "customer@example.test"
    message["Subject"] = "投诉受理回执 TS-20261127-0002"
    message.set_content("您的投诉已受理。")
    box.add(message)
    monkeypatch.setenv("COMPLAINTS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("COMPLAINTS_SMTP_PORT", str(settings.smtp_sink_port))
    get_settings.cache_clear()
    page = browser.sign_in(staff.admin).get("/admin/mailbox").text
    assert "已配置外部 SMTP 服务器" not in page
    assert "投诉受理回执 TS-20261127-0002" in page


def test_the_mailbox_viewer_and_outbox_mask_customer_data_like_every_other_view(
    api, browser, staff, settings, session
) -> None:
    """Art. 2(5): admin keeps the mail running; it sees who was written to only masked."""
    reference = api.new_complaint(
        staff.owner, customer_name="王五", customer_email="wangwu@private.example"
    )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    box = mailbox.Maildir(str(settings.data_dir / "mailbox"), create=True)
    message = EmailMessage()
    message["From"] = "complaints@scfae.example"
    message["To"] = "王五 <wangwu@private.example>"
    message["Subject"] = f"您的投诉已受理（投诉编号 {reference}）"
    message.set_content(f"尊敬的王五：您的投诉 {reference} 已受理，联系电话 13800001234。")
    key = box.add(message)
    browser.sign_in(staff.admin)
    listing = browser.get("/admin/mailbox").text
    shown = browser.get(f"/admin/mailbox/{key}").text
    for page in (listing, shown):
        assert "wangwu@private.example" not in page and "w***@private.example" in page
        assert "王五" not in page
    assert "尊敬的王*" in shown and "138****1234" in shown and "13800001234" not in shown

    from models import Complaint

    complaint = session.scalar(select(Complaint).where(Complaint.reference == reference))
    session.add(
        Notification(
            idempotency_key=f"complaint:{complaint.id}:acknowledgement:9",
            complaint_id=complaint.id,
            kind="acknowledgement",
            recipients=["wangwu@private.example"],
            subject="受理回执",
            context={},
            status=NotificationStatus.failed,
            attempts=5,
            last_error="refused for 1 recipient(s): {'wangwu@private.example': (550, b'no')}",
        )
    )
    session.commit()
    outbox = browser.get("/admin/outbox").text
    assert "wangwu@private.example" not in outbox and "w***@private.example" in outbox
