"""What the Prefect server stores per complaint, and what housekeeping takes away.

Drives N complaints through a plain lifecycle (written record, assignment, handling founded,
customer satisfied, archived) against a throwaway Prefect server on SQLite (Prefect's test
harness; the `make up` default is SQLite too) and a throwaway SQLite app database, executing
each run in this process as the tests do. Then counts, straight from the Prefect server's
database, the rows added per complaint (flow runs by flow and state, task runs, state rows,
logs, events, artifacts) and the file's growth. With `--sweeps M` it also runs M deadline
sweeps and counts what one sweep adds; with `--housekeep` it runs the housekeeping as if the
complaints had been archived longer ago than the retention, and counts what is left.

    .venv/bin/python bench/prefect_footprint.py [--complaints 20] [--sweeps 5] [--housekeep]

The Prefect database size per 1,000 complaints is extrapolated linearly from N: (file size
after − file size before the complaints) ÷ N × 1,000, on the file compacted by `VACUUM INTO`
(SQLite reuses free pages, so the compacted size is what the rows take).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# The server's event persister writes in batches; wait this long for its last batch.
EVENT_FLUSH_SECONDS = 12

TABLES = [
    "flow_run",
    "flow_run_state",
    "task_run",
    "task_run_state",
    "log",
    "events",
    "event_resources",
    "artifact",
    "artifact_collection",
    "flow_run_input",
]


def counts(database: Path) -> Counter[str]:
    with sqlite3.connect(database) as connection:
        found: Counter[str] = Counter(
            {
                table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in TABLES
            }
        )
        for flow_name, state, number in connection.execute(
            "SELECT flow.name, flow_run.state_type, count(*) FROM flow_run"
            " JOIN flow ON flow.id = flow_run.flow_id GROUP BY flow.name, flow_run.state_type"
        ):
            found[f"runs {flow_name} {state}"] = number
    return found


def compacted_size(database: Path) -> int:
    """The database's size once its free pages are dropped (a copy, VACUUM INTO)."""
    return sum(table_sizes(database).values())


def table_sizes(database: Path) -> Counter[str]:
    """Bytes per table, its indexes included, in a compacted copy (VACUUM INTO, dbstat)."""
    copy = database.with_name("compacted.db")
    copy.unlink(missing_ok=True)
    with sqlite3.connect(database) as connection:
        connection.execute(f"VACUUM INTO '{copy}'")
    with sqlite3.connect(copy) as connection:
        owner = dict(connection.execute("SELECT name, tbl_name FROM sqlite_schema"))
        sizes: Counter[str] = Counter()
        for name, size in connection.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"):
            sizes[owner.get(name, name)] += size
    copy.unlink()
    return sizes


def per_unit(before: Counter[str], after: Counter[str], units: int) -> dict[str, float]:
    keys = sorted(set(before) | set(after))
    return {key: (after[key] - before[key]) / units for key in keys if after[key] != before[key]}


def show(title: str, figures: dict[str, float]) -> None:
    print(title)
    for key, value in figures.items():
        print(f"  {key:<45} {value:8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=20)
    parser.add_argument("--sweeps", type=int, default=5)
    parser.add_argument("--housekeep", action="store_true")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="prefect-footprint-"))
    os.environ["COMPLAINTS_DATABASE_URL"] = f"sqlite:///{folder / 'complaints.db'}"
    os.environ["COMPLAINTS_DATA_DIR"] = str(folder / "data")
    os.environ["PREFECT_LOCAL_STORAGE_PATH"] = str(folder / "results")
    os.environ.setdefault("COMPLAINTS_SMTP_HOST", "127.0.0.1")

    from prefect.settings import PREFECT_API_DATABASE_CONNECTION_URL
    from prefect.testing.utilities import prefect_test_harness
    from sqlalchemy.orm import sessionmaker

    from config.settings import get_settings
    from models.db import get_engine
    from services.setup import prepare_database
    from tests.support.smtp import SmtpSink

    prepare_database(os.environ["COMPLAINTS_DATABASE_URL"])
    sink = SmtpSink().start()
    os.environ["COMPLAINTS_SMTP_PORT"] = str(sink.port)
    get_settings.cache_clear()
    try:
        with prefect_test_harness(server_startup_timeout=90):
            url = PREFECT_API_DATABASE_CONNECTION_URL.value()
            database = Path(url.split("///", 1)[1])
            run(args, database, sessionmaker(bind=get_engine(), expire_on_commit=False))
    finally:
        sink.stop()


