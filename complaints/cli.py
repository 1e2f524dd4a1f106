"""The `complaints` command: the single entry point for operators.

Each command imports what it needs when it runs, so that `complaints --help` and the small
commands answer at once rather than after loading everything (by ``python -X importtime`` after
this module, on a shared 2-core machine): ``flows.reconcile`` ~2.5 s and
``flows.concentration_monitor`` ~1.3 s, ``flows.retention`` ~1.2 s and ``flows.monthly_report``
~1.4 s (Prefect itself ~1 s of each), ``complaints.demo`` ~0.8 s,
``services.setup`` with ``models.migrate`` (Alembic) ~0.6 s, ``models.db`` with ``sqlalchemy``
~0.4 s, ``services.directory`` and ``services.corrections`` ~0.35 s, ``policy.classification``
~0.1 s, ``uvicorn`` and ``web.serving`` ~0.05 s; ``deployments.up``, ``deployments.prefect_access``
and ``services.security`` are small but bring Prefect's settings or the password hasher with
them; ``prefect.settings`` (~1 s) is read only by an in-process caller that imported Prefect
already.
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from config.settings import get_settings
from policy.enums import Channel, ComplainantKind, Department, Role
from policy.monthly_report import month_of
from services.step_errors import StepError

app = typer.Typer(
    help="四川金融资产交易所客户投诉处理 — complaint handling as durable workflows.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
db_app = typer.Typer(help="The app database.", no_args_is_help=True)
user_app = typer.Typer(help="Staff accounts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")

F = TypeVar("F", bound=Callable[..., Any])


@app.callback()
def reach_prefect(ctx: typer.Context) -> None:
    """Every command talks to the Prefect server of `complaints up` for this data folder, with
    its sign-in, unless the operator's environment names another (PREFECT_API_URL,
    PREFECT_API_AUTH_STRING). Prefect reads its settings when first imported: after this."""
    if ctx.invoked_subcommand == "up":  # up sets up the sign-in itself
        return
    if "prefect" in sys.modules:  # in-process callers (tests) chose their server already
        return
    from deployments.prefect_access import client_environment

    ctx.with_resource(_environment_added(client_environment(get_settings(), os.environ)))


@contextmanager
def _environment_added(extra: dict[str, str]) -> Iterator[None]:
    """``extra`` in the environment while the command runs."""
    saved = {key: os.environ.get(key) for key in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one line for a person and return the exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def database_errors_as_one_line(command: F) -> F:
    """An unreachable or too-new database is one line naming the URL, password masked."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from sqlalchemy.exc import OperationalError

        from models.db import safe_url
        from models.migrate import NewerDatabaseError

        try:
            return command(*args, **kwargs)
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            url = safe_url(get_settings().effective_database_url)
            raise fail(f"cannot reach the database {url}: {reason}") from None
        except NewerDatabaseError as exc:
            raise fail(str(exc)) from None

    return wrapper  # type: ignore[return-value]


@db_app.command("upgrade")
@database_errors_as_one_line
def db_upgrade() -> None:
    """Migrate the database to the newest schema and seed the Art. 9 departments."""
    from models.db import safe_url
    from services.setup import prepare_database

    url = get_settings().effective_database_url
    revision = prepare_database(url)
    typer.echo(f"database {safe_url(url)} is at schema revision {revision}")


@user_app.command("add")
@database_errors_as_one_line
def user_add(
    username: Annotated[str, typer.Option(help="login name")],
    role: Annotated[Role, typer.Option(help="what the user may do (Art. 5(4))")],
    department: Annotated[Department | None, typer.Option(help="department code")] = None,
    superior: Annotated[str | None, typer.Option(help="username of the superior (Art. 7)")] = None,
    email: Annotated[str | None, typer.Option()] = None,
    display_name: Annotated[str | None, typer.Option(help="name shown in the app")] = None,
    password: Annotated[
        str | None, typer.Option(help="password; read from standard input when omitted")
    ] = None,
) -> None:
    """Add a staff account (password from --password or standard input)."""
    from models.db import session_scope
    from services.directory import DirectoryError, add_user
    from services.security import WeakPasswordError

    if password is None:
        password = sys.stdin.readline().rstrip("\n")
    try:
        with session_scope() as session:
            user = add_user(
                session,
                username=username,
                password=password,
                role=role,
                display_name=display_name,
                department=department,
                superior=superior,
                email=email,
            )
            typer.echo(f"added user {user.username} ({role.value}) with id {user.id}")
    except (DirectoryError, WeakPasswordError) as exc:
        raise fail(str(exc), 2) from None


