"""Email notifications as Prefect tasks: queue a notice, send one outbox row.

A notice goes out in two steps, each safe to repeat:

1. ``queue_notification`` stores it in the outbox under its idempotency key
   (``services.notices.prepare_notification``);
2. ``send_notification`` delivers one outbox row by SMTP (``services.delivery``). A row already
   sent is never sent again, whatever Prefect's cache does.

SMTP down or refusing never fails the complaint's flow: the task retries with backoff, and after
its last attempt marks the row *failed* and returns ``"failed"``. The row shows in the app and
the task run's state in the Prefect UI; ``services.outbox.mark_for_resend`` queues it again.

Privacy (Art. 2(5)): the tasks take ids and return status strings. Addresses, subjects and
message text stay in the app database (``notifications.context``); logs name the notification
by id and kind only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from prefect import get_run_logger, task
from prefect.cache_policies import NONE
from prefect.context import TaskRunContext
from prefect.exceptions import MissingContextError
from prefect.tasks import exponential_backoff

from config.settings import Settings, get_settings
from models.complaint import Complaint
from models.db import session_scope
from services.delivery import DeliveryError, deliver_notification, mark_failed
from services.notices import prepare_notification
from services.outbox import notice_name

_T = TypeVar("_T")


def _run(coroutine: Coroutine[Any, Any, _T]) -> _T:
    """Run a coroutine from sync code, also when the caller's thread runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _logger() -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger(__name__)


def _is_last_attempt() -> bool:
    context = TaskRunContext.get()
    if context is None:  # called as a plain function: this attempt is the only one
        return True
    return context.task_run.run_count > context.task.retries


def _retry_options(settings: Settings) -> dict[str, Any]:
    retries = settings.mail_retries
    delay = settings.mail_retry_delay
    return {
        "retries": retries,
        "retry_delay_seconds": exponential_backoff(backoff_factor=delay.total_seconds()),
        "retry_jitter_factor": 0.2,
    }


@task(
    name="send_notification",
    task_run_name="send-notification-{notification_id}",
    cache_policy=NONE,  # the outbox row is the cache: its status decides, never a stored result
    **_retry_options(get_settings()),
)
def send_notification(notification_id: int) -> str:
    """Deliver one outbox row (Art. 2(1) react fast, Art. 2(4) keep the customer informed).

    Returns ``"sent"``, ``"already-sent"`` or ``"failed"``; never raises for an SMTP failure
    after the last attempt, so the complaint's flow goes on.
    """
    settings = get_settings()
    logger = _logger()
    try:
        outcome = _run(deliver_notification(notification_id, settings))
    except DeliveryError as error:
        if not (error.permanent or _is_last_attempt()):
            raise
        outcome = mark_failed(notification_id, settings)
        logger.warning(
            "%s marked %s: %s; it can be re-sent from the outbox",
            _named(notification_id, settings),
            outcome,
            error.code,
        )
        return outcome
    logger.info("%s: %s", _named(notification_id, settings), outcome)
    return outcome


def _named(notification_id: int, settings: Settings) -> str:
    """The notice as ops know it: the complaint's reference and the notice's name."""
    with session_scope(settings.effective_database_url) as session:
        return notice_name(session, notification_id)


@task(
    name="queue_notification",
    task_run_name="queue-{kind}-{complaint_id}",
    cache_policy=NONE,
)
def queue_notification(
    complaint_id: int, kind: str, sequence: int = 1, deadline_id: int | None = None
) -> int | None:
    """Store a notice in the outbox (idempotent); its id, or None when it has no recipient."""
    settings = get_settings()
    with session_scope(settings.effective_database_url) as session:
        row = prepare_notification(
            session,
            complaint_id=complaint_id,
            kind=kind,
            settings=settings,
            sequence=sequence,
            deadline_id=deadline_id,
        )
        if row is None:
            # Expected (a customer without email is told by a contact instead): not a warning.
            reference = session.get_one(Complaint, complaint_id).reference
            _logger().info("%s: no recipient for %s; nothing queued", reference, kind)
            return None
        return row.id
