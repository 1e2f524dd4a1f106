"""Sign-in form tokens (Art. 5(4) staff access): signed with the configured key, so that every
web process, and the same process after a restart, accepts a form another one served."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator

import pytest

from config.settings import get_settings
from web.security import login_csrf_token, secret_key


@pytest.fixture
def configured_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("COMPLAINTS_SECRET_KEY", "shared-key-of-all-web-processes")
    get_settings.cache_clear()
    yield "shared-key-of-all-web-processes"
    get_settings.cache_clear()


def test_the_configured_key_signs_the_sign_in_form(configured_key: str) -> None:
    expected = hmac.new(configured_key.encode(), b"login:nonce-1", hashlib.sha256).hexdigest()
    assert login_csrf_token("nonce-1") == expected


def test_without_a_key_each_process_draws_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COMPLAINTS_SECRET_KEY", raising=False)
    get_settings.cache_clear()
    try:
        assert len(secret_key()) == 32
        assert login_csrf_token("nonce-1") == login_csrf_token("nonce-1")
        assert login_csrf_token("nonce-1") != login_csrf_token("nonce-2")
    finally:
        get_settings.cache_clear()


def test_the_key_is_never_shown_in_the_settings(configured_key: str) -> None:
    assert configured_key not in repr(get_settings())
