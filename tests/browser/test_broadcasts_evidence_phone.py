"""In headless chromium, at desktop width and at 390 px: a broadcast whose sent messages are its preview,
the refusal of a form changed after the preview, cancelling after a confirmation, the evidence page and its
print view, every table page without sideways scrolling, and refused forms shown again focused with the
draft kept. axe-core finds no serious or critical violation on any page visited.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from api.appointments.models import Appointment
from api.broadcasts import service as broadcasts
from api.broadcasts.models import Broadcast, BroadcastRecipient
from api.db import utcnow
from api.messaging.models import Message, OutboxItem
from api.people.models import Inburgeraar
from api.reminders.policy import load_policy
from api.staff.models import Staff
from api.tasks.models import Task
from tests.browser.conftest import (
    AXE,
    Live,
    axe_violations,
    group_appointment,
    login,
    screenshot,
    staff_member,
)
from tests.web_helpers import inbound, outbound

pytestmark = pytest.mark.browser
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def town(live: Live) -> dict[str, Any]:
    """Two klantmanagers and a coordinator; people in four languages; an excursion next week; a progress
    meeting two days ago that one person reported sick for, with the conversation around it."""
    now = utcnow().replace(microsecond=0)
    with live.database.session() as db:
        staff = functools.partial(staff_member, db)
        fatima = staff("Fatima de Vries", "fatima@gemeente.example", "klantmanager")
        joost = staff("Joost Bakker", "joost@gemeente.example", "klantmanager")
        staff("Sanne Coordinator", "sanne@gemeente.example", "coordinator")
        db.flush()

        def person(name: str, phone: str, language: str, km: Staff) -> Inburgeraar:
            p = Inburgeraar(
                name=name,
                phone=phone,
                language=language,
                doelgroep="asielstatushouder",
                klantmanager_id=km.id,
                leerroute="b1",
                pip_date=date.today() - timedelta(days=400),
            )
            db.add(p)
            return p

        amina = person("Amina Haddad", "+31612345101", "ar", fatima)
        yonas = person("Yonas Tesfay", "+31612345102", "ti", fatima)
        zahra = person("Zahra Ahmadi", "+31612345103", "fa_AF", fatima)
        person("Mehmet Yilmaz", "+31612345104", "tr", joost)
        db.flush()

        def appointment(kind: str, starts_in: timedelta, who: list[tuple[Inburgeraar, str]]) -> Appointment:
            return group_appointment(db, kind, now + starts_in, fatima.id, who)

        excursion = appointment(
            "pvt_excursie", timedelta(days=8), [(amina, "pending"), (yonas, "pending"), (zahra, "pending")]
        )
        meeting = appointment("voortgangsgesprek", timedelta(days=-2), [(yonas, "absence_reported")])
        db.flush()
        db.commit()
        reported = meeting.starts_at - timedelta(hours=5)
        inbound(
            db,
            yonas,
            "ኣነ ሕማም ኣለኒ፣ ክመጽእ ኣይክእልን እየ።",
            at=reported,
            language="ti",
            intent="report_absence",
            entities=[{"entity": "reason", "value": "sick"}],
            appointment_id=meeting.id,
        )
        outbound(db, yonas, "ሕራይ፣ ጽቡቕ ጥዕና ይሃብካ።", at=reported + timedelta(minutes=1), language="ti")
        db.add(
            Task(
                kind="absence_reported",
                inburgeraar_id=yonas.id,
                assignee_id=fatima.id,
                appointment_id=meeting.id,
                detail="reason=sick late=False",
            )
        )
        for n in range(40):  # a long conversation: the reply form is far down the page
            said = inbound if n % 2 == 0 else outbound
            said(
                db,
                amina,
                f"Bericht {n}: wanneer is mijn volgende afspraak bij de gemeente?",
                at=now - timedelta(hours=80 - n),
            )
        db.commit()
        return {
            "fatima": fatima.email,
            "coordinator": "sanne@gemeente.example",
            "joost_id": joost.id,
            "fatima_id": fatima.id,
            "amina": amina.id,
            "yonas": yonas.id,
            "excursion": excursion.id,
            "meeting": meeting.id,
        }


def _open(chromium: Any, live: Live, email: str, target: str, viewport: str = "desktop") -> tuple[Any, Any]:
    context = chromium.new_context(viewport=VIEWPORTS[viewport], locale="nl-NL")
    return context, login(context, live, email, target)


def _clean(page: Any, name: str) -> None:
    """No serious or critical axe violation, and nothing wider than the window."""
    width = page.evaluate("() => window.innerWidth")
    scroll = page.evaluate("() => document.documentElement.scrollWidth")
    screenshot(page, name)
    assert scroll <= width, f"{name}: {scroll} px wide in a {width} px window"
    if AXE.exists():
        assert axe_violations(page, name) == []


def _submit(page: Any, name: str) -> None:
    page.get_by_role("button", name=name).click()
    page.wait_for_load_state("networkidle")


def _pick_amina(page: Any) -> None:
    page.locator("label[for=template-call_us]").click()
    page.get_by_label("Zoek op naam").fill("Amina")
    _submit(page, "Zoek personen")
    page.get_by_label("Amina Haddad").check()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_messages_sent_are_the_ones_the_preview_showed(chromium, live, town, viewport):
    context, page = _open(chromium, live, town["coordinator"], "/ui/broadcasts/new", viewport)
    page.locator("label[for=template-appointment_reminder]").click()
    page.locator("label[for=audience-appointment]").click()
    page.locator("#appointment_id").select_option(str(town["excursion"]))
    _submit(page, "Voorbeeld en kosten bekijken")
    previewed = {
        row.locator("th").inner_text(): row.locator("td p.body").inner_text()
        for row in page.locator("table.preview-languages tbody tr").all()
    }
    assert set(previewed) == {"Arabisch", "Tigrinya", "Dari"}
    recipients = page.locator("table.recipients tbody th").all_inner_texts()
    assert sorted(recipients) == ["Amina Haddad", "Yonas Tesfay", "Zahra Ahmadi"]
    _clean(page, f"broadcast-preview-{viewport}")
    _submit(page, "Versturen zoals hierboven")
    assert "done=scheduled" in page.url
    broadcast_id = int(page.url.split("/ui/broadcasts/", 1)[1].split("?", 1)[0])
    with live.database.session() as db:
        broadcast = db.get(Broadcast, broadcast_id)
        broadcasts.dispatch_due(db, broadcast.send_at, settings=live.settings, policy=load_policy())
        db.commit()
        sent = db.execute(
            select(Message.language, OutboxItem.body)
            .join(OutboxItem, OutboxItem.message_id == Message.id)
            .join(BroadcastRecipient, BroadcastRecipient.message_id == Message.id)
            .where(BroadcastRecipient.broadcast_id == broadcast_id)
        ).all()
    # Each language has one recipient here, so its previewed text is exactly what the outbox sends.
    languages = {"Arabisch": "ar", "Tigrinya": "ti", "Dari": "fa_AF"}
    assert sorted(sent) == sorted((languages[name], text) for name, text in previewed.items())
    page.reload()
    assert page.locator("table.recipients tbody tr").count() == 3
    assert "Kosten per kanaal" in page.content()
    _clean(page, f"broadcast-sent-{viewport}")
    context.close()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_switching_one_person_to_a_caseload_after_the_preview_is_refused(chromium, live, town, viewport):
    context, page = _open(chromium, live, town["coordinator"], "/ui/broadcasts/new", viewport)
    _pick_amina(page)
    _submit(page, "Voorbeeld en kosten bekijken")
    assert "Ontvangers: 1." in page.content()
    with live.database.session() as db:
        scheduled_before = len(db.scalars(select(Broadcast).where(Broadcast.status == "scheduled")).all())
    page.locator("label[for=audience-caseload]").click()
    page.locator("#klantmanager_id").select_option(str(town["fatima_id"]))
    _submit(page, "Versturen zoals hierboven")
    error = page.locator("#preview-error")
    assert "Het formulier is veranderd na het voorbeeld (wie het bericht krijgt)" in error.inner_text()
    assert page.evaluate("() => document.activeElement.id") == "preview-error"
    assert page.locator("#audience-caseload").is_checked()  # the form as it was sent
    with live.database.session() as db:
        after = len(db.scalars(select(Broadcast).where(Broadcast.status == "scheduled")).all())
    assert after == scheduled_before
    _clean(page, f"broadcast-refused-{viewport}")
    context.close()


def test_cancelling_asks_first_and_no_keeps_it(chromium, live, town):
    context, page = _open(chromium, live, town["coordinator"], "/ui/broadcasts/new")
    _pick_amina(page)
    page.locator("label[for=send-later]").click()
    later = (utcnow() + timedelta(days=3)).astimezone(ZoneInfo("Europe/Amsterdam"))
    page.locator("#send_at").fill(later.replace(hour=11, minute=0).strftime("%Y-%m-%dT%H:%M"))
    _submit(page, "Voorbeeld en kosten bekijken")
    assert "11:00" in page.locator("section.preview strong").inner_text()
    _submit(page, "Versturen zoals hierboven")
    detail = page.url.split("?", 1)[0]
    page.get_by_role("link", name="Annuleren").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Groepsbericht annuleren?").is_visible()
    _clean(page, "broadcast-cancel-confirm")
    page.get_by_role("link", name="Nee, terug").click()
    page.wait_for_load_state("networkidle")
    assert page.url.startswith(detail) and "Gepland" in page.locator("dl.facts").inner_text()
    page.get_by_role("link", name="Annuleren").click()
    _submit(page, "Ja, annuleren")
    assert "Het groepsbericht is geannuleerd." in page.locator(".flash").inner_text()
    assert "Geannuleerd" in page.locator("dl.facts").inner_text()
    context.close()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_evidence_reads_as_a_document_on_screen_and_in_print(chromium, live, town, viewport):
    context, page = _open(chromium, live, town["fatima"], "/ui/appointments", viewport)
    page.locator(f'a[href="/ui/appointments/{town["meeting"]}/evidence"]').click()
    page.wait_for_load_state("networkidle")
    heading = page.locator("h1").inner_text()
    assert heading.startswith("Verslag van een afspraak: Voortgangsgesprek ")
    text = page.locator("body").inner_text()
    for code in ("reason=", "late=", "voortgangsgesprek", "absence_reported", "needs_hearing"):
        assert code not in text.replace("Voortgangsgesprek", ""), code
    assert "Gesprek rond de afspraak" in text and "ሕራይ፣ ጽቡቕ ጥዕና ይሃብካ።" in text
    assert "De assistent begreep: Meldt zich af voor een afspraak; reden: ziek; taal: Tigrinya" in text
    _clean(page, f"evidence-{viewport}")
    page.emulate_media(media="print")
    assert not page.locator(".screen-only").first.is_visible()
    assert (
        page.evaluate("() => getComputedStyle(document.querySelector('thead')).display")
        == "table-header-group"
    )
    if viewport == "desktop":
        pdf = page.pdf(format="A4")
        assert pdf[:4] == b"%PDF" and len(pdf) > 10_000
    context.close()


# Pages whose cells carry their labels from the server (the others get them from app.js).
SERVER_LABELLED = {"inbox", "caseload", "appointments", "tasks", "people", "broadcasts", "reminders"}
TABLE_PAGES = [
    ("inbox", "fatima", "/ui/inbox"),
    ("caseload", "fatima", "/ui/caseload"),
    ("appointments", "fatima", "/ui/appointments"),
    ("tasks", "fatima", "/ui/tasks"),
    ("conversation", "fatima", "/ui/people/{amina}/conversation"),
    ("people", "coordinator", "/ui/people"),
    ("broadcasts", "coordinator", "/ui/broadcasts"),
    ("composer", "coordinator", "/ui/broadcasts/new"),
    ("reminders", "coordinator", "/ui/reminders"),
    ("stats", "coordinator", "/ui/stats"),
    ("register", "coordinator", "/ui/register"),
]


@pytest.mark.parametrize(("name", "who", "path"), TABLE_PAGES, ids=[p[0] for p in TABLE_PAGES])
def test_every_table_page_fits_a_390px_phone_as_cards(chromium, live, town, name, who, path):
    context, page = _open(chromium, live, town[who], path.format(**town), "phone")
    _clean(page, f"phone-{name}")
    rows = page.locator("main table tbody tr")
    if rows.count():
        first = rows.first
        assert page.evaluate("el => getComputedStyle(el).display", first.element_handle()) == "block"
        assert page.locator("main td:not([data-label])").count() == 0  # every cell says what it is
    if name in SERVER_LABELLED and rows.count():
        served = context.request.get(page.url).text()  # as sent, before any script ran
        assert 'data-label="' in served
    context.close()


def test_the_reply_form_is_one_tap_away_on_a_long_conversation(chromium, live, town):
    context, page = _open(chromium, live, town["fatima"], f"/ui/people/{town['amina']}/conversation", "phone")
    assert page.evaluate("() => document.documentElement.scrollHeight") > 3 * 844
    page.mouse.wheel(0, 2500)
    page.wait_for_timeout(200)
    jump = page.get_by_role("link", name="Naar het antwoordformulier")
    assert -1 <= jump.bounding_box()["y"] < 844  # in view while reading the middle of the conversation
    jump.click()
    page.wait_for_timeout(200)
    assert -1 <= page.locator("#reply-title").bounding_box()["y"] < 844
    context.close()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_refused_reply_comes_back_focused_with_the_draft(chromium, live, town, viewport):
    context, page = _open(
        chromium, live, town["fatima"], f"/ui/people/{town['amina']}/conversation", viewport
    )
    draft = "Beste Amina, " + "ik bel je morgen over je excursie. " * 50  # longer than one message may be
    page.evaluate("text => { document.querySelector('#reply-text').value = text; }", draft)
    _submit(page, "Bericht versturen")
    assert page.evaluate("() => document.activeElement.id") == "reply-text"
    assert page.locator("#reply-text").input_value() == draft
    error = page.locator("#text-error").inner_text()
    assert error == "Je bericht is te lang. Maak het korter: hoogstens 1600 tekens."
    _clean(page, f"reply-refused-{viewport}")
    context.close()


def test_a_refused_assessment_comes_back_focused_with_the_note(chromium, live, town):
    context, page = _open(chromium, live, town["fatima"], "/ui/appointments", "phone")
    row = f"{town['meeting']}-{town['yonas']}"
    page.locator(f"#note-{row}").fill("Huisarts gebeld, briefje volgt.")
    page.locator(f"#note-{row}").locator("xpath=..").get_by_role("button").click()
    page.wait_for_load_state("networkidle")
    assert page.evaluate("() => document.activeElement.id") == f"assessment-{row}"
    assert page.locator(f"#assessment-{row}-error").inner_text() == "Kies een beoordeling."
    assert page.locator(f"#note-{row}").input_value() == "Huisarts gebeld, briefje volgt."
    _clean(page, "assessment-refused-phone")
    context.close()


def test_a_composer_error_is_at_its_field_and_focused(chromium, live, town):
    context, page = _open(chromium, live, town["coordinator"], "/ui/broadcasts/new", "phone")
    page.locator("label[for=template-office_closed]").click()
    page.locator("label[for=audience-leerroute]").click()
    page.locator("#leerroute").select_option("b1")
    page.locator("#date").fill((date.today() - timedelta(days=1)).isoformat())
    _submit(page, "Voorbeeld en kosten bekijken")
    assert page.evaluate("() => document.activeElement.id") == "date"
    assert "Deze datum is al voorbij" in page.locator("#date-error").inner_text()
    assert page.locator("#leerroute").input_value() == "b1"
    _clean(page, "composer-refused-phone")
    context.close()
