"""Intake latency: POST /api/complaints against the same rows saved directly, in one run.

Starts a throwaway Prefect server (Prefect's test harness, lifecycle deployment applied) unless
``--prefect-api-url`` names a running one, serves the web app with uvicorn in a subprocess on
127.0.0.1, and then, on a fresh database:

1. posts ``--requests`` complaints through the JSON API (bearer token, keep-alive) after a
   warm-up, one at a time, and times each answer; each request commits the complaint and
   leaves starting its flow run to a background task after the answer;
2. saves the same complaints with ``register_complaint`` + commit in this process ("bare
   insert": classification, customer, complaint, first event, deadlines — no HTTP, no
   validation, no sign-in, no Prefect);
3. prints median and p95 of both and their ratio, and how many flow runs were started.

    .venv/bin/python bench/intake.py [--requests 200] [--database-url URL]

Target: median intake under 100 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from deployments.local_postgres import free_port  # noqa: E402

TEXTS = [
    "赎回申请提交半个月了钱还没到账，打了三次客服电话都说在处理，效率太低。",
    "来现场咨询产品，柜台工作人员爱答不理，问了两遍就不耐烦，让我自己看说明书。",
    "我公司年审材料上周已提交，会员管理部至今未反馈审核意见，影响业务开展。",
    "合同里的收益率写错了，到账金额比约定少了两千多元，要求更正。",
    "销售人员未经我同意代我签署风险测评，还承诺保本，我要向监管部门投诉。",
    "网站登录不上，验证码一直收不到，打电话也没人接。",
]
PASSWORD = "bench password 123"


def body(number: int) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "channel": ["phone", "onsite", "sales_manager"][number % 3],
        "complainant": "customer",
        "customer_name": f"客户{number}",
        "customer_phone": f"138{number:08d}",
        "content": TEXTS[number % len(TEXTS)],
        "amount": 10000 + number,
        "received_at": (now - timedelta(minutes=5)).isoformat(),
        "promised_reply_at": (now + timedelta(days=15)).isoformat(),
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@contextlib.contextmanager
def prefect_server(url: str | None) -> Iterator[str]:
    if url:
        yield url
        return
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOCAL_STORAGE_PATH", tempfile.mkdtemp(prefix="bench-results-"))
    with prefect_test_harness(server_startup_timeout=90):
        from flows.complaint_lifecycle import complaint_lifecycle
        from flows.deadline_check import deadline_check

        complaint_lifecycle.to_deployment(name="complaint-lifecycle").apply()
        deadline_check.to_deployment(name="deadline-check").apply()
        yield str(PREFECT_API_URL.value())


@contextlib.contextmanager
def web_server(env: dict[str, str]) -> Iterator[str]:
    import httpx

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "web.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
         "--no-proxy-headers"],  # the app reads forwarded headers itself (trusted_proxies)
        cwd=ROOT,
        env={**os.environ, **env},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/login", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the web app did not start")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def prepare(url: str) -> None:
    from models.db import session_scope
    from policy.enums import Department, Role
    from services.directory import add_user
    from services.setup import prepare_database

    prepare_database(url)
    with session_scope(url) as session:
        add_user(
            session,
            username="bench",
            password=PASSWORD,
            role=Role.staff,
            department=Department.wealth_center,
        )


def over_http(base: str, numbers: range, warmup: int, pause: float = 0.0) -> list[float]:
    import httpx

    with httpx.Client(base_url=base, timeout=30) as client:
        login = client.post("/api/login", json={"username": "bench", "password": PASSWORD})
        login.raise_for_status()
        client.headers["Authorization"] = f"Bearer {login.json()['token']}"
        timings = []
        for index, number in enumerate(numbers):
            started = time.perf_counter()
            response = client.post("/api/complaints", json=body(number))
            elapsed = time.perf_counter() - started
            if response.status_code != 201:
                raise RuntimeError(f"intake answered {response.status_code}: {response.text}")
            if index >= warmup:
                timings.append(elapsed)
            time.sleep(pause)
    return timings


def bare_insert(url: str, numbers: range) -> list[float]:
    from config.settings import get_settings
    from models.db import session_scope, utcnow
    from services.directory import user_by_username
    from services.intake import register_complaint
    from web.actions import IntakeValues, build_intake
    from web.schemas import ComplaintRequest

    settings = get_settings()
    requests = [ComplaintRequest.model_validate_json(json.dumps(body(n))) for n in numbers]
    intakes = [
        build_intake(
            IntakeValues(**{name: getattr(r, name) for name in ComplaintRequest.model_fields}),
            now=utcnow(),
            settings=settings,
        )
        for r in requests
    ]
    timings = []
    for intake in intakes:
        started = time.perf_counter()
        with session_scope(url) as session:
            owner = user_by_username(session, "bench")
            register_complaint(session, intake=intake, owner=owner, now=utcnow(), settings=settings)
        timings.append(time.perf_counter() - started)
    return timings


def started_runs(url: str, expected: int, wait: float = 30.0) -> int:
    from sqlalchemy import func, select

    from models.complaint import Complaint
    from models.db import session_scope

    deadline = time.monotonic() + wait
    while True:
        with session_scope(url) as session:
            count = session.scalar(select(func.count()).where(Complaint.flow_run_id.is_not(None)))
        if count >= expected or time.monotonic() > deadline:
            return int(count or 0)
        time.sleep(0.5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    parser.add_argument("--prefect-api-url", help="default: start Prefect's test harness")
    parser.add_argument(
        "--pause", type=float, default=0.0, help="seconds between requests (default: none)"
    )
    options = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="bench-intake-"))
    url = options.database_url or f"sqlite:///{data_dir / 'complaints.db'}"
    os.environ["COMPLAINTS_DATA_DIR"] = str(data_dir)
    os.environ["COMPLAINTS_DATABASE_URL"] = url
    prepare(url)
    total = options.warmup + options.requests
    with prefect_server(options.prefect_api_url) as prefect_url:
        env = {"COMPLAINTS_DATA_DIR": str(data_dir), "COMPLAINTS_DATABASE_URL": url,
               "PREFECT_API_URL": prefect_url}  # fmt: skip
        with web_server(env) as base:
            http = over_http(base, range(total), options.warmup, options.pause)
            runs = started_runs(url, total)
        bare = bare_insert(url, range(total, total + options.requests))

    from models.db import safe_url

    result = {
        "requests": options.requests,
        "database": safe_url(url).split(":")[0],
        "intake_median_ms": round(statistics.median(http) * 1000, 1),
        "intake_p95_ms": round(percentile(http, 0.95) * 1000, 1),
        "bare_insert_median_ms": round(statistics.median(bare) * 1000, 1),
        "bare_insert_p95_ms": round(percentile(bare, 0.95) * 1000, 1),
        "flow_runs_started": f"{runs}/{total}",
    }
    result["ratio_median"] = round(result["intake_median_ms"] / result["bare_insert_median_ms"], 2)
    result["ratio_p95"] = round(result["intake_p95_ms"] / result["bare_insert_p95_ms"], 2)
    rows = [
        ("", "median", "p95"),
        (
            "POST /api/complaints",
            f"{result['intake_median_ms']} ms",
            f"{result['intake_p95_ms']} ms",
        ),
        (
            "bare insert",
            f"{result['bare_insert_median_ms']} ms",
            f"{result['bare_insert_p95_ms']} ms",
        ),
        ("ratio", str(result["ratio_median"]), str(result["ratio_p95"])),
    ]
    for name, median, p95 in rows:
        print(f"{name:22}{median:>12}{p95:>12}")
    print(f"flow runs started (after the answers): {runs} of {total}")
    print(json.dumps(result, ensure_ascii=False))
    target = result["intake_median_ms"] < 100
    print("target median < 100 ms:", "met" if target else "NOT met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
