"""Staff sign in through the municipality's identity provider (OpenID Connect, ADR 0015).

The provider is a real HTTP server on 127.0.0.1 (tests/oidc_double.py) that issues RS256-signed ID tokens;
the browser is a TestClient whose redirects to the provider go over HTTP and come back into the app.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import get_args
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import time_machine
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select

from api.audit.models import AuditEvent
from api.main import create_app
from api.settings import Settings, StaffRole
from api.staff.models import Role, Staff
from api.web import oidc
from api.web.models import OidcLogin, StaffSession
from tests.oidc_double import CLIENT_ID, CLIENT_SECRET, OidcDouble, Person
from tests.test_logs import lines  # noqa: F401 - the fixture, used by name
from tests.web_helpers import PASSWORD, login, open_browsers, post_form

GROUPS = {
    "gg-inburgering-km": "klantmanager",
    "gg-inburgering-coord": "coordinator",
    "gg-ict-beheer": "admin",
}
PUBLIC = "https://assistent.example.nl"
REFUSED_TOKEN = "klopte niet"


@pytest.fixture(scope="module")
def provider():
    double = OidcDouble().start()
    yield double
    double.stop()


@pytest.fixture(autouse=True)
def _fresh_provider(provider):
    provider.person = None
    provider.tamper = {}
    provider.state_override = None
    provider.end_session = True
    for log in (provider.authorize_requests, provider.token_requests, provider.logouts):
        log.clear()
    oidc.forget_provider_documents()
    yield
    oidc.forget_provider_documents()


def fatima(**changes) -> Person:
    """A klantmanager as the provider knows her; `changes` override her claims."""
    return Person(
        **{"sub": "f-1", "email": "fatima@gemeente.example", "groups": ["gg-inburgering-km"], **changes}
    )


def sso_settings(settings: Settings, provider: OidcDouble, **changes) -> dict:
    return {
        "oidc_issuer": provider.issuer,
        "oidc_provider_name": "Gemeente Heerenveen",
        "oidc_client_id": CLIENT_ID,
        "oidc_client_secret": CLIENT_SECRET,
        "oidc_role_groups": GROUPS,
        **changes,
    }


@pytest.fixture
def settings(settings, provider):  # the suite's settings, with single sign-on at the double
    return settings.model_copy(update=sso_settings(settings, provider))


@pytest.fixture
def web(app):
    yield from open_browsers(app)


def configure(app, **changes) -> None:
    app.state.settings = app.state.settings.model_copy(update=changes)


def follow(
    browser: TestClient, response: httpx.Response, provider: OidcDouble, *, to_the_end: bool = False
) -> httpx.Response:
    """Follow redirects as a browser does: to the provider over HTTP, back to the app through the client.

    Returns the app's answer to the provider's callback (where the session cookie is set), or with
    `to_the_end` the first answer that is not a redirect.
    """
    for _ in range(10):
        answered_callback = response.request.url.path == oidc.CALLBACK_PATH
        if response.status_code not in (302, 303, 307) or (answered_callback and not to_the_end):
            return response
        location = response.headers["location"]
        if location.startswith(provider.url):
            response = httpx.get(location, follow_redirects=False, timeout=10)
            continue
        parts = urlsplit(location)
        assert not parts.netloc or location.startswith((PUBLIC, "https://testserver")), location
        response = browser.get(
            parts.path + (f"?{parts.query}" if parts.query else ""), follow_redirects=False
        )
    raise AssertionError("too many redirects")


def press_provider_button(browser: TestClient, provider: OidcDouble, next_path: str = "") -> httpx.Response:
    """Open the sign-in page, click "Inloggen via ...", and follow the provider back into the app."""
    page = browser.get("/ui/login" + (f"?next={next_path}" if next_path else ""))
    href = re.search(
        r'<a class="button primary" href="([^"]+)">Inloggen via Gemeente Heerenveen</a>', page.text
    )
    assert href, page.text
    return follow(browser, browser.get(href.group(1).replace("&amp;", "&"), follow_redirects=False), provider)


def audit_logins(db) -> list[AuditEvent]:
    db.expire_all()
    return db.scalars(select(AuditEvent).where(AuditEvent.action == "login").order_by(AuditEvent.id)).all()


# --- the way in ---------------------------------------------------------------------------------


def test_a_klantmanager_signs_in_through_the_provider_and_lands_on_the_inbox(web, make, db, provider):
    km, _ = make.staff(email="fatima@gemeente.example")
    provider.person = fatima(sub="f-1234", email="Fatima@Gemeente.example")
    browser = web()

    inbox = press_provider_button(browser, provider)

    assert inbox.status_code == 303 and inbox.headers["location"] == "/ui/"
    assert browser.get("/ui/", follow_redirects=True).url.path == "/ui/inbox"
    asked = provider.authorize_requests[-1]
    assert asked["redirect_uri"] == f"{PUBLIC}/ui/login/oidc/callback"
    assert (
        asked["code_challenge_method"] == "S256" and len(asked["state"]) >= 32 and len(asked["nonce"]) >= 32
    )
    assert set(asked["scope"].split()) == {"openid", "email", "profile"}
    exchanged = provider.token_requests[-1]
    assert exchanged["authorization"] == "Basic" and len(exchanged["code_verifier"]) >= 43
    db.expire_all()
    linked = db.get(Staff, km.id)
    assert (linked.oidc_issuer, linked.oidc_subject) == (provider.issuer, "f-1234")
    session = db.scalar(select(StaffSession).where(StaffSession.staff_id == km.id))
    assert session.id_token and session.id_token.count(".") == 2
    assert db.scalar(select(OidcLogin)) is None  # the sign-in under way is used up
    [event] = audit_logins(db)
    assert (event.actor, event.result, event.detail["method"]) == (f"staff:{km.id}", "ok", "oidc")
    cookies = inbox.headers.get_list("set-cookie")
    assert any(c.startswith("inb_session=") and "Secure" in c and "HttpOnly" in c for c in cookies)
    assert any(c.startswith("inb_oidc=") and "Max-Age=0" in c for c in cookies)


def test_a_sign_in_logs_ids_and_never_a_token_code_secret_or_address(web, make, db, provider, lines):  # noqa: F811
    make.staff(email="fatima@gemeente.example")
    provider.person = fatima()
    press_provider_button(web(), provider)
    id_token = db.scalar(select(StaffSession)).id_token
    asked, exchanged = provider.authorize_requests[-1], provider.token_requests[-1]
    written = lines.text()
    for secret in (
        id_token.split(".")[1],
        exchanged["code"],
        exchanged["code_verifier"],
        asked["state"],
        asked["nonce"],
        CLIENT_SECRET,
        "fatima@gemeente.example",
    ):
        assert secret not in written
    assert {"oidc_login_started", "oidc_account_linked", "web_login"} <= {line["event"] for line in lines()}


def test_the_sign_in_page_offers_the_provider_and_the_password_form_in_development(web):
    page = web().get("/ui/login")
    assert "Inloggen via Gemeente Heerenveen" in page.text and 'name="password"' in page.text


def test_the_sign_in_returns_to_the_page_that_asked_for_it(web, make, provider):
    make.staff(email="fatima@gemeente.example")
    provider.person = fatima()
    landed = press_provider_button(web(), provider, next_path="/ui/tasks")
    assert landed.headers["location"] == "/ui/tasks"


def test_an_account_is_found_by_its_subject_once_linked_even_when_the_email_changed(web, make, db, provider):
    km, _ = make.staff(email="fatima@gemeente.example")
    provider.person = fatima()
    assert press_provider_button(web(), provider).status_code == 303
    provider.person = fatima(email="f.devries@heerenveen.example")
    assert press_provider_button(web(), provider).status_code == 303
    assert [e.object_id for e in audit_logins(db)] == [str(km.id), str(km.id)]
    assert len(db.scalars(select(Staff)).all()) == 1


@pytest.mark.parametrize(
    ("email", "verified"),
    [("fatima@gemeente.example", False), (None, True), ("iemand.anders@gemeente.example", True)],
    ids=["unverified-email", "no-email", "unknown-email"],
)
def test_without_a_verified_matching_email_nobody_is_signed_in(web, make, db, provider, email, verified):
    km, _ = make.staff(email="fatima@gemeente.example")
    provider.person = fatima(email=email, email_verified=verified)
    refused = press_provider_button(web(), provider)
    assert refused.status_code == 403
    assert "Er is nog geen account voor jou in de inburgering assistent." in refused.text
    db.expire_all()
    assert db.get(Staff, km.id).oidc_subject is None
    [event] = audit_logins(db)
    assert (event.result, event.detail["reason"]) == ("denied", "no_account")
    assert event.actor.startswith("oidc:") and "f-1" not in event.actor


@pytest.mark.parametrize("allowed", [True, False], ids=["creation-on", "creation-off"])
def test_a_first_sign_in_creates_an_account_only_when_the_setting_allows_it(app, web, db, provider, allowed):
    configure(app, oidc_create_accounts=allowed)
    provider.person = Person(
        sub="n-9", email="nieuw@gemeente.example", name="Noor Nieuw", groups=["gg-inburgering-coord"]
    )
    response = press_provider_button(web(), provider)
    created = db.scalar(select(Staff).where(Staff.email == "nieuw@gemeente.example"))
    if allowed:
        assert response.status_code == 303
        assert (created.name, created.role, created.oidc_subject) == ("Noor Nieuw", "coordinator", "n-9")
        assert created.password_hash is None
    else:
        assert response.status_code == 403 and created is None


def test_an_email_linked_to_another_subject_of_the_provider_is_refused(web, make, db, provider):
    make.staff(email="fatima@gemeente.example", oidc_issuer=provider.issuer, oidc_subject="f-1")
    provider.person = fatima(sub="someone-else")
    refused = press_provider_button(web(), provider)
    assert refused.status_code == 403 and "al aan iemand anders bij Gemeente Heerenveen" in refused.text
    assert audit_logins(db)[-1].detail["reason"] == "email_taken"


def test_a_deactivated_account_cannot_sign_in_through_the_provider(web, make, db, provider):
    make.staff(email="fatima@gemeente.example", active=False)
    provider.person = fatima()
    refused = press_provider_button(web(), provider)
    assert refused.status_code == 403 and "Je account is uitgeschakeld." in refused.text
    assert "inb_session" not in refused.headers.get("set-cookie", "")


# --- roles from the groups ----------------------------------------------------------------------


def test_the_groups_decide_the_role_at_every_sign_in(web, make, db, provider):
    km, _ = make.staff(email="fatima@gemeente.example")
    provider.person = fatima(groups=["gg-inburgering-coord", "x"])
    browser = web()
    assert press_provider_button(browser, provider).status_code == 303
    db.expire_all()
    assert db.get(Staff, km.id).role == "coordinator"
    assert browser.get("/ui/inbox").status_code == 403
    assert browser.get("/ui/broadcasts").status_code == 200
    change = db.scalar(select(AuditEvent).where(AuditEvent.action == "change_role"))
    assert change.detail == {"old": "klantmanager", "new": "coordinator"}

    provider.person.groups = ["gg-inburgering-km"]
    assert press_provider_button(web(), provider).status_code == 303
    assert browser.get("/ui/inbox").status_code == 200  # the role is the account's, in every session


def test_a_removed_group_refuses_the_next_sign_in_and_ends_the_sessions_already_open(web, make, db, provider):
    make.staff(email="fatima@gemeente.example")
    provider.person = fatima()
    at_the_desk, at_home = web(), web()
    assert press_provider_button(at_the_desk, provider).status_code == 303
    assert at_the_desk.get("/ui/inbox").status_code == 200

    provider.person.groups = ["gg-alle-medewerkers"]
    refused = press_provider_button(at_home, provider)

    assert refused.status_code == 403
    assert (
        "Je account bij Gemeente Heerenveen geeft geen toegang tot de inburgering assistent." in refused.text
    )
    assert refused.headers["content-type"].startswith("text/html") and '<html lang="nl">' in refused.text
    after = at_the_desk.get("/ui/inbox", follow_redirects=False)
    assert after.status_code == 303 and after.headers["location"].startswith("/ui/login")
    assert audit_logins(db)[-1].detail["reason"] == "no_role"


def test_groups_for_two_different_roles_are_refused(web, make, db, provider):
    make.staff(email="fatima@gemeente.example")
    provider.person = fatima(groups=["gg-inburgering-km", "gg-ict-beheer"])
    refused = press_provider_button(web(), provider)
    assert refused.status_code == 403 and "meer dan één rol" in refused.text
    assert audit_logins(db)[-1].detail["reason"] == "several_roles"


def test_the_role_values_a_setting_accepts_are_the_staff_roles():
    assert set(get_args(StaffRole)) == {role.value for role in Role}
    with pytest.raises(ValidationError, match="oidc_role_groups"):
        Settings(oidc_role_groups={"gg-x": "superuser"})


# --- answers that are refused -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tamper", "check"),
    [
        ({"nonce": "a-nonce-from-another-sign-in"}, "nonce"),
        ({"iss": "https://login.elders.example"}, "iss"),
        ({"aud": "another-client"}, "aud"),
        ({"aud": [CLIENT_ID, "another-client"], "azp": "another-client"}, "azp"),
        ({"exp": lambda now: now - 3600, "iat": lambda now: now - 3900}, "exp"),
        ({"iat": lambda now: now + 3600}, "iat"),
        ({"sub": None}, "sub"),
        ({"at_hash": "AAAAAAAAAAAAAAAAAAAAAA"}, "at_hash"),
        ({"sign_with": "foreign"}, "signature"),
        ({"sign_with": "hs256"}, "signature"),
    ],
    ids=[
        "wrong-nonce",
        "wrong-issuer",
        "wrong-audience",
        "issued-to-another-party",
        "expired",
        "issued-in-the-future",
        "no-subject",
        "wrong-at-hash",
        "foreign-signature",
        "signed-with-the-client-secret",
    ],
)
def test_an_id_token_that_fails_a_check_signs_nobody_in(web, make, db, provider, tamper, check):
    km, _ = make.staff(email="fatima@gemeente.example")
    provider.person = fatima()
    provider.tamper = tamper
    browser = web()
    refused = press_provider_button(browser, provider)
    assert refused.status_code == 401 and REFUSED_TOKEN in refused.text
    assert provider.token_requests, "the code was exchanged; the ID token was refused"
    assert "inb_session" not in browser.cookies
    db.expire_all()
    assert db.get(Staff, km.id).oidc_subject is None and db.scalar(select(StaffSession)) is None
    assert audit_logins(db)[-1].detail == {"method": "oidc", "reason": "token", "check": check}


def test_the_same_token_passes_once_the_tampering_stops(web, make, provider):
    """The control for the test above: the double's honest token is accepted."""
    make.staff(email="fatima@gemeente.example")
    provider.person = fatima()
    assert press_provider_button(web(), provider).headers["location"] == "/ui/"


