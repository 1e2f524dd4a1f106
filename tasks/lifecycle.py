"""Tasks of the complaint lifecycle: reading the app database, applying Prefect-UI input,
tagging the run, publishing the masked timeline, archiving.

``services.steps`` (the step services with the password hasher and the holiday calendars,
~0.15 s by ``python -X importtime`` after the flow's own imports) is imported only when ops
resume a run from the Prefect UI: the lifecycle flow imports this module on every resume.
"""

from __future__ import annotations

from typing import Any

from prefect import get_run_logger, task
from prefect.artifacts import Artifact, create_markdown_artifact
from prefect.client.orchestration import get_client
from prefect.runtime import flow_run

from config.settings import get_settings
from models.db import session_scope, utcnow
from orchestration.runs import retag_run
from policy.lifecycle import Step
from services.progress import (
    awaited_wait,
    case_facts,
    mark_archived,
    masked_timeline,
    outcome_key,
    progress_snapshot,
    run_tags,
    step_outcome,
    step_sentences,
    timeline_markdown,
    wait_message,
    wait_tags,
)
from services.step_errors import StepError
from tasks._caching import fresh_read_options, side_effect_options


@task(name="read-progress", **fresh_read_options())
def read_progress(complaint_id: int) -> dict[str, Any]:
    """What an execution of the run starts from, read at once: the complaint's non-personal
    facts and tags, every step already decided, the outbox's notices and whether deadlines
    await their checks (``services.progress.progress_snapshot``)."""

    with session_scope() as session:
        return progress_snapshot(session, complaint_id)


@task(name="read-step-outcome", **fresh_read_options())
def read_step_outcome(complaint_id: int, step: Step, number: int) -> dict[str, Any] | None:
    """The decision on ``step`` if the app database has it (read before suspending); a step
    found taken is told in the run's log (who acted, what was decided, what comes next)."""

    with session_scope() as session:
        outcome = step_outcome(session, complaint_id=complaint_id, step=step, number=number)
        if outcome is not None:
            told = step_sentences(session, complaint_id).get(outcome_key(step, number))
            if told:
                get_run_logger().info(told)
    return outcome


@task(name="mark-waiting", **fresh_read_options())
def mark_waiting(complaint_id: int, step: Step, refused: str | None = None) -> str:
    """Before the run suspends: its tags say the step it waits for (``step:<step>``, the
    previous one's removed) and ``overdue`` while a limit of the complaint is overdue (removed
    when none is); the returned message, which the Suspended state carries and the run's log
    tells, names the step, who answers for it and its due time (no customer data); after an
    input from the Prefect UI the rules ``refused``, it says why first."""

    with session_scope() as session:
        wait = awaited_wait(session, complaint_id, step, now=utcnow())
    message = wait_message(wait, get_settings().tz)
    if refused:
        message = f"界面提交未被接受：{refused}。{message}"
    retag_run(
        flow_run.get_id(),  # type: ignore[arg-type]
        add=wait_tags(wait),
        drop=lambda tag: tag.startswith("step:") or tag == "overdue",
    )
    get_run_logger().info(message)
    return message


@task(name="apply-prefect-ui-input", **side_effect_options())
def apply_prefect_ui_input(
    complaint_id: int, step: Step, number: int, attempt: int, values: dict[str, Any]
) -> str | None:
    """Carry out a step from the Prefect UI's resume form; returns the refusal, if any, which
    the run also shows as an artifact (the person who sent the form looks there)."""
    from services.steps import apply_step_input

    try:
        with session_scope() as session:
            if step_outcome(session, complaint_id=complaint_id, step=step, number=number):
                return None  # the staff app recorded it first
            apply_step_input(
                session, complaint_id=complaint_id, step=step, values=values, now=utcnow()
            )
    except StepError as refused:
        get_run_logger().error(
            "Prefect 界面提交的「%s」未被接受（第 %s 次提交）：%s；流程仍在等待此步骤",
            step.label,
            attempt,
            refused.message,
        )
        # Shown on the run's page in the Prefect UI, where the form was sent from.
        create_markdown_artifact(
            markdown=(
                f"## 界面提交未被接受\n\n步骤 `{step.value}`（第 {attempt} 次提交）："
                f"{refused.message}\n\n"
                "流程仍在等待此步骤：请核对操作人用户名及其角色后重新提交，或在员工系统中办理。"
            ),
            description=f"Prefect 界面提交的步骤 {step.value} 未被接受：{refused.message}",
        )
        return refused.message
    return None


@task(name="tag-flow-run", **side_effect_options())
def tag_flow_run(complaint_id: int, milestone: str) -> list[str]:
    """Ops filter runs by channel, category, department and major in the Prefect UI; set at
    intake and again at the ``milestone`` that changes them (a transfer, the major decision)."""

    with session_scope() as session:
        tags = run_tags(case_facts(session, complaint_id))
    with get_client(sync_client=True) as client:
        current = client.read_flow_run(flow_run.get_id())  # type: ignore[arg-type]
        keep = [tag for tag in current.tags if ":" not in tag and tag != "complaint"]
        client.update_flow_run(current.id, tags=sorted({*keep, *tags}))
    return tags


@task(name="publish-timeline", **fresh_read_options())
def publish_timeline(complaint_id: int) -> str:
    """A markdown artifact per complaint, under one key, with its masked timeline in Chinese
    (no personal data); a new version only when the timeline changed since the last one."""

    with session_scope() as session:
        facts = case_facts(session, complaint_id)
        markdown = timeline_markdown(
            facts, masked_timeline(session, complaint_id), get_settings().tz
        )
    key = f"complaint-{facts['reference'].lower()}"
    latest = Artifact.get(key)
    if latest is not None and latest.data == markdown:
        return key
    create_markdown_artifact(
        key=key, markdown=markdown, description=f"{facts['reference']} 处理时间线（已脱敏）"
    )
    return key


@task(name="archive-complaint", **side_effect_options())
def archive_complaint(complaint_id: int) -> bool:
    """Art. 4 处理过程存档: the closed complaint is marked archived (its final, read-only form
    was written just before by the flow)."""

    with session_scope() as session:
        return mark_archived(session, complaint_id=complaint_id, now=utcnow())
