"""End to end in headless chromium: a person asks for a human in the phone simulator, the klantmanager
answers with a canned reply that arrives in Arabic; caseload walls, keyboard use and an axe-core scan.
"""

from __future__ import annotations

import functools
import re
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from api.appointments.models import Appointment
from api.db import utcnow
from api.i18n.catalog import gettext, render
from api.i18n.formatting import isolate
from api.messaging.models import Message
from api.people.models import Inburgeraar
from api.tasks.models import Escalation, Task
from api.web.canned import CANNED_REPLIES
from tests.browser.conftest import (
    AXE,
    Live,
    axe_violations,
    group_appointment,
    login,
    screenshot,
    staff_member,
    wait_for,
)
from tests.klantinteracties_double import failed_export

pytestmark = pytest.mark.browser
ARABIC_REQUEST = "أريد التحدث مع موظف من فضلك"


@pytest.fixture(scope="module")
def people(live: Live) -> dict[str, Any]:
    """A small municipality: two klantmanagers, a coordinator, people in four languages, appointments."""
    now = utcnow().replace(microsecond=0)
    with live.database.session() as db:
        staff = functools.partial(staff_member, db)
        fatima = staff("Fatima de Vries", "fatima@gemeente.example", "klantmanager")
        joost = staff("Joost Bakker", "joost@gemeente.example", "klantmanager")
        staff("Sanne Coordinator", "sanne@gemeente.example", "coordinator")
        db.flush()
        amina = Inburgeraar(
            name="Amina Haddad",
            phone="+31612345001",
            language="ar",
            doelgroep="asielstatushouder",
            klantmanager_id=fatima.id,
            pip_date=date.today() - timedelta(days=500),
            leerroute="b1",
            pvt_hours_done=4,
        )
        yonas = Inburgeraar(
            name="Yonas Tesfay",
            phone="+31612345002",
            language="ti",
            doelgroep="asielstatushouder",
            klantmanager_id=fatima.id,
            pip_date=date.today() - timedelta(days=1000),
            leerroute="z",
        )
        zahra = Inburgeraar(
            name="Zahra Ahmadi",
            phone="+31612345003",
            language="fa_AF",
            doelgroep="nareiziger",
            klantmanager_id=fatima.id,
            housed_on=date.today() - timedelta(days=80),
        )
        mehmet = Inburgeraar(
            name="Mehmet Yilmaz",
            phone="+31612345004",
            language="tr",
            doelgroep="gezinsmigrant",
            klantmanager_id=joost.id,
            pip_date=date.today() - timedelta(days=300),
            leerroute="b1",
        )
        db.add_all([amina, yonas, zahra, mehmet])
        db.flush()

        def appointment(
            kind: str, starts_in: timedelta, participants: list[tuple[Inburgeraar, str]]
        ) -> Appointment:
            return group_appointment(db, kind, now + starts_in, fatima.id, participants)

        appointment("voortgangsgesprek", timedelta(days=1), [(amina, "confirmed")])
        appointment(
            "pvt_excursie", timedelta(days=8), [(amina, "pending"), (yonas, "pending"), (mehmet, "pending")]
        )
        appointment("voortgangsgesprek", timedelta(days=-2), [(yonas, "absence_reported")])
        appointment(
            "knm_les", timedelta(days=-8), [(amina, "attended"), (yonas, "no_show"), (mehmet, "attended")]
        )
        db.add(Task(kind="reminder_unanswered", inburgeraar_id=yonas.id, assignee_id=fatima.id))
        db.commit()
        failed_export(db, yonas)  # a contact the Klantinteracties register refused, for /ui/register
        return {
            "fatima": fatima.email,
            "joost": joost.email,
            "coordinator": "sanne@gemeente.example",
            "amina": amina.id,
            "mehmet": mehmet.id,
            "fatima_name": fatima.name,
        }