def test_an_answer_with_another_state_is_refused_before_the_code_is_used(web, make, db, provider):
    make.staff(email="fatima@gemeente.example")
    provider.person = fatima()
    provider.state_override = "forged-state"
    refused = press_provider_button(web(), provider)
    assert refused.status_code == 400 and "Probeer het opnieuw." in refused.text
    assert provider.token_requests == []
    assert audit_logins(db)[-1].detail["reason"] == "state"


def _answer_url(browser: TestClient, provider: OidcDouble) -> str:
    """Start a sign-in in `browser` and return the provider's answer (the callback URL) without using it."""
    start = browser.get("/ui/login/oidc", follow_redirects=False)
    back = httpx.get(start.headers["location"], follow_redirects=False)
    parts = urlsplit(back.headers["location"])
    return f"{parts.path}?{parts.query}"


def test_an_answer_opened_in_a_browser_that_did_not_start_the_sign_in_is_refused(web, make, provider):
    make.staff(email="fatima@gemeente.example")
    provider.person = fatima()
    answer = _answer_url(web(), provider)
    refused = web().get(answer)  # e.g. a link an attacker sends, to sign the victim in as the attacker
    assert refused.status_code == 400 and "in een ander venster begonnen" in refused.text
    assert provider.token_requests == []


def test_an_answer_is_used_once(web, make, provider):
    make.staff(email="fatima@gemeente.example")
    provider.person = fatima()
    browser = web()
    answer = _answer_url(browser, provider)
    assert browser.get(answer, follow_redirects=False).status_code == 303
    browser.cookies.clear()
    assert browser.get(answer, follow_redirects=False).status_code == 400