def _classification_json(
    text: str, channel: Channel | None, complainant: ComplainantKind, amount: Decimal | None
) -> str:
    from policy.classification import classify

    result = classify(text, channel=channel, complainant=complainant, amount=amount)
    return json.dumps(result.as_dict(), ensure_ascii=False)


def _parse_amount(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"amount {value!r} is not a number") from None
    if amount < 0:
        raise ValueError("amount must not be negative")
    return amount


@app.command()
def classify(
    text: Annotated[str | None, typer.Argument(help="the complaint's text")] = None,
    channel: Annotated[Channel | None, typer.Option(help="Art. 3 channel")] = None,
    complainant: Annotated[
        ComplainantKind, typer.Option(help="customer or member institution")
    ] = ComplainantKind.customer,
    amount: Annotated[str | None, typer.Option(help="amount involved, CNY")] = None,
    jsonl: Annotated[
        Path | None,
        typer.Option(help="classify each line {text, channel, complainant, amount}; - for stdin"),
    ] = None,
    evaluate_overrides: Annotated[
        bool,
        typer.Option(
            "--evaluate-overrides",
            help="today's classifier on the complaints staff overrode and on those they confirmed",
        ),
    ] = False,
    since: Annotated[
        str | None, typer.Option(help="with --evaluate-overrides: received on or after DATE")
    ] = None,
) -> None:
    """Suggest category (Art. 3), department (Art. 9) and major flag, with reasons, as JSON."""
    if evaluate_overrides:
        _evaluate_overrides(since)
        return
    if since is not None:
        raise fail("--since goes with --evaluate-overrides", 2)
    if jsonl is not None:
        raise typer.Exit(_classify_jsonl(jsonl))
    if text is None or not text.strip():
        raise fail("the complaint text is empty; give the text to classify", 2)
    try:
        parsed_amount = _parse_amount(amount)
    except ValueError as exc:
        raise fail(str(exc), 2) from None
    typer.echo(_classification_json(text, channel, complainant, parsed_amount))


@database_errors_as_one_line
def _evaluate_overrides(since: str | None) -> None:
    """Art. 3/9/4(3): the classifier against the labels staff gave, as JSON (no complaint text)."""
    from models.db import session_scope
    from policy.classification import classify as suggest
    from services.corrections import classification_outcomes, evaluate_classifier

    start = None
    if since is not None:
        try:
            start = datetime.combine(date.fromisoformat(since), time.min, tzinfo=UTC)
        except ValueError:
            raise fail(f"--since {since!r} is not a date (YYYY-MM-DD)", 2) from None

    def classifier(outcome: Any) -> dict[str, Any]:
        result = suggest(
            outcome.content,
            channel=outcome.channel,
            complainant=outcome.complainant,
            amount=outcome.amount,
        )
        return {"category": result.category, "department": result.department, "major": result.major}

    with session_scope() as session:
        report = evaluate_classifier(classification_outcomes(session, since=start), classifier)
    report["since"] = since
    typer.echo(json.dumps(report, ensure_ascii=False, indent=2))


def _classify_jsonl(path: Path) -> int:
    """One result per input line; a bad line gets {"line", "error"} in its place (exit 2)."""
    stream = sys.stdin if str(path) == "-" else path.open(encoding="utf-8")
    bad = 0
    with stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                if not isinstance(item, dict):
                    raise ValueError("each line must be a JSON object")
                text = item.get("text")
                if not isinstance(text, str) or not text.strip():
                    raise ValueError("field 'text' is missing or empty")
                channel = Channel(item["channel"]) if item.get("channel") else None
                complainant = ComplainantKind(item.get("complainant") or "customer")
                output = _classification_json(
                    text, channel, complainant, _parse_amount(item.get("amount"))
                )
            except (ValueError, KeyError) as exc:
                bad += 1
                output = json.dumps({"line": number, "error": str(exc)}, ensure_ascii=False)
            typer.echo(output)
    return 2 if bad else 0


@app.command()
@database_errors_as_one_line
def demo() -> None:
    """Seed departments, demonstration users (passwords printed) and sample complaints."""
    from complaints.demo import seed_demo

    for line in seed_demo(get_settings()):
        typer.echo(line)


def main() -> None:  # pragma: no cover - console entry
    app()


@app.command()
def up() -> None:
    """Start the Prefect server, SMTP sink, worker and web app on 127.0.0.1 (Ctrl-C stops all)."""
    from deployments.up import run_system

    raise typer.Exit(run_system(get_settings()))


