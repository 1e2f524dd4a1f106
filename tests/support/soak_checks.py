"""The end checks of a soak (bench/soak.py and tests/deployments/test_soak.py): after the
chaos, is every complaint there, archived, with one final form and an intact audit chain; was
every outbox key delivered exactly once, counted at the SMTP server; is no run left Crashed or
Failed. The judging is done by pure functions over what was read, so that each can be shown
to fail (tests/deployments/test_soak_checks.py)."""

from __future__ import annotations

import email
import email.policy
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from config.settings import Settings
from models import Complaint, Document, Notification
from models.complaint import IntakeRequest
from models.db import session_scope
from policy.enums import NotificationStatus, Stage
from services.audit import verify_chain
from services.delivery import message_id

# Prefect's final states that mean something went wrong and nobody put right.
BAD_STATES = ("CRASHED", "FAILED")
# A run in one of these has not ended: after the drain, a complaint's run is Completed.
UNFINISHED_STATES = ("SCHEDULED", "PENDING", "RUNNING", "CANCELLING")
# ... and a complaint's run still waiting for a step has not drained either.
OPEN_STATES = (*UNFINISHED_STATES, "PAUSED")


LATE = timedelta(minutes=2)


# Pure judgements ----------------------------------------------------------------------------


def exactly_once(expected: Mapping[str, str], received: Iterable[str]) -> list[str]:
    """Each outbox key (``expected``: key → the Message-ID its mail carries) received exactly
    once at the SMTP server (``received``: the Message-ID of every message it accepted); a
    message that belongs to no key is a problem too."""
    counts = Counter(received)
    problems = []
    for key, mid in sorted(expected.items()):
        seen = counts.pop(mid, 0)
        if seen != 1:
            problems.append(f"outbox key {key}: delivered {seen} times")
    problems += [f"mail {mid} belongs to no outbox key ({n}×)" for mid, n in counts.items()]
    return problems


def lost_and_repeated(intended: Iterable[str], registered: Mapping[str, int]) -> list[str]:
    """Each intake the staff sent (its idempotency key) registered as exactly one complaint
    (``registered``: key → complaints registered under it)."""
    problems = []
    for key in intended:
        found = registered.get(key, 0)
        if found != 1:
            problems.append(f"intake {key}: {found} complaints")
    return problems


def one_final_form_each(final_forms: Mapping[str, int]) -> list[str]:
    """Every complaint (reference → its final handling forms) has exactly one final form."""
    return [f"{ref}: {n} final forms" for ref, n in sorted(final_forms.items()) if n != 1]


def all_archived(stages: Mapping[str, str]) -> list[str]:
    return [f"{ref}: {stage}" for ref, stage in sorted(stages.items()) if stage != Stage.archived]


def runs_left_bad(runs: Iterable[tuple[str, str, str]]) -> list[str]:
    """Runs (flow name, run name, state type) left Crashed or Failed."""
    return [f"{flow}/{name}: {state}" for flow, name, state in runs if state in BAD_STATES]


# Reading what happened ----------------------------------------------------------------------


def maildir_message_ids(maildir: Path) -> list[str]:
    """The Message-ID of every message a Maildir holds (what aiosmtpd's Mailbox handler
    stored: a message is written before the server answers 250)."""
    found = []
    for folder in ("new", "cur"):
        for path in sorted((maildir / folder).glob("*")) if (maildir / folder).is_dir() else []:
            with path.open("rb") as file:
                message = email.message_from_binary_file(file, policy=email.policy.compat32)
            found.append(str(message.get("Message-ID", "")).strip())
    return found


@dataclass
class AppRecord:
    """What the app database says at the end of a soak."""

    intakes: dict[str, int]  # the staff's idempotency key → complaints registered under it
    complaints: int
    stages: dict[str, str]  # reference → stage
    final_forms: dict[str, int]  # reference → final handling forms
    audit_broken: list[str]  # "reference: first bad event" for each broken chain
    outbox: dict[str, str]  # outbox key → Message-ID (every row, whatever its status)
    outbox_status: Counter[str]
    # Notices sent 2 minutes or more after they were queued (reconciliation's pick-up), by kind.
    late: Counter[str] = field(default_factory=Counter)