def test_a_sign_in_left_at_the_provider_for_more_than_ten_minutes_is_refused(web, make, provider):
    make.staff(email="fatima@gemeente.example")
    provider.person = fatima()
    browser = web()
    answer = _answer_url(browser, provider)
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=11)):
        refused = browser.get(answer, follow_redirects=False)
    assert refused.status_code == 400 and provider.token_requests == []


def test_cancelling_at_the_provider_shows_a_dutch_page(web, db, provider):
    provider.person = None  # the provider answers access_denied
    refused = press_provider_button(web(), provider)
    assert refused.status_code == 401
    assert "Het inloggen is afgebroken bij Gemeente Heerenveen." in refused.text
    assert audit_logins(db)[-1].detail["reason"] == "cancelled"


def test_a_provider_that_does_not_answer_gets_a_page_saying_so(app, web):
    configure(app, oidc_discovery_url="http://127.0.0.1:9/.well-known/openid-configuration")
    refused = web().get("/ui/login/oidc", follow_redirects=False)
    assert refused.status_code == 503
    assert "Gemeente Heerenveen is nu niet bereikbaar." in refused.text


def test_a_discovery_document_of_another_issuer_is_not_used(app, web, provider):
    configure(app, oidc_issuer="https://login.gemeente.example")
    configure(app, oidc_discovery_url=f"{provider.url}/.well-known/openid-configuration")
    assert web().get("/ui/login/oidc", follow_redirects=False).status_code == 503


