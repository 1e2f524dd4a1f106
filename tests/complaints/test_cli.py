"""The `complaints` command, as an operator uses it: a stable interface."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from complaints.cli import app
from models import User
from models.db import session_scope

runner = CliRunner()


def complaints(*args: str, env: dict[str, str] | None = None, stdin: str | None = None):
    """Run the real console command in a child process, as an operator would."""
    return subprocess.run(
        [sys.executable, "-m", "complaints", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def test_classify_prints_one_json_object_with_reasons() -> None:
    result = runner.invoke(
        app, ["classify", "--channel", "phone", "客服态度恶劣，爱答不理，还挂我电话"]
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert set(answer) == {"category", "department", "major", "reasons"}
    assert answer["category"] == "service_attitude"
    assert answer["major"] is False
    assert answer["reasons"]


def test_classify_member_institution_goes_to_member_management() -> None:
    result = runner.invoke(
        app, ["classify", "--complainant", "member", "我司会费发票开具错误，请尽快更正。"]
    )
    assert json.loads(result.stdout)["department"] == "member_management"


def test_classify_amount_over_threshold_is_major() -> None:
    result = runner.invoke(
        app, ["classify", "--amount", "2000000", "兑付款项计算有误，少付了收益。"]
    )
    assert json.loads(result.stdout)["major"] is True


def test_classify_empty_text_exits_2_with_one_line() -> None:
    result = complaints("classify", "")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "empty" in result.stderr


def test_unknown_channel_lists_the_allowed_values() -> None:
    result = complaints("classify", "--channel", "fax", "态度差")
    assert result.returncode == 2
    for allowed in ("phone", "sales_manager", "regulator_transfer", "onsite"):
        assert allowed in result.stderr


def test_classify_jsonl_answers_one_line_per_input_line(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        "\n".join(
            json.dumps(item, ensure_ascii=False)
            for item in [
                {"text": "工作人员态度冷漠，推诿扯皮", "channel": "onsite"},
                {"text": "销售经理未经我同意代我签字", "channel": "sales_manager", "amount": 50000},
                {"text": "", "channel": "phone"},
            ]
        ),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["classify", "--jsonl", str(source)])
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == 2  # one line was bad
    assert lines[0]["category"] == "service_attitude"
    assert lines[1]["category"] == "violation"
    assert lines[2] == {"line": 3, "error": "field 'text' is missing or empty"}


def test_db_upgrade_and_user_add(settings) -> None:
    env = {"COMPLAINTS_DATABASE_URL": settings.effective_database_url}
    upgraded = complaints("db", "upgrade", env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    added = complaints(
        "user",
        "add",
        "--username",
        "li",
        "--role",
        "manager",
        "--department",
        "wealth_center",
        env=env,
        stdin="a long enough password\n",
    )
    assert added.returncode == 0, added.stderr
    with session_scope(settings.effective_database_url) as session:
        user = session.scalar(select(User).where(User.username == "li"))
        assert user.role == "manager" and user.department.code == "wealth_center"
        assert "a long enough password" not in user.password_hash


def test_user_add_with_unknown_role_lists_the_roles() -> None:
    result = complaints("user", "add", "--username", "x", "--role", "boss", "--password", "x" * 12)
    assert result.returncode == 2
    for role in ("staff", "manager", "leadership", "compliance", "admin"):
        assert role in result.stderr


@pytest.mark.parametrize("command", [["db", "upgrade"], ["demo"]])
def test_unreachable_database_is_one_line_naming_the_url_without_password(
    command: list[str],
) -> None:
    url = "postgresql+psycopg://app:hunter2secret@127.0.0.1:1/complaints"
    result = complaints(*command, env={"COMPLAINTS_DATABASE_URL": url})
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "127.0.0.1:1/complaints" in result.stderr
    assert "hunter2secret" not in result.stderr


def test_demo_seeds_users_and_sample_complaints_once(settings) -> None:
    env = {"COMPLAINTS_DATABASE_URL": settings.effective_database_url}
    first = complaints("demo", env=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("complaint TS-") == 4
    again = complaints("demo", env=env)
    assert "already seeded" in again.stdout


def test_classify_evaluate_overrides_reports_accuracy_on_overridden_and_confirmed(
    settings, session
) -> None:
    from policy.enums import Category
    from tests.models.factories import make_complaint

    make_complaint(session, settings, category=Category.service_attitude)
    session.commit()
    env = {"COMPLAINTS_DATABASE_URL": settings.effective_database_url}
    result = complaints("classify", "--evaluate-overrides", "--since", "2000-01-01", env=env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["fields"]["category"]["overridden"]["items"] == 1
    assert set(report["fields"]) == {"category", "department", "major"}
    assert "赎回" not in result.stdout  # no complaint text in the report (Art. 2(5))


def test_classify_evaluate_overrides_refuses_a_bad_date(settings) -> None:
    env = {"COMPLAINTS_DATABASE_URL": settings.effective_database_url}
    result = complaints("classify", "--evaluate-overrides", "--since", "yesterday", env=env)
    assert result.returncode == 2 and "YYYY-MM-DD" in result.stderr


@pytest.mark.parametrize(
    "command", [["reconcile"], ["monitor"], ["retention"], ["report", "--month", "2026-11"]]
)
def test_with_the_prefect_server_of_up_down_a_command_prints_one_line_and_exits_non_zero(
    command: list[str], settings, tmp_path: Path
) -> None:
    """Run from another terminal (no PREFECT_* set by hand) while `complaints up` is not
    running: the command looks for up's server (its port, its data folder), says in one line
    that it is down, and starts no throwaway server of its own."""
    from models.migrate import upgrade
    from tests.support.postgres import free_port

    upgrade(settings.effective_database_url)
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    environment.update(
        {
            "HOME": str(tmp_path / "home"),
            "COMPLAINTS_PREFECT_PORT": str(port),
            "COMPLAINTS_DATA_DIR": str(settings.data_dir),
            "COMPLAINTS_DATABASE_URL": settings.effective_database_url,
        }
    )
    result = subprocess.run(
        [sys.executable, "-m", "complaints", *command],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"127.0.0.1:{port}" in lines[0]
    assert "complaints up" in lines[0]
    assert not (tmp_path / "home" / ".prefect").exists()  # up's PREFECT_HOME, not ~/.prefect
