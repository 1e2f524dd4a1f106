"""Sign-in throttling that cannot be spoofed or turned against a user (Art. 5(4)).

Failures slow further attempts down by seconds (doubling, capped at a minute), per account and
address, per address, and per account for the addresses that failed on it; the owner of a
hammered account still signs in from another address. The clock is injected: ``authenticate``
is given the time of each attempt. The client address comes from ``X-Forwarded-For`` only when
the connection comes from a proxy named in ``trusted_proxies``, however the app is served.
"""

from __future__ import annotations

import logging
import os
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.db import utcnow
from models.web import LoginAttempt
from tests.support.postgres import free_port
from tests.support.processes import BIN, wait_until
from tests.web.conftest import PASSWORD, Browser, Staff, TestClient
from web.app import create_app
from web.security import MAX_DELAY, RateLimited, authenticate


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


def attempt(session: Session, clock: Clock, client: str, password: str = "wrong", **kw: Any) -> Any:
    """One sign-in as ``owner`` (or ``username=``) from ``client``: the user, None when the
    password is wrong, or the seconds to wait when throttled."""
    username = kw.get("username", "owner")
    try:
        user = authenticate(
            session, username=username, password=password, client=client, via="web", now=clock.now
        )
    except RateLimited as limited:
        return limited.retry_after
    session.commit()
    return user


def test_the_owner_signs_in_from_another_address_while_others_hammer_the_account(
    session: Session, staff: Staff
) -> None:
    clock = Clock(utcnow())
    waits = []
    for second in range(900):  # 15 minutes, a try every second from one of 12 addresses
        outcome = attempt(session, clock, f"203.0.113.{second % 12}")
        assert outcome is None or isinstance(outcome, int)
        if isinstance(outcome, int):
            waits.append(outcome)
        clock.advance(1)
    assert waits and max(waits) <= MAX_DELAY.total_seconds()  # seconds, not a lock-out
    failures = session.query(LoginAttempt).filter(LoginAttempt.succeeded.is_(False)).count()
    assert failures < 200  # the attackers were slowed down: far fewer than 900 guesses

    owner = attempt(session, clock, "198.51.100.20", PASSWORD)
    assert owner is not None and owner.username == "owner"


def test_delays_double_from_two_seconds_up_to_a_minute_and_are_forgotten(
    session: Session, staff: Staff
) -> None:
    clock = Clock(utcnow())
    for _ in range(5):  # free: typing mistakes
        assert attempt(session, clock, "192.0.2.1") is None
    waits = []
    for _ in range(7):
        wait = attempt(session, clock, "192.0.2.1")
        assert isinstance(wait, int)
        waits.append(wait)
        clock.advance(wait)
        assert attempt(session, clock, "192.0.2.1") is None  # the wait is over: one more try
    assert waits == [2, 4, 8, 16, 32, 60, 60]
    clock.advance(15 * 60 + 1)  # failures older than the window are forgotten
    assert attempt(session, clock, "192.0.2.1", PASSWORD) is not None


def test_one_address_trying_many_accounts_is_slowed_down(session: Session, staff: Staff) -> None:
    clock = Clock(utcnow())
    for number in range(10):
        assert attempt(session, clock, "192.0.2.9", username=f"guess{number}") is None
    assert attempt(session, clock, "192.0.2.9", username="colleague") == 2
    assert attempt(session, clock, "192.0.2.10", PASSWORD, username="colleague") is not None


def test_an_address_that_failed_on_a_hammered_account_waits_for_the_account(
    session: Session, staff: Staff
) -> None:
    clock = Clock(utcnow())
    for number in range(10):  # ten addresses, one failure each
        assert attempt(session, clock, f"203.0.113.{number}") is None
    assert attempt(session, clock, "203.0.113.3") == 2  # it failed on this account before
    assert attempt(session, clock, "203.0.113.99") is None  # a new address may try once


def test_a_burst_is_logged_and_shown_to_admins(
    session: Session, staff: Staff, browser: Browser, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock(utcnow() - timedelta(minutes=10))
    with caplog.at_level(logging.WARNING, logger="web.auth"):
        for number in range(25):
            attempt(session, clock, f"203.0.113.{number}")
            clock.advance(2)
    bursts = [record for record in caplog.records if "sign-in burst" in record.getMessage()]
    assert len(bursts) == 1 and "account 'owner'" in bursts[0].getMessage()

    page = browser.sign_in(staff.admin).get("/admin/users")
    assert page.status_code == 200
    assert "登录异常" in page.text and "owner" in page.text and "25" in page.text
    for user in (staff.manager, staff.owner):
        assert "登录异常" not in Browser(browser.client, session).sign_in(user).get("/my").text


def _recorded_client(session: Session) -> str:
    session.expire_all()
    return str(
        session.scalars(select(LoginAttempt.client).order_by(LoginAttempt.id.desc())).first()
    )


def test_forwarded_addresses_are_believed_only_from_trusted_proxies(
    session: Session, staff: Staff, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = {"username": "owner", "password": "wrong"}
    spoofed = {"X-Forwarded-For": "10.1.1.1"}
    stranger = TestClient(create_app(), client=("203.0.113.7", 5000))
    stranger.post("/api/login", json=body, headers=spoofed)
    assert _recorded_client(session) == "203.0.113.7"

    proxy = TestClient(create_app(), client=("127.0.0.1", 5000))  # default: loopback trusted
    proxy.post("/api/login", json=body, headers={"X-Forwarded-For": "10.9.9.9, 198.51.100.1"})
    assert _recorded_client(session) == "198.51.100.1"  # the last address the proxy added

    monkeypatch.setenv("COMPLAINTS_TRUSTED_PROXIES", "192.0.2.0/24")
    from config.settings import get_settings

    get_settings.cache_clear()
    loopback = TestClient(create_app(), client=("127.0.0.1", 5000))
    loopback.post("/api/login", json=body, headers=spoofed)
    assert _recorded_client(session) == "127.0.0.1"
    named = TestClient(create_app(), client=("192.0.2.44", 5000))
    named.post("/api/login", json=body, headers={"X-Forwarded-For": "198.51.100.2"})
    assert _recorded_client(session) == "198.51.100.2"


def test_complaints_web_follows_the_setting_not_uvicorns_default(
    session: Session, staff: Staff, settings: Any, tmp_path: Path
) -> None:
    """Served the way `complaints up` serves it: with no proxy trusted, a forwarded header from
    127.0.0.1 (uvicorn's own default proxy) is not believed."""
    port = free_port()
    env = {
        **os.environ,
        "COMPLAINTS_WEB_PORT": str(port),
        "COMPLAINTS_TRUSTED_PROXIES": "",
        "COMPLAINTS_DATABASE_URL": settings.effective_database_url,
        "COMPLAINTS_DATA_DIR": str(tmp_path / "data"),
    }
    with (tmp_path / "web.log").open("wb") as log:
        web = subprocess.Popen(
            [str(BIN / "complaints"), "web"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        base = f"http://127.0.0.1:{port}"

        def up() -> bool:
            try:
                return httpx.get(f"{base}/login", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(up, 60, "complaints web to answer", every=0.2)
        httpx.post(
            f"{base}/api/login",
            json={"username": "owner", "password": "wrong"},
            headers={"X-Forwarded-For": "10.1.1.1"},
            timeout=30,
        )
    finally:
        web.terminate()
        web.wait(30)
    assert _recorded_client(session) == "127.0.0.1"
