"""The staff app under test: one app for the session, a fresh database per test (SQLite and
PostgreSQL, from tests/conftest.py), staff accounts, signed-in API and browser clients.

The Prefect API is *unreachable* unless a test asks for ``prefect_up`` (the session's Prefect
test harness with the lifecycle deployment applied): a closed port on 127.0.0.1, so that a
test that does not care about flow runs never waits for one and never starts a server.
"""

from __future__ import annotations

import re
import socket
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import pytest
from prefect.settings import (
    PREFECT_API_URL,
    PREFECT_CLIENT_MAX_RETRIES,
    PREFECT_SERVER_ALLOW_EPHEMERAL_MODE,
    temporary_settings,
)
from sqlalchemy.orm import Session

from models.db import utcnow
from models.people import User
from policy.enums import Department, Role
from services.security import hash_password
from tests.flows.conftest import mail, smtp_sink  # noqa: F401  (fixtures)
from web.app import create_app
from web.security import SESSION_COOKIE, issue_api_token, start_session

with warnings.catch_warnings():  # starlette would like httpx2, which is not installed
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PASSWORD = "correct horse battery"


def _held_closed_port() -> tuple[socket.socket, int]:
    """A port bound for the whole session but never listening: connecting to it is refused
    ("the Prefect API is down"), and no server started later — the session's Prefect server
    takes a free port too — can be given it."""
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.bind(("127.0.0.1", 0))
    return holder, holder.getsockname()[1]


_CLOSED_PORT_HOLDER, CLOSED_PORT = _held_closed_port()


@lru_cache(maxsize=1)
def password_hash() -> str:
    """Hashed once per session: argon2 is deliberately slow."""
    return hash_password(PASSWORD)


@pytest.fixture(scope="session")
def app() -> Any:
    return create_app()


@pytest.fixture(autouse=True)
def prefect_unreachable() -> Iterator[str]:
    url = f"http://127.0.0.1:{CLOSED_PORT}/api"
    with temporary_settings(
        updates={
            PREFECT_API_URL: url,
            PREFECT_CLIENT_MAX_RETRIES: 0,
            PREFECT_SERVER_ALLOW_EPHEMERAL_MODE: False,
        }
    ):
        yield url


@pytest.fixture(scope="session")
def prefect_api_url(prefect_server: None) -> str:
    url = PREFECT_API_URL.value()
    assert url and str(CLOSED_PORT) not in url
    return str(url)


@pytest.fixture
def prefect_up(prefect_api_url: str, prefect_unreachable: str) -> Iterator[str]:
    """The Prefect test harness (lifecycle deployment applied) instead of the closed port."""
    with temporary_settings(
        updates={PREFECT_API_URL: prefect_api_url}, restore_defaults={PREFECT_CLIENT_MAX_RETRIES}
    ):
        yield prefect_api_url


@dataclass
class Staff:
    owner: User  # staff, 财富中心: receives complaints (first-inquiry owner)
    colleague: User  # staff, 财富中心
    manager: User  # manager, 财富中心
    gm_manager: User  # manager, 综合管理部
    gm_staff: User  # staff, 综合管理部
    leader: User
    compliance: User
    admin: User


def add_staff_user(
    session: Session,
    username: str,
    role: Role,
    department: Department | None = None,
    *,
    superior: User | None = None,
) -> User:
    from services.directory import department_by_code

    user = User(
        username=username,
        display_name=f"{username}姓名",
        role=role,
        department=department_by_code(session, department) if department else None,
        superior=superior,
        email=f"{username}@staff.test",
        password_hash=password_hash(),
    )
    session.add(user)
    session.flush()
    return user


@pytest.fixture
def staff(session: Session, settings: Any) -> Staff:
    leader = add_staff_user(session, "leader", Role.leadership)
    manager = add_staff_user(
        session, "manager", Role.manager, Department.wealth_center, superior=leader
    )
    gm_manager = add_staff_user(
        session, "gm_manager", Role.manager, Department.general_management, superior=leader
    )
    people = Staff(
        owner=add_staff_user(
            session, "owner", Role.staff, Department.wealth_center, superior=manager
        ),
        colleague=add_staff_user(
            session, "colleague", Role.staff, Department.wealth_center, superior=manager
        ),
        manager=manager,
        gm_manager=gm_manager,
        gm_staff=add_staff_user(
            session, "gm_staff", Role.staff, Department.general_management, superior=gm_manager
        ),
        leader=leader,
        compliance=add_staff_user(session, "compliance", Role.compliance),
        admin=add_staff_user(session, "admin", Role.admin),
    )
    session.commit()
    return people