def run(args: argparse.Namespace, database: Path, sessions) -> None:  # type: ignore[no-untyped-def]
    import deployments.register as register
    from config.settings import get_settings
    from services.steps import assign, record_feedback, record_handling, submit_written_record
    from tests.flows.lifecycle_driver import add_staff, start_complaint

    for name, entrypoint in register.ENTRYPOINTS.items():
        path, function = entrypoint.split(":")
        module = path.removesuffix(".py").replace("/", ".")
        flow = getattr(__import__(module, fromlist=[function]), function)
        flow.to_deployment(name=name).apply()
    settings = get_settings()
    with sessions() as session:
        staff = add_staff(session)
        time.sleep(EVENT_FLUSH_SECONDS)
        before, sizes_before = counts(database), table_sizes(database)
        size_before = sum(sizes_before.values())
        started = time.perf_counter()
        for _ in range(args.complaints):
            case = start_complaint(session, settings, staff.owner)
            case.act(submit_written_record, actor=staff.owner, text="记录")
            case.act(assign, actor=staff.manager, handler="handler")
            case.act(
                record_handling, actor=staff.handler, founded=True, evidence="核实", solution="办理"
            )
            case.act(record_feedback, actor=staff.owner, satisfied=True, comment="")
        elapsed = time.perf_counter() - started
    time.sleep(EVENT_FLUSH_SECONDS)
    after, sizes_after = counts(database), table_sizes(database)
    size_after = sum(sizes_after.values())
    print(f"{args.complaints} complaints, plain lifecycle, in {elapsed:.1f} s")
    show("added per complaint:", per_unit(before, after, args.complaints))
    kilobytes = {
        f"{table} kB": value / 1e3
        for table, value in per_unit(sizes_before, sizes_after, args.complaints).items()
        if abs(value) >= 1e3
    }
    show("bytes per complaint, by table with its indexes:", kilobytes)
    grown = (size_after - size_before) / args.complaints
    print(f"  Prefect database, compacted: {size_before / 1e6:.2f} MB -> {size_after / 1e6:.2f} MB")
    print(
        f"  per complaint {grown / 1e3:.1f} kB; per 1,000 complaints {grown:.0f} kB ≈ "
        f"{grown * 1000 / 1e6:.1f} MB (linear from N={args.complaints})"
    )
    if args.sweeps and "deadline-sweep" in register.ENTRYPOINTS:
        sweep_figures(args.sweeps, database)
    if args.housekeep and "prefect-housekeeping" in register.ENTRYPOINTS:
        housekeep(database, settings, size_after)


def sweep_figures(sweeps: int, database: Path) -> None:
    from flows.deadline_sweep import deadline_sweep

    before, sizes = counts(database), table_sizes(database)
    for _ in range(sweeps):
        deadline_sweep()
    time.sleep(EVENT_FLUSH_SECONDS)
    after, sizes_after = counts(database), table_sizes(database)
    show(f"added per sweep run (nothing due; {sweeps} runs):", per_unit(before, after, sweeps))
    grown = (sum(sizes_after.values()) - sum(sizes.values())) / sweeps
    events = (
        sum(sizes_after[table] - sizes[table] for table in ("events", "event_resources")) / sweeps
    )
    print(
        f"  per sweep {grown / 1e3:.1f} kB (events {events / 1e3:.1f} kB); "
        f"per day at one a minute {grown * 1440 / 1e6:.1f} MB"
    )


def housekeep(database: Path, settings, size_after: int) -> None:  # type: ignore[no-untyped-def]
    from flows.housekeeping import prefect_housekeeping
    from models import clock
    from models.clock import ManualClock
    from models.db import utcnow

    later = utcnow() + timedelta(days=settings.prefect_retention_days + 1)
    before = counts(database)
    with clock.use(ManualClock(later)):
        state = prefect_housekeeping(return_state=True)
    time.sleep(EVENT_FLUSH_SECONDS)
    after, sizes = counts(database), table_sizes(database)
    print(f"housekeeping as {settings.prefect_retention_days + 1} days later: {state.message}")
    show("change in the Prefect database:", per_unit(before, after, 1))
    size = sum(sizes.values())
    events = sizes["events"] + sizes["event_resources"]
    print(f"  Prefect database, compacted: {size_after / 1e6:.2f} MB -> {size / 1e6:.2f} MB")
    print(
        f"  of which events {events / 1e6:.2f} MB (the server removes them itself after "
        f"PREFECT_SERVER_EVENTS_RETENTION_PERIOD); without them {(size - events) / 1e6:.2f} MB"
    )


if __name__ == "__main__":
    main()
