"""Notifications and the handling form as flow steps (orchestration called from flows).

Queueing is idempotent by the outbox key and sending by the outbox row's status, so a
resumed flow that passes here again sends nothing twice.

The mail and form modules are imported when a notice is queued or a form written, not with
this module: a resumed lifecycle run that has nothing new to send skips their imports (the
outbox, templates and SMTP client), which every resume would otherwise pay.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from prefect import task

from tasks.caching import side_effect_options

if TYPE_CHECKING:
    from prefect import Task


@cache
def _send_once() -> Task[[int], str]:
    """Within one complaint's run a message, once handled, is not looked at again on every
    resume; the outbox row still guards it against any second send."""
    from tasks.mail import send_notification

    return send_notification.with_options(**side_effect_options())


def _send(notification_id: int | None) -> str:
    if notification_id is None:
        return "no-recipient"
    return str(_send_once()(notification_id))


def notify(complaint_id: int, kind: str, sequence: int = 1) -> str:
    from tasks.mail import queue_notification

    return _send(queue_notification(complaint_id, kind, sequence))


def notify_deadline(complaint_id: int, deadline_id: int, deadline_kind: str, action: str) -> str:
    """Art. 7: the warning to the responsible person, the breach report to the superior."""
    from tasks.mail import queue_notification

    record = deadline_kind == "written_record"
    kind = {
        ("warned", True): "record_warning",
        ("breached", True): "record_breach",
        ("warned", False): "deadline_warning",
        ("breached", False): "deadline_breach",
    }[(action, record)]
    return _send(queue_notification(complaint_id, kind, deadline_id=deadline_id))


@task(name="handling-form-at", **side_effect_options())
def prepare_handling_form(complaint_id: int, milestone: str, final: bool = False) -> str:
    """The annex's handling form (客户投诉处理表) as it stands at ``milestone``; once per
    milestone and flow run, and no new version when nothing on the form changed."""
    from tasks.handling_form import generate_handling_form

    return str(generate_handling_form.fn(complaint_id, final))
