"""Single sign-on in headless chromium: the "Inloggen via ..." button, the provider double, the inbox, the
logout at the provider, and the Dutch page for someone the provider gives no role; desktop and 390 px."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from api.db import Database
from api.localstack import free_port
from api.migrate import upgrade
from api.settings import Settings
from api.staff.models import Staff
from api.web import oidc
from tests.browser.conftest import AXE, axe_violations, screenshot, serving
from tests.oidc_double import CLIENT_ID, CLIENT_SECRET, OidcDouble, Person

pytestmark = pytest.mark.browser
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@dataclass
class SsoLive:
    url: str
    database: Database
    provider: OidcDouble


@pytest.fixture(scope="module")
def sso_live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SsoLive]:
    """The API with single sign-on at the provider double, and one klantmanager account."""
    provider = OidcDouble().start()
    port = free_port()
    url = f"sqlite:///{tmp_path_factory.mktemp('sso-browser') / 'case.sqlite3'}"
    upgrade(url)
    settings = Settings(
        environment="test",
        database_url=url,
        port=port,
        case_api_admin_token="sso-browser-admin-token",
        bot_service_token="sso-browser-bot-token",
        session_secret="sso-browser-session-secret",
        public_base_url=f"http://127.0.0.1:{port}",
        rasa_url="http://127.0.0.1:9",
        oidc_issuer=provider.issuer,
        oidc_provider_name="Gemeente Heerenveen",
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        oidc_role_groups={"gg-inburgering-km": "klantmanager"},
        log_level="WARNING",
    )
    database = Database(url)
    with database.session() as db:
        db.add(Staff(name="Fatima de Vries", email="fatima@gemeente.example", role="klantmanager"))
        db.commit()
    oidc.forget_provider_documents()
    try:
        with serving(settings, database):
            yield SsoLive(f"http://127.0.0.1:{port}", database, provider)
    finally:
        provider.stop()
        database.engine.dispose()


def _no_violations(page: Any, name: str) -> None:
    if AXE.exists():
        assert axe_violations(page, name) == []


def _sign_in_page(chromium: Any, sso_live: SsoLive, viewport: str) -> tuple[Any, Any]:
    context = chromium.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    page.goto(f"{sso_live.url}/ui/login")
    return context, page


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_klantmanager_clicks_the_provider_button_through_to_the_inbox_and_logs_out(
    chromium, sso_live, viewport
):
    sso_live.provider.person = Person(
        sub="f-1", email="fatima@gemeente.example", groups=["gg-inburgering-km"]
    )
    context, page = _sign_in_page(chromium, sso_live, viewport)
    button = page.get_by_role("link", name="Inloggen via Gemeente Heerenveen")
    assert button.is_visible()
    box = button.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= VIEWPORTS[viewport]["width"]  # no sideways scrolling
    screenshot(page, f"sso-login-{viewport}")
    _no_violations(page, f"sso-login-{viewport}")

    button.click()
    page.wait_for_url(f"{sso_live.url}/ui/inbox")

    assert page.get_by_role("heading", level=1).inner_text() == "Inbox"
    assert "Fatima de Vries" in page.locator(".who").inner_text()
    screenshot(page, f"sso-inbox-{viewport}")
    _no_violations(page, f"sso-inbox-{viewport}")

    logouts = len(sso_live.provider.logouts)
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url(f"{sso_live.url}/ui/login")
    assert len(sso_live.provider.logouts) == logouts + 1  # the provider's session ended too
    page.goto(f"{sso_live.url}/ui/inbox")
    assert page.url.startswith(f"{sso_live.url}/ui/login")
    context.close()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_someone_the_provider_gives_no_role_reads_why_in_dutch(chromium, sso_live, viewport):
    sso_live.provider.person = Person(
        sub="f-1", email="fatima@gemeente.example", groups=["gg-alle-medewerkers"]
    )
    context, page = _sign_in_page(chromium, sso_live, viewport)
    page.get_by_role("link", name="Inloggen via Gemeente Heerenveen").click()
    page.wait_for_url(f"{sso_live.url}/ui/login/oidc/callback**")
    assert page.get_by_role("heading", level=1).inner_text() == "Inloggen lukt niet"
    assert "geeft geen toegang tot de inburgering assistent" in page.get_by_role("alert").inner_text()
    screenshot(page, f"sso-refused-{viewport}")
    _no_violations(page, f"sso-refused-{viewport}")
    page.get_by_role("link", name="Terug naar inloggen").click()
    page.wait_for_url(f"{sso_live.url}/ui/login?lang=nl")
    context.close()