def _csp_errors(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    return errors


def test_the_skip_link_is_the_first_stop_for_keyboard_users_and_is_visible_on_focus(chromium, live, people):
    context = chromium.new_context()
    page = context.new_page()
    page.goto(f"{live.url}/ui/login")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => ({cls: document.activeElement.className, top: "
        "document.activeElement.getBoundingClientRect().top})"
    )
    assert focused["cls"] == "skip-link" and focused["top"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("() => location.hash") == "#main"
    context.close()


def test_a_question_from_the_simulator_is_answered_with_a_canned_reply_in_arabic(chromium, live, people):
    phone = chromium.new_context(locale="ar")
    simulator = phone.new_page()
    simulator.goto(f"{live.url}/simulator?lang=ar&person={people['amina']}")
    simulator.locator("#channel").select_option("sms")
    simulator.locator("#body").fill(ARABIC_REQUEST)
    simulator.locator("#compose button[type=submit]").click()

    # The gateway hands it to "Rasa", whose action escalates through the bot endpoint.
    def escalated() -> Escalation | None:
        with live.database.session() as db:
            return db.scalar(select(Escalation).where(Escalation.inburgeraar_id == people["amina"]))

    escalation = wait_for(escalated)
    assert escalation.reason == "request_human" and escalation.status == "open"
    assert live.rasa.turns[-1]["message"] == ARABIC_REQUEST
    screenshot(simulator, "simulator-question")

    office = chromium.new_context(locale="nl-NL")
    page = login(office, live, people["fatima"], "/ui/inbox")
    csp_errors = _csp_errors(page)
    assert page.url.endswith("/ui/inbox")
    row = page.locator("table.queue tbody tr", has_text="Amina Haddad")
    assert row.count() == 1 and "Wil een mens spreken" in row.inner_text()
    screenshot(page, "inbox")

    page.get_by_role("link", name="Amina Haddad").click()
    page.wait_for_load_state("networkidle")
    body = page.locator(".msg.in .body").first
    assert body.inner_text() == ARABIC_REQUEST
    assert body.get_attribute("dir") == "auto" and body.get_attribute("lang") == "ar"
    assert page.evaluate("el => getComputedStyle(el).direction", body.element_handle()) == "rtl"
    understood = page.locator(".msg.in .understood").first.inner_text()
    assert "Wil een mens spreken" in understood and "Arabisch" in understood

    # The free-text counter runs from a static file, under the strict CSP.
    page.locator("#reply-text").fill(ARABIC_REQUEST)
    assert "UCS-2" in page.locator("#reply-text-count").inner_text()
    page.locator("#reply-text").fill("")
    screenshot(page, "conversation")

    page.locator("label[for=canned-will_call]").click()
    page.get_by_role("button", name="Standaardantwoord versturen").click()
    page.wait_for_load_state("networkidle")
    assert "Je antwoord staat klaar om te versturen." in page.locator(".flash").inner_text()
    assert csp_errors == []

    expected = render(
        "ar",
        CANNED_REPLIES["will_call"],
        name=isolate("ar", "Amina"),
        klantmanager=isolate("ar", people["fatima_name"]),
    )
    if gettext("ar", CANNED_REPLIES["will_call"]) != CANNED_REPLIES["will_call"]:
        assert re.search(r"[\u0600-\u06FF]", expected), "the compiled Arabic catalog should give Arabic text"
    with live.database.session() as db:
        reply = db.scalar(select(Message).where(Message.kind == "staff_reply"))
        assert (reply.body, reply.language) == (expected, "ar")

    # The outbox worker hands it to the local transport; the simulated phone shows it.
    from api.messaging.outbox import Dispatcher

    dispatcher = Dispatcher(live.database, live.settings)
    try:
        dispatcher.drain()
    finally:
        dispatcher.close()
    simulator.locator(".bubble.out", has_text=expected[:20]).last.wait_for(timeout=10000)
    bubbles = [b.inner_text() for b in simulator.locator(".bubble.out").all()]
    assert any(expected in b for b in bubbles)
    screenshot(simulator, "simulator-reply")
    phone.close()
    office.close()


def test_a_klantmanager_cannot_open_another_caseloads_conversation_in_the_browser(chromium, live, people):
    context = chromium.new_context()
    page = login(context, live, people["fatima"])
    response = page.goto(f"{live.url}/ui/people/{people['mehmet']}/conversation")
    assert response.status == 403
    assert page.locator("h1").inner_text() == "Geen toegang"
    assert "Mehmet" not in page.content()
    screenshot(page, "forbidden")
    context.close()


def test_a_coordinator_previews_a_broadcast_per_language_before_sending(chromium, live, people):
    context = chromium.new_context()
    page = login(context, live, people["coordinator"], "/ui/broadcasts/new")
    page.locator("label[for=template-appointment_reminder]").click()
    page.locator("label[for=audience-appointment]").click()
    page.locator("#appointment_id").select_option(index=2)  # the PVT excursion (after "Kies" and tomorrow)
    page.get_by_role("button", name="Voorbeeld en kosten bekijken").click()
    page.wait_for_load_state("networkidle")
    table = page.locator("table.preview-languages")
    assert table.count() == 1, page.content()[:3000]
    languages = table.locator("tbody th").all_inner_texts()
    assert set(languages) == {"Arabisch", "Tigrinya", "Turks"}
    screenshot(page, "broadcast-preview")
    page.get_by_role("button", name="Versturen zoals hierboven").click()
    page.wait_for_load_state("networkidle")
    assert re.search(r"/ui/broadcasts/\d+\?done=scheduled$", page.url)
    screenshot(page, "broadcast-scheduled")
    context.close()


def test_the_axe_scan_reports_serious_violations_when_a_page_has_them(chromium):
    """Guards the scan itself: a clean result must mean a clean page, not a scan that never ran."""
    if not AXE.exists():
        pytest.skip(
            "axe-core is not installed in node_modules/: run `make tools` (npm ci; package.json pins it)"
        )
    context = chromium.new_context()
    page = context.new_page()
    page.set_content(
        '<html><body><p style="color:#ccc;background:#fff">low contrast</p>'
        '<input type="text"><img src="x.png"></body></html>'
    )
    found = {v["id"] for v in axe_violations(page, "known-bad")}
    assert {"color-contrast", "label", "image-alt"} <= found
    context.close()


def test_a_coordinator_erases_a_person_after_the_confirmation_page(chromium, live, people):
    with live.database.session() as db:
        person = Inburgeraar(
            name="Samir Wisbaar",
            phone="+31612345099",
            language="nl",
            doelgroep="gezinsmigrant",
            klantmanager_id=None,
        )
        db.add(person)
        db.commit()
        person_id = person.id
    context = chromium.new_context()
    page = login(context, live, people["coordinator"], "/ui/people")
    page.get_by_label("Zoek op naam").fill("Wisbaar")
    page.get_by_role("button", name="Zoeken").click()
    page.get_by_role("link", name="Samir Wisbaar").click()
    page.get_by_label("Onterecht of dubbel geregistreerd").check()
    page.get_by_role("button", name="Verder naar bevestigen").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Definitief wissen?").is_visible()
    page.get_by_role("button", name="Definitief wissen").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("alert").is_visible()  # the box was not ticked: nothing happened
    page.get_by_label("Ik heb gecontroleerd").check()
    page.get_by_role("button", name="Definitief wissen").click()
    page.wait_for_load_state("networkidle")
    screenshot(page, "erased")
    assert page.get_by_role("status").inner_text().startswith("Gewist.")
    with live.database.session() as db:
        assert db.get(Inburgeraar, person_id) is None
    context.close()


def test_the_klantmanager_downloads_a_persons_data_from_the_privacy_page(chromium, live, people):
    context = chromium.new_context(accept_downloads=True)
    page = login(context, live, people["fatima"], f"/ui/people/{people['amina']}/conversation")
    page.get_by_role("link", name="Privacy en gegevens").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Gegevens downloaden").click()
    assert download.value.suggested_filename == f"gegevens-inburgeraar-{people['amina']}.json"
    context.close()


MAIN_PAGES = [
    ("login", None, "/ui/login"),
    ("inbox", "fatima", "/ui/inbox"),
    ("conversation", "fatima", "/ui/people/{amina}/conversation"),
    ("appointments", "fatima", "/ui/appointments"),
    ("tasks", "fatima", "/ui/tasks"),
    ("caseload", "fatima", "/ui/caseload"),
    ("broadcasts", "coordinator", "/ui/broadcasts"),
    ("broadcast-composer", "coordinator", "/ui/broadcasts/new"),
    ("reminders", "coordinator", "/ui/reminders"),
    ("stats", "coordinator", "/ui/stats"),
    ("forbidden", "coordinator", "/ui/inbox"),
    ("privacy", "fatima", "/ui/people/{amina}/privacy"),
    ("people", "coordinator", "/ui/people"),
    ("privacy-coordinator", "coordinator", "/ui/people/{amina}/privacy"),
    ("erase-confirm", "coordinator", "/ui/people/{amina}/erase?reason=request"),
    ("register", "coordinator", "/ui/register"),
]


@pytest.mark.parametrize(("name", "who", "path"), MAIN_PAGES, ids=[p[0] for p in MAIN_PAGES])
def test_the_main_pages_have_no_serious_accessibility_violations(chromium, live, people, name, who, path):
    if not AXE.exists():
        pytest.skip(
            "axe-core is not installed in node_modules/: run `make tools` (npm ci; package.json pins it)"
        )
    context = chromium.new_context()
    url = path.format(amina=people["amina"])
    if who is None:
        page = context.new_page()
        page.goto(f"{live.url}{url}")
    else:
        page = login(context, live, people[who])
        page.goto(f"{live.url}{url}")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("() => document.documentElement.lang") in ("nl", "en")
    screenshot(page, f"page-{name}")
    assert axe_violations(page, name) == []
    context.close()


def test_the_register_page_fits_a_phone_without_accessibility_violations(chromium, live, people):
    if not AXE.exists():
        pytest.skip("axe-core is not installed in node_modules/: run `make tools`")
    context = chromium.new_context(viewport={"width": 390, "height": 844})
    page = login(context, live, people["coordinator"])
    page.goto(f"{live.url}/ui/register")
    page.wait_for_load_state("networkidle")
    widest = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('main table')]"
        ".map(t => t.getBoundingClientRect().right))"
    )
    assert widest <= 390, widest
    assert page.get_by_role("button", name="Opnieuw proberen").first.is_visible()
    screenshot(page, "page-register-390")
    assert axe_violations(page, "register-390") == []
    context.close()
