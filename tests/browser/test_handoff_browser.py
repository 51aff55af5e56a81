"""An Arabic conversation followed end to end by a klantmanager who reads only Dutch, in headless chromium,
at desktop width and at 390 px, through a local double of LibreTranslate's HTTP API.

Amina reports sick from the phone simulator, the bot's absence form starts, she asks for a person half-way,
and while the klantmanager holds the conversation she asks to be called after three. The klantmanager reads
every message in Dutch beside the Arabic, records the absence with the bot's one-click suggestion, writes
her reply in Dutch, sees it in Arabic before sending, and the message sent is exactly that preview.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from api.appointments.models import Appointment, Attendance
from api.auth import hash_password
from api.db import Database
from api.i18n.catalog import render
from api.i18n.formatting import TZ
from api.localstack import free_port
from api.messaging.models import Conversation, Message
from api.messaging.outbox import Dispatcher
from api.messaging.staff_replies import MACHINE_TRANSLATED
from api.migrate import upgrade
from api.people.models import Inburgeraar
from api.settings import Settings
from api.staff.models import Staff
from api.tasks.models import Escalation
from api.web.rendering import helpers
from tests.browser.conftest import AXE, BOT_TOKEN, Live, axe_violations, screenshot, serving, wait_for
from tests.doubles import FakeRasa
from tests.translation_double import LibreTranslateDouble

pytestmark = pytest.mark.browser
PASSWORD = "demo-wachtwoord-handoff"
SICK = "أنا مريضة ولا أستطيع الحضور يوم الأربعاء"
HUMAN = "أريد التحدث مع موظف من فضلك"
CALL_ME = "هل يمكنك الاتصال بي بعد الساعة الثالثة؟"
DUTCH = {
    SICK: "Ik ben ziek en kan woensdag niet komen",
    HUMAN: "Ik wil graag met een medewerker praten",
    CALL_ME: "Kun je me na drie uur bellen?",
}
REPLY = "Beterschap! Ik bel je morgen na drie uur."
REPLY_AR = "أتمنى لك الشفاء! سأتصل بك غدًا بعد الساعة الثالثة."
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


class AbsenceBot(FakeRasa):
    """The bot's part: "I am sick" starts the absence form, "a person please" hands off mid-form (the action
    escalates through the case API), and any text is read through /parse as the model would."""

    def __init__(self, api_url: str) -> None:
        super().__init__(brain=self.understand)
        self.api_url = api_url

    @staticmethod
    def understand(text: str, metadata: dict[str, Any]) -> tuple[str, float, list[dict[str, Any]], list[str]]:
        if text == SICK:
            entities = [
                {"entity": "absence_reason", "value": "sick"},
                {"entity": "time", "value": "الأربعاء"},
            ]
            return "report_absence", 0.94, entities, ["سلامتك. لأي موعد؟"]
        if text == HUMAN:
            return "request_human", 0.97, [], ["سيتواصل معك موظف."]
        return "ask_contact", 0.71, [], []

    def turn(self, sender: str, text: str, metadata: dict[str, Any]) -> list[str]:
        if text == HUMAN:  # action_request_human, as the action server would call it
            response = httpx.post(
                f"{self.api_url}/api/v1/bot/{sender}/escalations",
                json={"reason": "request_human", "urgent": False},
                headers={"Authorization": f"Bearer {BOT_TOKEN}"},
                timeout=10,
            )
            response.raise_for_status()
        replies = super().turn(sender, text, metadata)
        if text == SICK:  # the absence form starts and keeps the reason the message gave
            with self.lock:
                self.trackers[sender]["events"].append({"event": "active_loop", "name": "absence_form"})
                self.trackers[sender]["slots"]["absence_reason"] = "sick"
        return replies


@pytest.fixture(scope="module")
def handoff(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    translator = LibreTranslateDouble(api_key="gemeente-sleutel-browser-0123456789ab").start()
    for arabic, dutch in DUTCH.items():
        translator.phrases[("ar", "nl", arabic)] = dutch
    translator.phrases[("nl", "ar", REPLY)] = REPLY_AR
    port = free_port()
    rasa = AbsenceBot(f"http://127.0.0.1:{port}").start()
    url = f"sqlite:///{tmp_path_factory.mktemp('handoff') / 'case.sqlite3'}"
    upgrade(url)
    settings = Settings(
        environment="test",
        database_url=url,
        port=port,
        bot_service_token=BOT_TOKEN,
        session_secret="browser-session-secret",
        public_base_url=f"http://127.0.0.1:{port}",
        rasa_url=rasa.url,
        rasa_timeout_seconds=10,
        simulator_enabled=True,
        log_level="WARNING",
        translation_provider="libretranslate",
        translation_url=translator.url,
        translation_api_key=translator.api_key,
    )
    database = Database(url)
    try:
        with serving(settings, database):
            live = Live(f"http://127.0.0.1:{port}", database, settings, rasa)
            with live.database.session() as db:
                db.add(
                    Staff(
                        name="Fatima de Vries",
                        email="fatima.handoff@gemeente.example",
                        role="klantmanager",
                        phone="+31201234500",
                        password_hash=hash_password(PASSWORD),
                    )
                )
                db.commit()
            yield live
    finally:
        rasa.stop()
        translator.stop()
        database.engine.dispose()


def _next_wednesday_at_ten() -> datetime:
    today = datetime.now(TZ).date()
    day = today + timedelta(days=(2 - today.weekday()) % 7 or 7)
    return datetime(day.year, day.month, day.day, 10, tzinfo=TZ)


def _amina(live: Live, phone: str) -> tuple[int, int]:
    """An Arabic speaker with a PVT meeting next Wednesday and a talk the day after; (person, PVT) ids."""
    with live.database.session() as db:
        fatima = db.scalar(select(Staff).where(Staff.email == "fatima.handoff@gemeente.example"))
        amina = Inburgeraar(
            name="Amina Haddad",
            phone=phone,
            language="ar",
            doelgroep="asielstatushouder",
            klantmanager_id=fatima.id,
        )
        db.add(amina)
        db.flush()
        wednesday = _next_wednesday_at_ten()
        pvt = Appointment(
            kind="pvt_bijeenkomst",
            starts_at=wednesday,
            ends_at=wednesday + timedelta(hours=2),
            location="Wijkcentrum De Schakel",
            checkin_code="4821",
            staff_id=fatima.id,
        )
        talk = Appointment(
            kind="voortgangsgesprek",
            starts_at=wednesday + timedelta(days=1),
            ends_at=wednesday + timedelta(days=1, hours=1),
            location="Stadskantoor",
            checkin_code="4822",
            staff_id=fatima.id,
        )
        pvt.attendances = [Attendance(inburgeraar_id=amina.id)]
        talk.attendances = [Attendance(inburgeraar_id=amina.id)]
        db.add_all([pvt, talk])
        db.commit()
        return amina.id, pvt.id


def _send_from_phone(simulator: Any, live: Live, person_id: int, text: str) -> None:
    simulator.locator("#body").fill(text)
    simulator.locator("#compose button[type=submit]").click()

    def handled() -> bool:
        with live.database.session() as db:
            message = db.scalar(
                select(Message)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .where(Conversation.inburgeraar_id == person_id, Message.body == text)
            )
            return message is not None and message.status == "processed"

    wait_for(handled)


def _last_inbound(db: Any, person_id: int) -> int:
    return db.scalar(
        select(Message.id)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(Conversation.inburgeraar_id == person_id, Message.direction == "in")
        .order_by(Message.id.desc())
        .limit(1)
    )


def _login(context: Any, live: Live, target: str) -> Any:
    page = context.new_page()
    page.goto(f"{live.url}{target}")
    page.get_by_label("E-mailadres").fill("fatima.handoff@gemeente.example")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_load_state("networkidle")
    assert target in page.url, page.content()[:1000]
    return page


@pytest.mark.parametrize("width", list(VIEWPORTS), ids=list(VIEWPORTS))
def test_a_dutch_only_klantmanager_follows_an_arabic_conversation_end_to_end(chromium, handoff, width):
    live = handoff
    person_id, pvt_id = _amina(live, "+3161234" + ("5101" if width == "desktop" else "5102"))

    phone = chromium.new_context(locale="ar")
    simulator = phone.new_page()
    simulator.goto(f"{live.url}/simulator?lang=ar&person={person_id}")
    simulator.locator("#channel").select_option("sms")
    for text in (SICK, HUMAN, CALL_ME):
        _send_from_phone(simulator, live, person_id, text)
    with live.database.session() as db:
        escalation = db.scalar(select(Escalation).where(Escalation.inburgeraar_id == person_id))
        assert (escalation.status, escalation.interrupted_form) == ("open", "absence_form")
        read_silently = db.scalar(
            select(Message).where(Message.body == CALL_ME, Message.id == _last_inbound(db, person_id))
        )
        assert read_silently.intent == "ask_contact"  # read by the model while the bot stayed silent
    assert CALL_ME not in [t["text"] for t in live.rasa.turns]

    office = chromium.new_context(locale="nl-NL", viewport=VIEWPORTS[width])
    conversation = f"/ui/people/{person_id}/conversation"
    page = _login(office, live, conversation)

    # Every Arabic message, with its Dutch translation beside it, labelled as machine translation.
    for arabic, dutch in DUTCH.items():
        item = page.locator(".msg.in", has_text=arabic)
        assert item.locator(".body[lang=ar]").inner_text() == arabic
        assert item.locator(".dutch .body").inner_text() == dutch
        assert "vertaald door een computer" in item.locator(".dutch").inner_text()
    understood = page.locator(".msg.in", has_text=CALL_ME).locator(".understood").inner_text()
    assert "De assistent begreep: contact met de gemeente" in understood  # read while the bot was silent
    assert "Deze persoon was bezig met: zich afmelden voor een afspraak." in page.content()
    if AXE.exists():
        assert axe_violations(page, f"handoff-conversation-{width}") == []
    screenshot(page, f"handoff-conversation-{width}")

    # The bot's understanding, as one click: the absence, with the reason and the Wednesday appointment.
    with live.database.session() as db:
        when = helpers("nl")["weekday"](db.get(Appointment, pvt_id).starts_at)
    suggestion = page.get_by_role("button", name=f"Afwezigheid vastleggen: ziek, PVT-bijeenkomst {when}?")
    suggestion.click()
    page.wait_for_load_state("networkidle")
    assert "Vastgelegd namens de persoon." in page.locator(".flash").inner_text()
    with live.database.session() as db:
        row = db.scalar(select(Attendance).where(Attendance.appointment_id == pvt_id))
        assert (row.status, row.absence_reason) == ("absence_reported", "sick")

    # A reply written in Dutch, previewed in Arabic, sent exactly as previewed.
    page.locator("#reply-text").fill(REPLY)
    page.get_by_role("button", name="Vertalen en bekijken").click()
    page.wait_for_load_state("networkidle")
    preview = page.locator("#preview")
    assert preview.locator("#preview-dutch").inner_text() == REPLY
    shown = preview.locator("#preview-text").inner_text()
    assert shown.startswith(REPLY_AR) and render("ar", MACHINE_TRANSLATED) in shown and "Fatima" in shown
    assert preview.locator("#preview-text").get_attribute("lang") == "ar"
    assert (
        page.evaluate(
            "el => getComputedStyle(el).direction", preview.locator("#preview-text").element_handle()
        )
        == "rtl"
    )
    if AXE.exists():
        assert axe_violations(page, f"handoff-preview-{width}") == []
    screenshot(page, f"handoff-preview-{width}")
    page.get_by_role("button", name="Versturen zoals hierboven").click()
    page.wait_for_load_state("networkidle")
    assert "Je antwoord staat klaar om te versturen." in page.locator(".flash").inner_text()
    with live.database.session() as db:
        sent = db.scalar(
            select(Message).where(
                Message.kind == "staff_reply", Message.conversation_id == read_silently.conversation_id
            )
        )
        assert sent.body == shown and (sent.dutch, sent.language) == (REPLY, "ar")
    item = page.locator(".msg.out", has_text=REPLY_AR)
    assert "Antwoord van een medewerker: Fatima de Vries" in item.inner_text() and REPLY in item.inner_text()

    # The phone gets exactly that text.
    dispatcher = Dispatcher(live.database, live.settings)
    try:
        dispatcher.drain()
    finally:
        dispatcher.close()
    simulator.locator(".bubble.out", has_text=REPLY_AR).wait_for(timeout=10000)
    bubble = simulator.locator(".bubble.out", has_text=REPLY_AR).inner_text()
    assert bubble.startswith(shown)

    # Answered, so the question can be closed without a reason.
    page.get_by_role("button", name="Afhandelen, terug naar de assistent").click()
    page.wait_for_load_state("networkidle")
    with live.database.session() as db:
        closed = db.scalar(select(Escalation).where(Escalation.inburgeraar_id == person_id))
        assert (closed.status, closed.resolution) == ("resolved", "replied")
    phone.close()
    office.close()