def test_without_single_sign_on_there_is_no_button_and_no_provider_route(app, web):
    configure(app, oidc_issuer="")
    browser = web()
    assert "Inloggen via" not in browser.get("/ui/login").text
    assert browser.get("/ui/login/oidc", follow_redirects=False).status_code == 404
    assert browser.get("/ui/login/oidc/callback?state=x&code=y").status_code == 404


# --- the second factor is the provider's --------------------------------------------------------


@pytest.mark.parametrize(
    ("acr", "amr", "signed_in"),
    [
        ("urn:gemeente:loa:substantial", None, True),
        ("urn:gemeente:loa:low", None, False),
        (None, None, False),
    ],
    ids=["required-acr", "weaker-acr", "no-acr"],
)
def test_a_required_authentication_context_is_asked_for_and_checked(
    app, web, make, provider, acr, amr, signed_in
):
    configure(app, oidc_acr_values="urn:gemeente:loa:substantial urn:gemeente:loa:high")
    make.staff(email="fatima@gemeente.example")
    provider.person = fatima(acr=acr)
    response = press_provider_button(web(), provider)
    assert (
        provider.authorize_requests[-1]["acr_values"] == "urn:gemeente:loa:substantial urn:gemeente:loa:high"
    )
    assert response.status_code == (303 if signed_in else 403)
    if not signed_in:
        assert "zonder tweede stap" in response.text


