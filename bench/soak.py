"""The chaos soak: the distributed setup under load and repeated faults, and upgrades under load.

Starts PostgreSQL for the app and another for the Prefect server, the Prefect server, two
process workers each with its flow starter (shared result storage), the staff web app and a
real SMTP server (aiosmtpd storing every accepted message in a Maildir). Simulated staff drive
``--complaints`` complaints through complete lifecycles over the HTTP API along varied paths
(plain, transfer to another department, major with a send-back by leadership, unfounded,
dissatisfied and reopened, reply extension, closed as unreachable, withdrawn), retrying on lost
connections and 5xx as a person would (the same Idempotency-Key for an intake). Meanwhile a
chaos loop SIGKILLs a random service (a worker, the Prefect server, the web app, the SMTP
server) every ``--chaos-min``–``--chaos-max`` s (``--seed``) and starts it again.

When the last complaint is closed the chaos stops; `complaints reconcile` runs as ops would,
every ``--reconcile-every`` s until everything drained; then the end checks
(tests/support/soak_checks.py): complaints lost or repeated, every complaint archived, each
outbox key delivered exactly once (counted by Message-ID at the SMTP server), one final form per
complaint, the audit hash chains, no run left Crashed or Failed, the time to drain.

``--upgrade-at SECONDS``: at that moment, copy the project to a second directory with a
trivial change to a task (a line each execution prints), stop the workers and their starters
politely, register the deployments from the copy and start the workers there.

``--embedded``: `make up`'s defaults instead: SQLite for the app, the Prefect server on a
PostgreSQL of its own when installed (`up`'s choice), one worker; 100 complaints by default.

    .venv/bin/python bench/soak.py [--complaints 300] [--staff 12] [--chaos-min 30]
        [--chaos-max 90] [--seed 1] [--upgrade-at SECONDS] [--embedded] [--keep]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=None, help="300; embedded 100")
    parser.add_argument("--staff", type=int, default=12, help="people working at once")
    parser.add_argument("--arrival-seconds", type=float, default=None, help="intakes spread")
    parser.add_argument("--chaos-min", type=float, default=30)
    parser.add_argument("--chaos-max", type=float, default=90)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--upgrade-at", type=float, default=None, metavar="SECONDS")
    parser.add_argument("--embedded", action="store_true")
    parser.add_argument("--think-max", type=float, default=3, help="seconds between steps")
    parser.add_argument("--reconcile-every", type=float, default=60)
    parser.add_argument("--drain-timeout", type=float, default=1800)
    parser.add_argument("--keep", action="store_true", help="keep the folder with the logs")
    args = parser.parse_args()
    complaints = args.complaints or (100 if args.embedded else 300)
    arrival = args.arrival_seconds if args.arrival_seconds is not None else complaints * 2.0

    from tests.support.soak_system import Chaos, log, run_soak, start_system

    home = Path(tempfile.mkdtemp(prefix="bench-soak-"))
    log(
        f"soak in {home}: {'embedded' if args.embedded else 'distributed'}, {complaints} "
        f"complaints, chaos every {args.chaos_min:g}-{args.chaos_max:g} s, seed {args.seed}"
    )
    began = time.monotonic()
    system = start_system(
        home,
        workers=1 if args.embedded else 2,
        app_postgres=not args.embedded,
        prefect_postgres=True,
    )
    ok = False
    try:
        log(
            f"system ready after {time.monotonic() - began:.0f} s: Prefect {system.api_url}, "
            f"web {system.web_url}, app database {system.database_url.split('@')[-1]}"
        )
        chaos = Chaos(system, args.chaos_min, args.chaos_max, args.seed)
        result = run_soak(
            system,
            complaints=complaints,
            staff=args.staff,
            chaos=chaos,
            upgrade_at=args.upgrade_at,
            arrival_seconds=arrival,
            drain_timeout=args.drain_timeout,
            reconcile_every=args.reconcile_every,
            think=(0.5, max(args.think_max, 0.5)),
        )
        verdict = result.verdict
        paths = Counter(d.path for d in result.driven)
        print()
        print(
            f"setup: {'embedded' if args.embedded else 'distributed'}; {complaints} "
            f"complaints by {args.staff} people over {arrival:.0f} s; paths {dict(paths)}"
        )
        print(
            f"staff: done after {result.drive_seconds:.0f} s; {result.retries} requests "
            f"retried after a lost connection or 5xx; {len(result.errors)} gave up"
        )
        print(
            f"chaos: {len(result.chaos)} kills: "
            + ", ".join(f"{k} ×{n}" for k, n in sorted(kill_counts(result.chaos).items()))
        )
        if args.upgrade_at is not None:
            print(
                f"upgrade: {'done' if result.upgraded else 'NOT done (soak ended first)'}; "
                f"executions that ran the new release's task: {result.release_lines}"
            )
        for line in verdict.lines():
            print(line)
        print("RESULT: " + ("all end checks hold" if verdict.ok else "END CHECKS FAILED"))
        ok = verdict.ok
    finally:
        system.stop()
        if args.keep or not ok:
            print(f"logs in {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)
    return 0 if ok else 1


def kill_counts(events: list[str]) -> Counter[str]:
    return Counter(event.split()[1] for event in events)


if __name__ == "__main__":
    sys.exit(main())