def _prefect_api_url() -> str:
    """The API URL the command will use: the environment's (set by `reach_prefect`), or, for an
    in-process caller that imported Prefect first (tests), Prefect's current setting."""
    url = os.environ.get("PREFECT_API_URL") or ""
    if not url and "prefect" in sys.modules:
        from prefect.settings import PREFECT_API_URL

        url = str(PREFECT_API_URL.value() or "")
    return url


def needs_prefect_server(command: F) -> F:
    """The Prefect server (up's, or the one PREFECT_API_URL names) must answer: when it is
    down the command says so in one line and exits 1, before and while it runs."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from deployments.prefect_access import server_reachable

        url = _prefect_api_url()
        down = (
            f"cannot reach the Prefect server at {url or 'PREFECT_API_URL (not set)'}: "
            "start it with `complaints up` (or set PREFECT_API_URL)"
        )
        if not url or not server_reachable(url):
            raise fail(down)
        try:
            return command(*args, **kwargs)
        except Exception as exc:  # the server went away while the command ran
            if server_reachable(url):
                raise
            raise fail(down) from exc

    return wrapper  # type: ignore[return-value]


@app.command()
@needs_prefect_server
def reconcile() -> None:
    """Start missing runs, re-queue crashed ones and those a dead worker left stuck, wake runs
    whose step is saved, re-schedule missing deadline checks. Idempotent."""
    from flows.reconcile import reconcile as reconcile_flow

    typer.echo(json.dumps(reconcile_flow()))


@app.command()
@database_errors_as_one_line
@needs_prefect_server
def monitor(
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="DATE",
            help="report date YYYY-MM-DD (default today); the window is the days before it",
        ),
    ] = None,
) -> None:
    """Art. 8 concentration report: flag units whose complaints concentrate, store the alerts,
    email compliance and leadership. Running it again for the same date changes nothing."""

    from flows.concentration_monitor import concentration_monitor

    try:
        report_date = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise fail(f"--as-of {as_of!r} is not a date; write it as YYYY-MM-DD", 2) from None
    summary = concentration_monitor(as_of=report_date)
    typer.echo(
        f"concentration report {summary['report_date']}: {summary['units_assessed']} units "
        f"assessed, {summary['alerts']} alerts ({summary['high']} high, "
        f"{summary['elevated']} elevated, {summary['watch']} watch); email: {summary['email']}"
    )


@app.command()
@database_errors_as_one_line
@needs_prefect_server
def retention(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="only count the complaints past their period")
    ] = False,
) -> None:
    """Art. 2(5): remove the personal data of complaints archived longer than
    COMPLAINTS_RETENTION_YEARS after closure (the daily run does the same); nothing inside the
    period is touched, and running it again removes nothing more."""

    from flows.retention import personal_data_retention

    state = personal_data_retention(dry_run=dry_run, return_state=True)
    typer.echo(state.message or "")


@app.command()
@database_errors_as_one_line
@needs_prefect_server
def report(
    month: Annotated[
        str, typer.Option("--month", metavar="YYYY-MM", help="the month to report on")
    ],
    made_by: Annotated[
        str | None,
        typer.Option(
            "--by", metavar="USERNAME", help="who makes it, as archived (default: the OS user)"
        ),
    ] = None,
) -> None:
    """The monthly statistics report for one month: prints the paths of the .docx and .xlsx it
    wrote (under the data folder's reports/), with their SHA-256; archives them and mails them
    to leadership and compliance (once per month: running a month again sends nothing new)."""

    from flows.monthly_report import monthly_report

    try:
        first_day = month_of(month)
    except ValueError:
        raise fail(f"--month {month!r} is not a month; write it as YYYY-MM", 2) from None
    by = (made_by or getpass.getuser()).strip()[:100] or "unknown"
    state = monthly_report(month=first_day, made_by=by, return_state=True)
    if not state.is_completed():
        error = state.result(raise_on_failure=False)
        message = error.message if isinstance(error, StepError) else (state.message or "")
        raise fail(message, 1)
    written = state.result()
    typer.echo(f"{written['docx']}  sha256 {written['docx_sha256']}")
    typer.echo(f"{written['xlsx']}  sha256 {written['xlsx_sha256']}")


@app.command()
def web() -> None:
    """Serve the staff web app and JSON API on settings.web_host:web_port (uvicorn)."""
    import uvicorn

    from web.serving import uvicorn_options

    settings = get_settings()
    uvicorn.run(
        "web.app:create_app",
        factory=True,
        host=settings.web_host,
        port=settings.web_port,
        log_level="info",
        **uvicorn_options(),
    )
