"""Sign-in (Art. 5(4)): password check with rate limiting, browser sessions, API tokens, CSRF.

- Passwords are argon2id hashes (``services.security``); an unknown username costs the same
  verification time as a known one, so timing does not reveal which usernames exist.
- A browser session is a random token in an HttpOnly, SameSite=Lax cookie (Secure over HTTPS);
  the database keeps its SHA-256 only, with an idle and an absolute expiry.
- Every form carries the session's CSRF token. The sign-in form, before any session exists,
  carries an HMAC of a random pre-session cookie under the app's secret key.
- Each attempt is stored (``login_attempts``) and logged. Failures slow further attempts down
  with growing delays of seconds (429 with ``Retry-After``), never a lock-out: per account and
  client address, per client address, and per account for the addresses that failed on it —
  so an attacker hammering an account does not keep its owner, at another address, out.
  A burst of failures is logged and shown to admins on the user administration page.
- The client address is the connection's, or — only when the connection comes from a proxy
  named in ``Settings.trusted_proxies`` — the one that proxy gives in ``X-Forwarded-For``
  (``web.serving``).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, joinedload

from config.settings import get_settings
from models.people import User
from models.web import ApiToken, LoginAttempt, WebSession
from services.directory import user_by_username
from services.security import hash_password, verify_password

log = logging.getLogger("web.auth")

SESSION_COOKIE = "complaints_session"
LOGIN_COOKIE = "complaints_login"
SESSION_IDLE = timedelta(hours=8)
SESSION_MAX = timedelta(hours=12)
SESSION_TOUCH = timedelta(minutes=5)  # how stale last_seen_at may be before it is written
API_TOKEN_LIFETIME = timedelta(hours=24)

# Sign-in throttling (OWASP: per account and per source, growing delays, no lock-out). Failures
# older than the window are forgotten. After the free failures of a kind, the next attempt must
# wait FIRST_DELAY after the last failure, doubling with each further failure up to MAX_DELAY.
ATTEMPT_WINDOW = timedelta(minutes=15)
FIRST_DELAY = timedelta(seconds=2)
MAX_DELAY = timedelta(seconds=60)
# One account from one client address (after its last success there): guessing one password.
FREE_PER_ACCOUNT_AND_CLIENT = 5
# One client address, whatever the account: trying a password on many accounts.
FREE_PER_CLIENT = 10
# One account from all addresses: the delay applies to each address that has failed on that
# account, never to one that has not, so the real user from another address still signs in.
FREE_PER_ACCOUNT = 10
# So many failures for one account, or from one address, in the window is a burst: it is logged
# as a warning and shown to admins at the top of the user administration page.
BURST = 20

_PROCESS_SECRET = secrets.token_bytes(32)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified against when the username is unknown, so that both cases take the same time."""
    return hash_password(secrets.token_urlsafe(16))


def secret_key() -> bytes:
    """``Settings.secret_key`` (``COMPLAINTS_SECRET_KEY``), else a random key for this process
    (one web process only: with several, or after a restart, open sign-in forms are refused
    once and must be reloaded)."""

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


def throttle_delay(failures: int, free: int) -> timedelta:
    """How long after the last of ``failures`` the next attempt must wait."""
    if failures < free:
        return timedelta(0)
    return min(FIRST_DELAY * 2 ** min(failures - free, 16), MAX_DELAY)


def _failures(
    session: Session, since: datetime, *conditions: object
) -> tuple[int, datetime | None]:
    count, last = session.execute(
        select(func.count(LoginAttempt.id), func.max(LoginAttempt.attempted_at)).where(
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.attempted_at > since,
            *conditions,  # type: ignore[arg-type]
        )
    ).one()
    return int(count), last


def check_rate_limit(session: Session, *, username: str, client: str, now: datetime) -> None:
    """Raise ``RateLimited`` (with the seconds to wait) while this attempt must wait."""
    since = now - ATTEMPT_WINDOW
    last_success = session.scalar(
        select(func.max(LoginAttempt.attempted_at)).where(
            LoginAttempt.succeeded.is_(True),
            LoginAttempt.username == username,
            LoginAttempt.client == client,
        )
    )
    pair_since = max(since, last_success) if last_success else since
    pair = _failures(
        session, pair_since, LoginAttempt.username == username, LoginAttempt.client == client
    )
    checks = [(pair, FREE_PER_ACCOUNT_AND_CLIENT)]
    checks.append((_failures(session, since, LoginAttempt.client == client), FREE_PER_CLIENT))
    if pair[0]:  # this address has failed on this account: the account's delay applies to it
        account = _failures(session, since, LoginAttempt.username == username)
        checks.append((account, FREE_PER_ACCOUNT))
    wait = timedelta(0)
    for (count, last), free in checks:
        if last is not None:
            wait = max(wait, last + throttle_delay(count, free) - now)
    if wait > timedelta(0):
        raise RateLimited(math.ceil(wait.total_seconds()))


def _note_burst(session: Session, *, username: str, client: str, now: datetime) -> None:
    """Log a burst when this failure makes the account's, or the address's, count reach it."""
    since = now - ATTEMPT_WINDOW
    for what, condition in (
        (f"account {username!r}", LoginAttempt.username == username),
        (f"client {client}", LoginAttempt.client == client),
    ):
        count, _ = _failures(session, since, condition)
        if count == BURST:
            log.warning(
                "sign-in burst: %d failed sign-ins for %s within %d minutes",
                count,
                what,
                ATTEMPT_WINDOW.total_seconds() // 60,
            )


@dataclass(frozen=True)
class Burst:
    """Many failed sign-ins for one account, or from one address, shown to admins."""

    kind: str  # "account" or "client"
    name: str
    failures: int
    addresses: int
    last: datetime


BURST_SHOWN_FOR = timedelta(hours=24)


def sign_in_bursts(session: Session, *, now: datetime) -> list[Burst]:
    """Accounts and addresses with at least ``BURST`` failed sign-ins within the last
    ``BURST_SHOWN_FOR`` (a coarse reading of the window: what an admin should look into)."""
    since = now - BURST_SHOWN_FOR
    failed = (LoginAttempt.succeeded.is_(False), LoginAttempt.attempted_at > since)
    found = []
    for kind, column, other in (
        ("account", LoginAttempt.username, LoginAttempt.client),
        ("client", LoginAttempt.client, LoginAttempt.username),
    ):
        rows = session.execute(
            select(
                column,
                func.count(LoginAttempt.id),
                func.count(func.distinct(other)),
                func.max(LoginAttempt.attempted_at),
            )
            .where(*failed)
            .group_by(column)
            .having(func.count(LoginAttempt.id) >= BURST)
            .order_by(func.max(LoginAttempt.attempted_at).desc())
        ).all()
        found += [
            Burst(kind, str(name), int(n), int(spread), last) for name, n, spread, last in rows
        ]
    return found


def authenticate(
    session: Session, *, username: str, password: str, client: str, via: str, now: datetime
) -> User | None:
    """The active user with this password, or None. The attempt is stored and logged either
    way (the caller commits). Raises ``RateLimited`` before checking while it must wait."""
    try:
        check_rate_limit(session, username=username, client=client, now=now)
    except RateLimited as limited:
        log.warning(
            "sign-in refused (rate limit, wait %d s) username=%r client=%s via=%s",
            limited.retry_after,
            username,
            client,
            via,
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
    session.flush()
    _note_burst(session, username=username[:64], client=client[:64], now=now)
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
