"""The soak's end checks can fail: each judgement is shown refusing what it must refuse."""

from __future__ import annotations

import smtplib  # the test's client only; the system sends with aiosmtplib
from collections import Counter
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox

from tests.support.smtp import SmtpSink
from tests.support.soak_checks import (
    AppRecord,
    all_archived,
    exactly_once,
    judge,
    lost_and_repeated,
    maildir_message_ids,
    one_final_form_each,
    runs_left_bad,
)

KEYS = {"complaint:1:acknowledgement:1": "<a.n1@x>", "complaint:1:closure:1": "<b.n2@x>"}


def test_each_outbox_key_delivered_once_passes() -> None:
    assert exactly_once(KEYS, ["<a.n1@x>", "<b.n2@x>"]) == []


def test_a_mail_sent_twice_fails_the_exactly_once_check() -> None:
    assert exactly_once(KEYS, ["<a.n1@x>", "<b.n2@x>", "<a.n1@x>"]) == [
        "outbox key complaint:1:acknowledgement:1: delivered 2 times"
    ]


def test_a_mail_never_sent_or_sent_for_no_key_fails_the_check() -> None:
    assert exactly_once(KEYS, ["<a.n1@x>", "<z@x>"]) == [
        "outbox key complaint:1:closure:1: delivered 0 times",
        "mail <z@x> belongs to no outbox key (1×)",
    ]


def test_a_lost_or_repeated_complaint_fails() -> None:
    assert lost_and_repeated(["k1", "k2", "k3"], {"k1": 1, "k3": 2}) == [
        "intake k2: 0 complaints",
        "intake k3: 2 complaints",
    ]


def test_a_complaint_not_archived_or_without_one_final_form_fails() -> None:
    assert all_archived({"TS-1": "archived", "TS-2": "closed"}) == ["TS-2: closed"]
    assert one_final_form_each({"TS-1": 1, "TS-2": 0, "TS-3": 2}) == [
        "TS-2: 0 final forms",
        "TS-3: 2 final forms",
    ]


def test_a_run_left_crashed_or_failed_fails() -> None:
    runs = [("complaint-lifecycle", "complaint-TS-1", "COMPLETED"), ("reconcile", "r", "CRASHED")]
    assert runs_left_bad(runs) == ["reconcile/r: CRASHED"]


def test_the_verdict_names_every_kind_of_problem() -> None:
    app = AppRecord(
        intakes={"k1": 1},
        complaints=1,
        stages={"TS-1": "archived"},
        final_forms={"TS-1": 1},
        audit_broken=["TS-1: event 3"],
        outbox=KEYS,
        outbox_status=Counter(sent=2),
    )
    runs = [("complaint-lifecycle", "complaint-TS-1", "PAUSED")]
    verdict = judge(["k1"], app, ["<a.n1@x>", "<b.n2@x>", "<b.n2@x>"], runs)
    assert not verdict.ok
    assert verdict.problems["delivery"] == ["outbox key complaint:1:closure:1: delivered 2 times"]
    assert verdict.problems["audit"] == ["TS-1: event 3"]
    assert verdict.problems["runs"] == ["complaint-lifecycle/complaint-TS-1: PAUSED"]
    assert judge(["k1"], app, ["<a.n1@x>", "<b.n2@x>"], []).problems["delivery"] == []


@pytest.mark.parametrize("copies", [1, 2])
def test_mails_are_counted_at_the_smtp_server_by_message_id(tmp_path: Path, copies: int) -> None:
    """What the soak's SMTP server stores (aiosmtpd's Maildir handler), read back: a mail
    accepted twice is counted twice."""
    sink = SmtpSink()  # for its free port
    controller = Controller(Mailbox(str(tmp_path / "mail")), hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        for _ in range(copies):
            with smtplib.SMTP("127.0.0.1", sink.port) as client:
                client.sendmail(
                    "a@x.test", ["b@x.test"], "Message-ID: <m1@x>\r\nSubject: s\r\n\r\nbody"
                )
    finally:
        controller.stop()
    received = maildir_message_ids(tmp_path / "mail")
    assert received == ["<m1@x>"] * copies
    assert (exactly_once({"k": "<m1@x>"}, received) == []) == (copies == 1)
