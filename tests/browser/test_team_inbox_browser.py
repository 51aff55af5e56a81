"""A colleague covers an urgent question, in headless chromium (ADR 0019): klantmanager Anna is away; a crisis
message from her person Amina arrives through the simulator; colleague Bart, whose inbox is open on the
urgent view, sees it appear without reloading and takes it; Anna gets an e-mail (caught by a local SMTP
server) that it waits and another that a colleague took it. The coordinator hands a question to Bart, who is
mailed. The views, search and the stats page at desktop width and at 390 px, with axe.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from api.auth import hash_password
from api.db import utcnow
from api.people.models import Inburgeraar
from api.staff.models import Staff
from api.tasks.models import Escalation
from api.worker import staff_notifications
from tests.browser.conftest import AXE, Live, axe_violations, screenshot, serve
from tests.smtp_double import SmtpDouble

pytestmark = pytest.mark.browser
PASSWORD = "team-wachtwoord-browser"
CRISIS = "ik kan niet meer, ik wil dood"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpDouble]:
    double = SmtpDouble().start()
    yield double
    double.stop()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, smtp: SmtpDouble) -> Iterator[Live]:
    yield from serve(tmp_path_factory, inbox_poll_seconds=2, **smtp.settings())


@pytest.fixture(scope="module")
def team(live: Live) -> dict[str, Any]:
    with live.database.session() as db:

        def staff(name: str, email: str, role: str = "klantmanager", team: str = "Noord") -> Staff:
            member = Staff(
                name=name,
                email=email,
                role=role,
                team=team,
                phone="+31201234500",
                password_hash=hash_password(PASSWORD),
            )
            db.add(member)
            return member

        anna = staff("Anna de Wit", "anna@gemeente.example")
        bart = staff("Bart Visser", "bart@gemeente.example")
        staff("Cees Zuid", "cees@gemeente.example", team="Zuid")
        staff("Dina Coordinator", "dina@gemeente.example", role="coordinator")
        db.flush()
        people = {
            name: Inburgeraar(
                name=name,
                phone=phone,
                language=language,
                doelgroep="asielstatushouder",
                klantmanager_id=anna.id,
            )
            for name, phone, language in (
                ("Amina Haddad", "+31612345001", "ar"),
                ("Yonas Tesfay", "+31612345002", "ti"),
            )
        }
        db.add_all(people.values())
        db.commit()
        return {"anna": anna.id, "bart": bart.id, **{name: p.id for name, p in people.items()}}


def login(browser: Any, live: Live, email: str, target: str, viewport: dict[str, int] = DESKTOP) -> Any:
    page = browser.new_context(viewport=viewport, locale="nl-NL").new_page()
    page.goto(f"{live.url}{target}")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_load_state("networkidle")
    if not page.url.endswith(target):  # the login keeps the path, not the query
        page.goto(f"{live.url}{target}")
    assert page.url.endswith(target), page.url
    return page


def _mail(live: Live, smtp: SmtpDouble, count: int) -> list[Any]:
    """Run the worker's mail job until `count` mails arrived."""
    deadline = time.monotonic() + 15
    while len(smtp.received) < count and time.monotonic() < deadline:
        with live.database.session() as db:
            staff_notifications(db, utcnow(), live.settings)
        time.sleep(0.2)
    assert len(smtp.received) == count, [m["Subject"] for m in smtp.received]
    return smtp.received


def _no_serious_violations(page: Any, name: str) -> None:
    if AXE.exists():
        assert axe_violations(page, name) == []