@pytest.fixture
def client(app: Any, settings: Any) -> Iterator[TestClient]:
    """A client with no cookies; raise_server_exceptions off so a 500 is seen as a 500."""
    test_client = TestClient(app, raise_server_exceptions=False)
    yield test_client
    test_client.close()


class Api:
    """Calls the JSON API as a given user (tokens made directly: no argon2 per test)."""

    def __init__(self, client: TestClient, session: Session) -> None:
        self.client = client
        self.session = session
        self._tokens: dict[int, str] = {}

    def headers(self, user: User) -> dict[str, str]:
        if user.id not in self._tokens:
            issued = issue_api_token(self.session, user=user, now=utcnow())
            self.session.commit()
            self._tokens[user.id] = issued.token
        return {"Authorization": f"Bearer {self._tokens[user.id]}"}

    def post(self, path: str, user: User | None, body: Any = None, **options: Any) -> Any:
        headers = self.headers(user) if user is not None else {}
        return self.client.post(f"/api{path}", json=body, headers=headers, **options)

    def get(self, path: str, user: User | None) -> Any:
        headers = self.headers(user) if user is not None else {}
        return self.client.get(f"/api{path}", headers=headers)

    def intake(self, user: User, **overrides: Any) -> Any:
        return self.post("/complaints", user, complaint_body(**overrides))

    def new_complaint(self, user: User, **overrides: Any) -> str:
        response = self.intake(user, **overrides)
        assert response.status_code == 201, response.text
        return str(response.json()["reference"])


@pytest.fixture
def api(client: TestClient, session: Session, staff: Staff) -> Api:
    return Api(client, session)


def complaint_body(**overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    body: dict[str, Any] = {
        "channel": "phone",
        "complainant": "customer",
        "customer_name": "张三",
        "customer_phone": "138-0000-1234",
        "customer_email": "zhangsan@example.test",
        "product": "稳盈1号",
        "amount": 50000,
        "received_at": (now - timedelta(minutes=10)).isoformat(),
        "content": "赎回申请提交半个月了钱还没到账，打了三次客服电话都说在处理，效率太低。",
        "promised_reply_at": (now + timedelta(days=10)).isoformat(),
    }
    body.update(overrides)
    if body["channel"] == "regulator_transfer" and "channel_details" not in overrides:
        # A regulator transfer records the transferring body and its deadline (Art. 3).
        body["channel_details"] = {
            "transferring_body": "四川证监局",
            "regulator_reply_due": (now + timedelta(days=30)).isoformat(),
        }
    return {key: value for key, value in body.items() if value is not ...}


class Browser:
    """The pages as a signed-in user sees them (cookie session, CSRF token from the page)."""

    def __init__(self, client: TestClient, session: Session) -> None:
        self.client = client
        self.session = session
        self.csrf = ""

    def sign_in(self, user: User) -> Browser:
        token, row = start_session(self.session, user=user, now=utcnow())
        self.session.commit()
        self.client.cookies.set(SESSION_COOKIE, token)
        self.csrf = row.csrf_token
        return self

    def get(self, path: str, **options: Any) -> Any:
        return self.client.get(path, **options)

    def post(self, path: str, data: dict[str, str], *, csrf: bool = True, **options: Any) -> Any:
        form = {"csrf_token": self.csrf, **data} if csrf else data
        return self.client.post(path, data=form, **options)


@pytest.fixture
def browser(client: TestClient, session: Session, staff: Staff) -> Browser:
    return Browser(client, session)


def field_error(html: str, field: str) -> str:
    """The message shown beside ``field`` on a re-rendered form."""
    match = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', html)
    return match.group(1) if match else ""