def read_app(database_url: str, settings: Settings) -> AppRecord:
    with session_scope(database_url) as session:
        keys = session.execute(
            select(IntakeRequest.key, func.count()).group_by(IntakeRequest.key)
        ).all()
        rows = session.execute(select(Complaint.id, Complaint.reference, Complaint.stage)).all()
        finals = dict(
            session.execute(
                select(Document.complaint_id, func.count())
                .where(Document.kind == "handling_form", Document.final.is_(True))
                .group_by(Document.complaint_id)
            ).all()
        )
        broken = []
        for complaint_id, reference, _ in rows:
            bad = verify_chain(session, complaint_id)
            if bad is not None:
                broken.append(f"{reference}: event {bad}")
        outbox: dict[str, str] = {}
        status: Counter[str] = Counter()
        late: Counter[str] = Counter()
        for row in session.scalars(select(Notification)):
            status[str(row.status)] += 1
            if row.sent_at and row.sent_at - row.created_at >= LATE:
                late[row.kind] += 1
            if row.status == NotificationStatus.sent or row.recipients:
                outbox[row.idempotency_key] = message_id(row, settings)
    return AppRecord(
        intakes={key.removeprefix("api:"): n for key, n in keys},
        complaints=len(rows),
        stages={ref: str(stage) for _, ref, stage in rows},
        final_forms={ref: finals.get(cid, 0) for cid, ref, _ in rows},
        audit_broken=broken,
        outbox=outbox,
        outbox_status=status,
        late=late,
    )


def read_runs(api_url: str, headers: Mapping[str, str] | None = None) -> list[tuple[str, str, str]]:
    """Every flow run on the Prefect server: (flow name, run name, state type), over its REST
    API (the caller's process need not be configured for that server)."""
    with httpx.Client(base_url=api_url, headers=dict(headers or {}), timeout=60) as client:
        flows = {
            item["id"]: item["name"]
            for item in client.post("/flows/filter", json={"limit": 200}).raise_for_status().json()
        }
        runs: list[tuple[str, str, str]] = []
        offset = 0
        while True:
            page = (
                client.post("/flow_runs/filter", json={"limit": 200, "offset": offset})
                .raise_for_status()
                .json()
            )
            runs += [
                (flows.get(item["flow_id"], "?"), item["name"], item["state_type"] or "")
                for item in page
            ]
            if len(page) < 200:
                return runs
            offset += 200


# The verdict --------------------------------------------------------------------------------


@dataclass
class Verdict:
    intended: int
    app: AppRecord
    mails_received: int
    runs: list[tuple[str, str, str]]
    drain_seconds: float | None = None
    problems: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(self.problems.values())

    def lines(self) -> list[str]:
        app = self.app
        by_state = Counter(state for _, _, state in self.runs)
        lifecycle = [run for run in self.runs if run[0] == "complaint-lifecycle"]
        out = [
            f"complaints: {self.intended} intended, {app.complaints} in the app database, "
            f"lost or repeated {len(self.problems['intake'])}",
            f"archived: {sum(s == Stage.archived for s in app.stages.values())} of "
            f"{app.complaints}",
            f"outbox: {len(app.outbox)} keys ({dict(app.outbox_status)}); mails received at "
            f"the SMTP server {self.mails_received}; keys not delivered exactly once "
            f"{len(self.problems['delivery'])}",
            f"notices sent 2 min or more after queued (by reconciliation): "
            f"{sum(app.late.values())} ({describe(app.late)})",
            f"final forms: complaints without exactly one {len(self.problems['forms'])}",
            f"audit chains broken: {len(app.audit_broken)}",
            f"flow runs: {len(self.runs)} ({dict(by_state)}); complaint runs {len(lifecycle)}; "
            f"left Crashed or Failed {len(self.problems['runs'])}",
        ]
        if self.drain_seconds is not None:
            out.append(f"drain after the chaos stopped: {self.drain_seconds:.0f} s")
        for what, problems in self.problems.items():
            for problem in problems[:20]:
                out.append(f"PROBLEM ({what}): {problem}")
        return out


def judge(
    intended: Iterable[str],
    app: AppRecord,
    received: list[str],
    runs: list[tuple[str, str, str]],
    drain_seconds: float | None = None,
) -> Verdict:
    intended = list(intended)
    unfinished = [
        f"{flow}/{name}: {state}"
        for flow, name, state in runs
        if flow == "complaint-lifecycle" and state in OPEN_STATES
    ]
    return Verdict(
        intended=len(intended),
        app=app,
        mails_received=len(received),
        runs=runs,
        drain_seconds=drain_seconds,
        problems={
            "intake": lost_and_repeated(intended, app.intakes)
            + (
                [f"{app.complaints} complaints for {len(intended)} intakes"]
                if app.complaints != len(intended)
                else []
            ),
            "archive": all_archived(app.stages),
            "delivery": exactly_once(app.outbox, received),
            "forms": one_final_form_each(app.final_forms),
            "audit": list(app.audit_broken),
            "runs": runs_left_bad(runs) + unfinished,
        },
    )


def describe(value: Any) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(dict(value).items())) or "none"
