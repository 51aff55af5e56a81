"""Password guessing at the staff login is throttled per account and per client address: after too many
failures in the window a 429 with Retry-After, right password or not, held in the database so that every
API process refuses alike; nothing in the count says who tried."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.main import create_app
from api.throttling import AuthFailure
from tests.web_helpers import login

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"login_failures_per_account": 3, "login_failures_per_address": 5})


@pytest.fixture
def browser_at(app):
    """`browser_at("10.0.0.1")`: a browser whose requests come from that client address."""
    opened: list[TestClient] = []

    def open_at(address: str, on=None) -> TestClient:  # noqa: ANN001 - another app instance
        browser = TestClient(on or app, base_url="https://testserver", client=(address, 50000))
        opened.append(browser.__enter__())
        return browser

    yield open_at
    for browser in opened:
        browser.__exit__(None, None, None)


def test_one_address_guessing_many_accounts_is_refused_after_its_limit_with_retry_after(browser_at, make):
    km, _ = make.staff()
    guesser, office = browser_at("203.0.113.9"), browser_at("198.51.100.7")
    with time_machine.travel(START, tick=False):
        for n in range(5):
            assert login(guesser, f"guess{n}@gemeente.example", "wrong").status_code == 401
        refused = login(guesser, km.email)  # the right password of a real account, from that address
        assert refused.status_code == 429 and refused.headers["Retry-After"] == str(15 * 60)
        assert "inb_session" not in guesser.cookies
        assert login(office, km.email).status_code == 303  # other addresses log in as before
    with time_machine.travel(START + timedelta(minutes=10), tick=False):
        assert login(guesser, km.email).headers["Retry-After"] == str(5 * 60)
    with time_machine.travel(START + timedelta(minutes=15, seconds=1), tick=False):
        assert login(guesser, km.email).status_code == 303


def test_one_account_guessed_from_many_addresses_is_refused_after_its_limit(browser_at, make):
    km, _ = make.staff()
    with time_machine.travel(START, tick=False):
        for n in range(3):
            assert login(browser_at(f"203.0.113.{n}"), km.email, "wrong").status_code == 401
        refused = login(browser_at("198.51.100.7"), km.email)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) == 15 * 60


def test_a_successful_login_clears_the_accounts_count_but_not_the_addresss(browser_at, make):
    km, _ = make.staff()
    browser = browser_at("203.0.113.9")
    with time_machine.travel(START, tick=False):
        for _ in range(2):
            assert login(browser, km.email, "wrong").status_code == 401
        assert login(browser, km.email).status_code == 303
        for _ in range(2):
            assert login(browser_at("203.0.113.9"), km.email, "wrong").status_code == 401
        assert login(browser_at("203.0.113.9"), km.email).status_code == 303  # 2 of 3 again, not 4
        assert login(browser_at("203.0.113.9"), "other@gemeente.example", "wrong").status_code == 401
        assert login(browser_at("203.0.113.9"), km.email).status_code == 429  # the address: 5 of 5


def test_the_count_holds_across_api_processes(browser_at, make, settings, database):
    km, _ = make.staff()
    other_process = create_app(settings, type(database)(database.url))  # its own engine and pool
    with time_machine.travel(START, tick=False):
        for n in range(3):
            assert login(browser_at(f"203.0.113.{n}"), km.email, "wrong").status_code == 401
        assert login(browser_at("198.51.100.7", on=other_process), km.email).status_code == 429
    other_process.state.db.engine.dispose()


def test_the_count_keeps_no_email_or_client_address(browser_at, make, db):
    km, _ = make.staff()
    with time_machine.travel(START, tick=False):
        login(browser_at("203.0.113.9"), km.email, "wrong")
    keys = db.scalars(select(AuthFailure.key)).all()
    assert sorted(k.split(":")[0] for k in keys) == ["account", "address"]
    assert not [k for k in keys if km.email in k or "203.0.113.9" in k]


def test_old_failures_are_forgotten(browser_at, make, db):
    with time_machine.travel(START, tick=False):
        login(browser_at("203.0.113.9"), "a@gemeente.example", "wrong")
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        login(browser_at("203.0.113.9"), "b@gemeente.example", "wrong")
    assert len(db.scalars(select(AuthFailure)).all()) == 2  # only the latest attempt's two keys
