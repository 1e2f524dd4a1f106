"""Sign-in (Art. 5(4)): password check with rate limiting, browser sessions, API tokens, CSRF.

- Passwords are argon2id hashes (``models.security``); an unknown username costs the same
  verification time as a known one, so timing does not reveal which usernames exist.
- A browser session is a random token in an HttpOnly, SameSite=Lax cookie (Secure over HTTPS);
  the database keeps its SHA-256 only, with an idle and an absolute expiry.
- Every form carries the session's CSRF token. The sign-in form, before any session exists,
  carries an HMAC of a random pre-session cookie under the app's secret key.
- Each attempt is stored (``login_attempts``) and logged. Too many failures for one username
  from one client, or from one client in all, refuse further attempts for a while (429).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, joinedload

from models.directory import user_by_username
from models.people import User
from models.security import hash_password, verify_password
from models.web import ApiToken, LoginAttempt, WebSession

log = logging.getLogger("intake.auth")

SESSION_COOKIE = "complaints_session"
LOGIN_COOKIE = "complaints_login"
SESSION_IDLE = timedelta(hours=8)
SESSION_MAX = timedelta(hours=12)
SESSION_TOUCH = timedelta(minutes=5)  # how stale last_seen_at may be before it is written
API_TOKEN_LIFETIME = timedelta(hours=24)

# Rate limits over a sliding window (OWASP: throttle per account and per source).
ATTEMPT_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USER_AND_CLIENT = 5
MAX_FAILURES_PER_CLIENT = 20
MAX_FAILURES_PER_USER = 50

_PROCESS_SECRET = secrets.token_bytes(32)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified against when the username is unknown, so that both cases take the same time."""
    return hash_password(secrets.token_urlsafe(16))


def secret_key() -> bytes:
    """``Settings.secret_key`` (``COMPLAINTS_SECRET_KEY``), else a random key for this process
    (one web process only: with several, or after a restart, open sign-in forms are refused
    once and must be reloaded)."""
    from complaints.settings import get_settings

    configured = get_settings().secret_key
    return configured.get_secret_value().encode() if configured else _PROCESS_SECRET


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


# Sign-in form CSRF (before a session exists) ------------------------------------------------


def new_login_nonce() -> str:
    return secrets.token_urlsafe(24)


def login_csrf_token(nonce: str) -> str:
    return hmac.new(secret_key(), f"login:{nonce}".encode(), hashlib.sha256).hexdigest()


def login_csrf_valid(nonce: str | None, token: str | None) -> bool:
    return bool(nonce) and same(login_csrf_token(nonce or ""), token)


# Password check with rate limiting -----------------------------------------------------------


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__("too many failed sign-in attempts")
        self.retry_after = retry_after


def _failures(session: Session, now: datetime, *conditions: object) -> tuple[int, datetime | None]:
    count, oldest = session.execute(
        select(func.count(LoginAttempt.id), func.min(LoginAttempt.attempted_at)).where(
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.attempted_at > now - ATTEMPT_WINDOW,
            *conditions,  # type: ignore[arg-type]
        )
    ).one()
    return int(count), oldest


def check_rate_limit(session: Session, *, username: str, client: str, now: datetime) -> None:
    """Raise ``RateLimited`` when this username/client has failed too often lately."""
    limits = (
        (
            MAX_FAILURES_PER_USER_AND_CLIENT,
            (LoginAttempt.username == username, LoginAttempt.client == client),
        ),
        (MAX_FAILURES_PER_CLIENT, (LoginAttempt.client == client,)),
        (MAX_FAILURES_PER_USER, (LoginAttempt.username == username,)),
    )
    for limit, conditions in limits:
        count, oldest = _failures(session, now, *conditions)
        if count >= limit:
            retry = (oldest + ATTEMPT_WINDOW - now) if oldest else ATTEMPT_WINDOW
            raise RateLimited(max(1, int(retry.total_seconds()) + 1))


def authenticate(
    session: Session, *, username: str, password: str, client: str, via: str, now: datetime
) -> User | None:
    """The active user with this password, or None. The attempt is stored and logged either
    way (the caller commits). Raises ``RateLimited`` before checking when over the limit."""
    try:
        check_rate_limit(session, username=username, client=client, now=now)
    except RateLimited:
        log.warning(
            "sign-in refused (rate limit) username=%r client=%s via=%s", username, client, via
        )
        raise
    user = user_by_username(session, username)
    valid = verify_password(user.password_hash if user else _dummy_hash(), password)
    succeeded = bool(user is not None and valid and user.active)
    session.add(
        LoginAttempt(
            username=username[:64],
            client=client[:64],
            via=via,
            succeeded=succeeded,
            attempted_at=now,
        )
    )
    if succeeded:
        log.info("sign-in username=%r client=%s via=%s", username, client, via)
        return user
    reason = "unknown user" if user is None else ("inactive" if valid else "wrong password")
    log.warning("sign-in failed username=%r client=%s via=%s (%s)", username, client, via, reason)
    return None


# Browser sessions ---------------------------------------------------------------------------


def start_session(session: Session, *, user: User, now: datetime) -> tuple[str, WebSession]:
    """A new session (a fresh token at every sign-in: no session fixation). Expired sessions
    of anyone are removed on the way."""
    session.execute(delete(WebSession).where(WebSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    row = WebSession(
        token_hash=digest(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        expires_at=min(now + SESSION_IDLE, now + SESSION_MAX),
    )
    session.add(row)
    session.flush()
    return token, row


def session_for(session: Session, token: str | None, *, now: datetime) -> WebSession | None:
    """The live session of this cookie, its idle expiry pushed on; None if unknown or expired."""
    if not token or len(token) > 100:
        return None
    row = session.scalar(
        select(WebSession)
        .options(joinedload(WebSession.user).joinedload(User.department))
        .where(WebSession.token_hash == digest(token))
    )
    if row is None or row.expires_at <= now or not row.user.active:
        return None
    if now - row.last_seen_at > SESSION_TOUCH:
        row.last_seen_at = now
        row.expires_at = min(now + SESSION_IDLE, row.created_at + SESSION_MAX)
        session.commit()
    return row


def end_session(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(WebSession).where(WebSession.token_hash == digest(token)))


def end_all_sessions(session: Session, *, user_id: int, now: datetime) -> None:
    """When an account is deactivated or its password reset: sign it out everywhere."""
    session.execute(delete(WebSession).where(WebSession.user_id == user_id))
    session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )


# API bearer tokens --------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime


def issue_api_token(session: Session, *, user: User, now: datetime) -> IssuedToken:
    token = secrets.token_urlsafe(32)
    expires_at = now + API_TOKEN_LIFETIME
    session.add(
        ApiToken(token_hash=digest(token), user_id=user.id, created_at=now, expires_at=expires_at)
    )
    session.flush()
    return IssuedToken(token, expires_at)


def user_for_api_token(session: Session, token: str | None, *, now: datetime) -> User | None:
    if not token or len(token) > 100:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    if not row.user.active:
        return None
    if row.last_used_at is None or now - row.last_used_at > SESSION_TOUCH:
        row.last_used_at = now
        session.commit()
    return row.user
