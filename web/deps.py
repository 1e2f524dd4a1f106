"""Typed dependencies: the database session, the settings, the signed-in user (page or API)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated
from urllib.parse import unquote_to_bytes

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from config.settings import Settings, get_settings
from models.db import get_engine, utcnow
from models.people import User
from models.web import WebSession
from web.access import Forbidden
from web.security import SESSION_COOKIE, same, session_for, user_for_api_token


def get_db() -> Iterator[Session]:
    """One session per request; whatever the handler did not commit is rolled back."""
    engine = get_engine(get_settings().effective_database_url)
    with Session(bind=engine, expire_on_commit=False) as session:
        yield session


DbSession = Annotated[Session, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


class SignInRequired(Exception):
    """No live session: the page redirects to the sign-in form, then back to ``next_url``."""

    def __init__(self, next_url: str) -> None:
        super().__init__("sign-in required")
        self.next_url = next_url


class Unauthorized(Exception):
    """The API call has no valid bearer token (HTTP 401)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def page_session(request: Request, db: DbSession) -> WebSession:
    row = session_for(db, request.cookies.get(SESSION_COOKIE), now=utcnow())
    if row is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target if request.method == "GET" else "/")
    request.state.web_session = row
    return row


WebSessionDep = Annotated[WebSession, Depends(page_session)]


def page_user(web_session: WebSessionDep) -> User:
    return web_session.user


PageUser = Annotated[User, Depends(page_user)]


class BadForm(Exception):
    """A form that cannot be read as sent (HTTP 400); ``message`` says why, in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _check_utf8(body: bytes) -> None:
    """Every name and value of a urlencoded body must be UTF-8 once percent-decoded; otherwise
    it would be stored as mojibake (U+FFFD in place of what was typed)."""
    for pair in body.split(b"&"):
        for part in pair.split(b"=", 1):
            try:
                unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError:
                raise BadForm(
                    "提交的表单内容不是有效的 UTF-8 编码，未保存；请用浏览器重新打开页面后再提交"
                ) from None


async def read_form(request: Request) -> dict[str, str]:
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        _check_utf8(await request.body())
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


FormFields = Annotated[dict[str, str], Depends(read_form)]


def checked_form(form: FormFields, web_session: WebSessionDep) -> dict[str, str]:
    """A form posted from one of our pages: its CSRF token must be this session's."""
    if not same(form.get("csrf_token"), web_session.csrf_token):
        raise Forbidden("表单已过期或来源不明（防跨站请求伪造校验未通过），请刷新页面后重新提交")
    return form


CheckedForm = Annotated[dict[str, str], Depends(checked_form)]

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="POST /api/login 取得的访问令牌：Authorization: Bearer <token>",
)


def api_user(
    db: DbSession, credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]
) -> User:
    if credentials is None:
        raise Unauthorized(
            "缺少访问令牌：请先调用 POST /api/login，并以 Authorization: Bearer 携带"
        )
    user = user_for_api_token(db, credentials.credentials, now=utcnow())
    if user is None:
        raise Unauthorized("访问令牌无效、已过期或已撤销，请重新登录取得新令牌")
    return user


ApiUser = Annotated[User, Depends(api_user)]
