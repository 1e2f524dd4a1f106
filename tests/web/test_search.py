"""Search (Art. 2(5)): a POST (no number in a URL or an access log), a phone matched only among
complaints whose customer the user sees unmasked (a masked number cannot be recovered by
guessing its hidden digits), a limit of searches per user, and a log line without the number."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from config.settings import get_settings
from web.ratelimit import SlidingWindow


def test_a_masked_phone_cannot_be_recovered_by_searching_for_it(api, browser, staff) -> None:
    reference = api.new_complaint(staff.owner, customer_phone="13712349876")
    # A colleague of the department sees the complaint, with the phone masked …
    page = browser.sign_in(staff.colleague).get(f"/complaints/{reference}").text
    assert "137****9876" in page and "13712349876" not in page
    # … and a search for the full number (one of the 10,000 guesses) names nothing.
    for guess in ("13712349876", "13700009876"):
        found = browser.post("/search", {"q": guess})
        assert found.status_code == 200 and reference not in found.text
    # Those who see the customer unmasked find it by phone.
    for user in (staff.owner, staff.manager, staff.leader):
        found = browser.sign_in(user).post("/search", {"q": "137 1234 9876"})
        assert reference in found.text, user.username
    # Compliance and admin see every complaint, masked: no match by phone either.
    for user in (staff.compliance, staff.admin):
        assert reference not in browser.sign_in(user).post("/search", {"q": "13712349876"}).text


def test_search_is_a_post_and_a_query_string_searches_nothing(api, browser, staff, caplog) -> None:
    reference = api.new_complaint(staff.owner, customer_phone="13712349876")
    browser.sign_in(staff.owner)
    page = browser.get("/search?q=13712349876")
    assert page.status_code == 200 and reference not in page.text
    assert "13712349876" not in page.text
    assert 'method="post" action="/search"' in page.text
    assert 'action="/search" method="post"' in browser.get("/my").text  # the header's form
    with caplog.at_level(logging.DEBUG):
        found = browser.post("/search", {"q": "13712349876"})
    assert reference in found.text
    assert "9876" not in caplog.text.replace(reference, "")
    refused = browser.post("/search", {"q": "13712349876"}, csrf=False)
    assert refused.status_code == 403  # a form of ours only (CSRF)


def test_searches_are_limited_per_user(api, browser, staff, monkeypatch, caplog) -> None:
    monkeypatch.setenv("COMPLAINTS_SEARCH_LIMIT", "3")
    get_settings.cache_clear()
    browser.sign_in(staff.colleague)
    for number in range(3):
        assert browser.post("/search", {"q": f"1370000{number:04d}"}).status_code == 200
    with caplog.at_level(logging.INFO):
        refused = browser.post("/search", {"q": "13700009999"})
    assert refused.status_code == 429
    assert "搜索过于频繁" in refused.text and int(refused.headers["Retry-After"]) > 0
    assert "9999" not in caplog.text and "search by colleague refused" in caplog.text
    # Another person is not held up by it.
    assert browser.sign_in(staff.owner).post("/search", {"q": "13700009999"}).status_code == 200


def test_the_window_slides() -> None:
    window, start = SlidingWindow(), datetime(2026, 12, 4, 9, tzinfo=UTC)
    ten = timedelta(minutes=10)
    for second in range(3):
        assert window.take("u", now=start + timedelta(seconds=second), limit=3, window=ten) is None
    assert window.take("u", now=start + timedelta(minutes=5), limit=3, window=ten) == 300
    assert window.take("v", now=start + timedelta(minutes=5), limit=3, window=ten) is None
    assert window.take("u", now=start + ten, limit=3, window=ten) is None
