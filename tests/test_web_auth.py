"""Staff login in the web UI: passwords, session cookies, CSRF, idle timeout, logout, language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from api.audit.models import AuditEvent
from api.web.models import StaffSession
from tests.web_helpers import csrf_of, login, open_browsers, post_form

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def web(app):
    yield from open_browsers(app)


def test_login_sets_a_httponly_samesite_secure_session_cookie_and_lands_on_the_inbox(web, make):
    km, _ = make.staff()
    browser = web()
    response = login(browser, km.email)
    assert response.status_code == 303 and response.headers["location"] == "/ui/"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("inb_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie
    inbox = browser.get("/ui/", follow_redirects=True)
    assert inbox.url.path == "/ui/inbox" and "<h1>Inbox</h1>" in inbox.text
    assert inbox.headers["cache-control"] == "no-store"
    assert "default-src 'self'" in inbox.headers["content-security-policy"]


def test_session_cookie_is_not_secure_when_the_public_url_is_plain_http(app, web, make):
    app.state.settings = app.state.settings.model_copy(update={"public_base_url": "http://127.0.0.1:8000"})
    km, _ = make.staff()
    response = login(web(), km.email)
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("inb_session="))
    assert "Secure" not in cookie and "HttpOnly" in cookie


def test_the_session_token_is_stored_only_as_a_hash(web, make, db):
    km, _ = make.staff()
    browser = web(km)
    token = browser.cookies.get("inb_session")
    row = db.scalar(select(StaffSession))
    assert row.staff_id == km.id and token and row.token_hash != token and len(row.token_hash) == 64


@pytest.mark.parametrize(
    ("email", "password"),
    [("wrong@gemeente.example", "correct horse battery"), (None, "wrong password")],
    ids=["unknown-email", "wrong-password"],
)
def test_a_failed_login_says_nothing_about_which_part_was_wrong_and_is_audited(
    web, make, db, email, password
):
    km, _ = make.staff()
    browser = web()
    response = login(browser, email or km.email, password)
    assert response.status_code == 401
    assert "E-mailadres of wachtwoord klopt niet." in response.text
    assert "inb_session" not in browser.cookies
    denied = db.scalars(select(AuditEvent).where(AuditEvent.action == "login")).all()
    assert [e.result for e in denied] == ["denied"]


def test_five_wrong_passwords_lock_the_address_for_a_quarter_even_for_the_right_password(
    web, make, db, settings
):
    km, _ = make.staff()
    colleague, _ = make.staff()
    browser = web()
    with time_machine.travel(START, tick=False):
        for _ in range(settings.login_failures_per_account):
            assert login(browser, km.email, "guess").status_code == 401
        locked = login(browser, km.email.upper())  # the right password, the address typed differently
        assert locked.status_code == 429
        assert "Te vaak een verkeerd wachtwoord" in locked.text
        assert "inb_session" not in browser.cookies
        assert login(web(), colleague.email).status_code == 303  # only this address is locked
    with time_machine.travel(START + timedelta(minutes=10), tick=False):
        assert login(browser, km.email).status_code == 429  # refused attempts do not extend the lock
    window = timedelta(minutes=settings.login_failure_window_minutes)
    with time_machine.travel(START + window + timedelta(seconds=1), tick=False):
        assert login(browser, km.email).status_code == 303
    refused = db.scalars(select(AuditEvent).where(AuditEvent.action == "login_locked")).all()
    assert [e.object_id for e in refused] == [str(km.id), str(km.id)]
    assert all(km.email not in e.actor for e in refused)


def test_an_unknown_address_locks_the_same_way_so_locking_reveals_no_account(web, make, settings):
    browser = web()
    with time_machine.travel(START, tick=False):
        for _ in range(settings.login_failures_per_account):
            assert login(browser, "nobody@gemeente.example", "guess").status_code == 401
        assert login(browser, "nobody@gemeente.example", "guess").status_code == 429


def test_an_inactive_staff_member_cannot_log_in(web, make):
    km, _ = make.staff(active=False)
    assert login(web(), km.email).status_code == 401


def test_the_login_form_refuses_a_post_without_its_csrf_token(web, make):
    km, _ = make.staff()
    browser = web()
    browser.get("/ui/login")
    response = browser.post(
        "/ui/login",
        data={"email": km.email, "password": "correct horse battery", "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert "inb_session" not in browser.cookies


def test_empty_login_fields_get_a_form_error_not_a_crash(web):
    browser = web()
    form = browser.get("/ui/login")
    response = browser.post("/ui/login", data={"csrf_token": csrf_of(form.text)}, follow_redirects=False)
    assert response.status_code == 400
    assert "Vul je e-mailadres en wachtwoord in." in response.text


def test_pages_behind_the_login_redirect_to_it_and_come_back_after(web, make):
    km, _ = make.staff()
    browser = web()
    response = browser.get("/ui/tasks", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/ui/login?next=/ui/tasks"
    form = browser.get(response.headers["location"])
    assert 'name="next" value="/ui/tasks"' in form.text
    assert login(browser, km.email, next_path="/ui/tasks").headers["location"] == "/ui/tasks"


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/ui/", "/api/v1/inburgeraars", "/ui\\..\\x"],
    ids=["absolute-url", "protocol-relative", "outside-ui", "backslash"],
)
def test_login_never_redirects_outside_the_ui(web, make, target):
    km, _ = make.staff()
    assert login(web(), km.email, next_path=target).headers["location"] == "/ui/"


@pytest.mark.parametrize(
    ("path", "data"),
    [("/ui/logout", {}), ("/ui/language", {"language": "en"}), ("/ui/tasks/1/done", {})],
    ids=["logout", "language", "task-done"],
)
def test_every_post_without_the_session_csrf_token_is_refused(web, make, path, data):
    km, _ = make.staff()
    browser = web(km)
    for token in (None, "not-the-token"):
        form = dict(data, **({"csrf_token": token} if token else {}))
        response = browser.post(path, data=form, follow_redirects=False)
        assert response.status_code == 403
        assert "Het formulier is verlopen." in response.text
    assert browser.get("/ui/inbox").status_code == 200  # still logged in: nothing happened


def test_a_session_expires_after_the_idle_timeout_and_cannot_be_revived(web, make, db, settings):
    km, _ = make.staff()
    with time_machine.travel(START, tick=False) as traveller:
        browser = web(km)
        traveller.shift(timedelta(minutes=settings.session_timeout_minutes - 1))
        assert browser.get("/ui/inbox").status_code == 200  # activity keeps it alive
        traveller.shift(timedelta(minutes=settings.session_timeout_minutes - 1))
        assert browser.get("/ui/inbox").status_code == 200
        traveller.shift(timedelta(minutes=settings.session_timeout_minutes + 1))
        response = browser.get("/ui/inbox", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/ui/login?next=/ui/inbox&expired=1"
        assert "Je was een tijd niet actief." in browser.get(response.headers["location"]).text
        assert db.scalar(select(StaffSession)) is None


def test_a_busy_session_still_ends_after_twelve_hours(web, make):
    km, _ = make.staff()
    with time_machine.travel(START, tick=False) as traveller:
        browser = web(km)
        for _ in range(12 * 4):
            traveller.shift(timedelta(minutes=15))
            browser.get("/ui/inbox", follow_redirects=False)
        assert browser.get("/ui/inbox", follow_redirects=False).status_code == 303


def test_logout_ends_the_session_on_the_server_too(web, make, db):
    km, _ = make.staff()
    browser = web(km)
    token = browser.cookies.get("inb_session")
    response = post_form(browser, "/ui/inbox", "/ui/logout")
    assert response.status_code == 303 and response.headers["location"] == "/ui/login"
    assert db.scalar(select(StaffSession)) is None
    replay = web()
    replay.cookies.set("inb_session", token, domain="testserver")
    assert replay.get("/ui/inbox", follow_redirects=False).status_code == 303


def test_a_deactivated_staff_member_loses_their_open_session(web, make, db):
    km, _ = make.staff()
    browser = web(km)
    km.active = False
    db.commit()
    assert browser.get("/ui/inbox", follow_redirects=False).status_code == 303


def test_the_language_switch_is_kept_on_the_session(web, make):
    km, _ = make.staff()
    browser = web(km)
    assert '<html lang="nl">' in browser.get("/ui/inbox").text
    response = post_form(browser, "/ui/inbox", "/ui/language", {"language": "en", "next": "/ui/tasks"})
    assert response.headers["location"] == "/ui/tasks"
    assert '<html lang="en">' in browser.get("/ui/inbox").text
    post_form(browser, "/ui/inbox", "/ui/language", {"language": "xx"})
    assert '<html lang="nl">' in browser.get("/ui/inbox").text  # unknown languages fall back to Dutch


def test_the_login_page_has_labels_a_skip_link_and_a_language_attribute(web):
    html = web().get("/ui/login?lang=en").text
    assert '<html lang="en">' in html
    assert 'class="skip-link" href="#main"' in html and '<main id="main"' in html
    assert '<label for="email">' in html and '<label for="password">' in html