@pytest.mark.parametrize(
    ("amr", "signed_in"), [(["pwd", "otp", "mfa"], True), (["pwd"], False), (None, False)]
)
def test_required_authentication_methods_must_all_be_named(app, web, make, provider, amr, signed_in):
    configure(app, oidc_required_amr="mfa")
    make.staff(email="fatima@gemeente.example")
    provider.person = fatima(amr=amr)
    assert press_provider_button(web(), provider).status_code == (303 if signed_in else 403)


# --- the way out --------------------------------------------------------------------------------


def test_logout_ends_our_session_and_the_providers(web, make, db, provider):
    make.staff(email="fatima@gemeente.example")
    provider.person = fatima()
    browser = web()
    press_provider_button(browser, provider)
    id_token = db.scalar(select(StaffSession)).id_token

    out = post_form(browser, "/ui/inbox", "/ui/logout")

    assert out.status_code == 303 and out.headers["location"].startswith(f"{provider.url}/logout?")
    sent = parse_qs(urlsplit(out.headers["location"]).query)
    assert sent == {
        "id_token_hint": [id_token],
        "post_logout_redirect_uri": [f"{PUBLIC}/ui/login"],
        "client_id": [CLIENT_ID],
    }
    assert db.scalar(select(StaffSession)) is None
    landed = follow(browser, out, provider, to_the_end=True)
    assert landed.status_code == 200 and "Inloggen via Gemeente Heerenveen" in landed.text
    assert len(provider.logouts) == 1