def test_a_colleague_covers_an_urgent_question_that_appears_live(chromium, live, team, smtp):
    bart = login(chromium, live, "bart@gemeente.example", "/ui/inbox?view=urgent")
    assert bart.locator("table.queue").count() == 0 and "Er zijn geen open vragen." in bart.content()
    bart.evaluate("() => { window.notReloaded = true; }")

    # Amina writes; the crisis net answers her and hands the conversation to staff, urgent.
    sent = httpx.post(
        f"{live.url}/simulator/messages",
        json={"inburgeraarId": team["Amina Haddad"], "body": CRISIS, "channel": "sms"},
        timeout=10,
    )
    assert sent.status_code == 202

    row = bart.locator("table.queue tbody tr", has_text="Amina Haddad")
    row.wait_for(timeout=15000)
    assert bart.evaluate("() => window.notReloaded") is True  # swapped in, not reloaded
    assert "Dringend" in row.inner_text() and "Klantmanager: Anna de Wit" in row.inner_text()
    assert CRISIS not in bart.content()  # a row: who waits, not what they wrote
    assert bart.locator('[data-count="urgent"]').inner_text() == "(1)"
    assert bart.locator("#inbox-status").inner_text() == "De lijst is bijgewerkt."
    screenshot(bart, "team-inbox-urgent-appeared")
    _no_serious_violations(bart, "team-inbox-urgent")

    (waiting,) = _mail(live, smtp, 1)
    assert waiting["To"] == "anna@gemeente.example" and "Amina" not in str(waiting)

    row.get_by_role("button", name="Oppakken").click()
    bart.wait_for_load_state("networkidle")
    assert bart.url.endswith(f"/ui/people/{team['Amina Haddad']}/conversation?done=claimed")
    assert CRISIS in bart.locator(".msg.in .body").first.inner_text()
    screenshot(bart, "team-covered-conversation")
    with live.database.session() as db:
        escalation = db.scalar(select(Escalation).where(Escalation.inburgeraar_id == team["Amina Haddad"]))
        assert (escalation.urgent, escalation.status, escalation.assignee_id) == (
            True,
            "claimed",
            team["bart"],
        )

    _, taken = _mail(live, smtp, 2)
    assert taken["To"] == "anna@gemeente.example"
    assert taken["Subject"] == "Een collega heeft je dringende vraag opgepakt"
    bart.context.close()


def test_the_coordinator_hands_a_question_to_a_colleague_who_is_mailed(chromium, live, team, smtp):
    with live.database.session() as db:
        from api.messaging.conversations import conversation_for
        from api.tasks.service import open_escalation

        person = db.get(Inburgeraar, team["Yonas Tesfay"])
        open_escalation(db, conversation_for(db, person).id, inburgeraar_id=person.id, reason="request_human")
        db.commit()
    before = len(smtp.received)
    dina = login(chromium, live, "dina@gemeente.example", "/ui/team")
    row = dina.locator("table.queue tbody tr", has_text="Yonas Tesfay")
    row.get_by_label("Doorgeven aan").select_option(label="Bart Visser")
    row.get_by_role("button", name="Doorgeven").click()
    dina.wait_for_load_state("networkidle")
    assert "De vraag is doorgegeven." in dina.locator(".flash").inner_text()
    assert "door Bart Visser" in dina.locator("table.queue tbody tr", has_text="Yonas Tesfay").inner_text()
    screenshot(dina, "team-inbox-coordinator")
    _no_serious_violations(dina, "team-inbox-coordinator")
    handed = _mail(live, smtp, before + 1)[-1]
    assert handed["To"] == "bart@gemeente.example" and "Yonas" not in str(handed)
    dina.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "390px"])
def test_views_and_search_work_at_desktop_and_phone_width(chromium, live, team, viewport):
    bart = login(chromium, live, "bart@gemeente.example", "/ui/inbox", viewport)
    for view, name in (("Mijn vragen", "Yonas Tesfay"), ("Dringend", "Amina Haddad")):
        bart.get_by_role("navigation", name="Weergaven").get_by_role("link", name=view).click()
        bart.wait_for_load_state("networkidle")
        assert bart.locator("table.queue tbody tr", has_text=name).count() == 1
    bart.get_by_role("link", name="Alle open vragen").click()
    bart.get_by_label("Zoek op naam of telefoonnummer").fill("06 1234 5002")
    bart.get_by_role("button", name="Zoeken").click()
    bart.wait_for_load_state("networkidle")
    assert bart.locator("table.queue tbody th").all_inner_texts()[0].startswith("Yonas Tesfay")
    assert bart.locator("table.queue tbody tr").count() == 1
    width = bart.evaluate("() => document.querySelector('table.queue').getBoundingClientRect().right")
    assert width <= viewport["width"], width
    suffix = "phone" if viewport is PHONE else "desktop"
    screenshot(bart, f"team-inbox-search-{suffix}")
    _no_serious_violations(bart, f"team-inbox-search-{suffix}")
    bart.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "390px"])
def test_the_stats_page_has_no_serious_accessibility_violations(chromium, live, team, viewport):
    dina = login(chromium, live, "dina@gemeente.example", "/ui/stats", viewport)
    assert dina.get_by_role("heading", name="Vragen aan medewerkers").is_visible()
    suffix = "phone" if viewport is PHONE else "desktop"
    screenshot(dina, f"team-stats-{suffix}")
    _no_serious_violations(dina, f"team-stats-{suffix}")
    dina.context.close()
