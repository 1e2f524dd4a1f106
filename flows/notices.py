"""Notices as flow steps: queue a notice, then send it (orchestration the flows call).

Queueing is idempotent by the outbox key and sending by the outbox row's status, so a
resumed flow that passes here again sends nothing twice.

The mail tasks (``tasks.mail``) are imported when a notice is queued or sent, not with this
module: a resumed lifecycle run that has nothing new to send skips their imports (the outbox,
templates, python-docx and the SMTP client: 0.2–0.4 s by ``python -X importtime`` after the
flow's own imports, on a shared 2-core machine), which every resume would otherwise pay.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from tasks._caching import side_effect_options

if TYPE_CHECKING:
    from prefect import Task


@cache
def _send_once() -> Task[[int], str]:
    """Within one complaint's run a message, once handled, is not looked at again on every
    resume; the outbox row still guards it against any second send."""
    from tasks.mail import send_notification

    return send_notification.with_options(**side_effect_options())


def send_queued(notification_id: int | None) -> str:
    """Send a notice already in the outbox; ``None`` (no one to send it to) sends nothing."""
    if notification_id is None:
        return "no-recipient"
    return str(_send_once()(notification_id))


def notify(complaint_id: int, kind: str, sequence: int = 1) -> str:
    """Queue the notice ``kind`` about a complaint, then send it."""
    from tasks.mail import queue_notification

    return send_queued(queue_notification(complaint_id, kind, sequence))