def test_logout_stays_with_us_when_the_provider_has_no_logout_endpoint(web, make, provider):
    provider.end_session = False
    make.staff(email="fatima@gemeente.example")
    provider.person = fatima()
    browser = web()
    press_provider_button(browser, provider)
    assert post_form(browser, "/ui/inbox", "/ui/logout").headers["location"] == "/ui/login"


def test_a_password_session_logs_out_without_visiting_the_provider(web, make, provider):
    km, _ = make.staff()
    browser = web(km)
    assert post_form(browser, "/ui/inbox", "/ui/logout").headers["location"] == "/ui/login"
    assert provider.logouts == []


# --- production: password login off unless allowed ---------------------------------------------

PRODUCTION = {
    "environment": "production",
    "simulator_enabled": False,
    "municipality_phone": "14 0513",
    "public_base_url": PUBLIC,
    "case_api_admin_token": "admin-token-4f1c9a7e2b8d6f3a5c0e9b1d",
    "bot_service_token": "bot-token-8e2d4c6a0f9b7d5e3c1a2b4d6f",
    "session_secret": "session-secret-1a3c5e7f9b2d4f6a8c0e2a4c",
    "rasa_jwt_secret": "rasa-jwt-secret-7b9d1f3a5c7e9b1d3f5a7c9e",
}


@pytest.fixture
def production(database):
    """`production(**changes)`: a browser on the app with production settings (SSO at an https issuer)."""
    opened: list[TestClient] = []

    def open_production(**changes) -> TestClient:
        settings = Settings(
            **PRODUCTION,
            database_url=database.url,
            oidc_issuer="https://login.gemeente.example",
            oidc_provider_name="Gemeente Heerenveen",
            oidc_client_id=CLIENT_ID,
            oidc_client_secret=CLIENT_SECRET,
            oidc_role_groups=GROUPS,
            **changes,
        )
        browser = TestClient(create_app(settings, database), base_url=PUBLIC, raise_server_exceptions=False)
        opened.append(browser.__enter__())
        return browser

    yield open_production
    for browser in opened:
        browser.__exit__(None, None, None)


def test_password_login_is_refused_in_production(production, make, db):
    km, _ = make.staff()
    browser = production()
    page = browser.get("/ui/login")
    assert 'name="password"' not in page.text and "Inloggen via Gemeente Heerenveen" in page.text
    refused = browser.post(
        "/ui/login",
        data={"email": km.email, "password": PASSWORD, "csrf_token": browser.cookies.get("inb_login_csrf")},
        follow_redirects=False,
    )
    assert refused.status_code == 403 and "Inloggen met een wachtwoord staat uit." in refused.text
    assert "inb_session" not in browser.cookies and db.scalar(select(StaffSession)) is None
    assert audit_logins(db)[-1].detail == {"reason": "password_login_off"}


def test_password_login_works_in_production_only_when_explicitly_allowed(production, make):
    km, _ = make.staff()
    browser = production(password_login_in_production=True)
    assert login(browser, km.email).status_code == 303


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"oidc_issuer": "http://login.gemeente.example"}, "OIDC_ISSUER must be an https URL"),
        ({"oidc_client_secret": ""}, "OIDC_CLIENT_ID and OIDC_CLIENT_SECRET must be set"),
        ({"oidc_role_groups": {}}, "OIDC_ROLE_GROUPS must map at least one group"),
        ({"oidc_client_secret": "kort"}, "OIDC_CLIENT_SECRET must be at least 32 characters"),
        ({"oidc_client_secret": PRODUCTION["session_secret"]}, "must be different secrets"),
    ],
    ids=["http-issuer", "no-secret", "no-groups", "short-secret", "shared-secret"],
)
def test_production_refuses_single_sign_on_that_is_half_configured(changes, problem):
    settings = {
        **PRODUCTION,
        "oidc_issuer": "https://login.gemeente.example",
        "oidc_client_id": CLIENT_ID,
        "oidc_client_secret": CLIENT_SECRET,
        "oidc_role_groups": GROUPS,
    }
    with pytest.raises(ValidationError, match=problem):
        Settings(**{**settings, **changes})
    assert Settings(**settings).oidc_client_secret in Settings(**settings).secret_values
