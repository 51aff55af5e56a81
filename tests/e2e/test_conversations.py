"""A conversation in each of the ten languages through the real path: simulator → gateway → Rasa →
actions → case API → outbox. The person's sentences are taken from the bot's own training data for that
language, so these tests check the wiring and the dialogue, not the classifier (bench/nlu.py does that)."""

from __future__ import annotations

import ast
import re
import time
from datetime import UTC, datetime, timedelta
from functools import cache

import httpx
import pytest
import yaml
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from api.appointments.models import Appointment, Attendance
from api.auth import Principal
from api.bot_endpoints.messages import RESPONSES
from api.i18n.catalog import render
from api.i18n.languages import CODES
from api.messaging.conversations import conversation_for
from api.messaging.gateway import HANDOFF_HOLDING
from api.people.models import Inburgeraar
from api.settings import ROOT
from api.staff.models import Staff
from api.tasks.models import Escalation
from api.tasks.service import resolve

from .conftest import appointment_in_three_days, rasa_admin, rasa_auth

pytestmark = pytest.mark.rasa
ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
REASON_VALUE = re.compile(r'"entity": "absence_reason", "value": "(\w+)"')


@cache
def examples(language: str) -> dict[str, list[tuple[str, str | None]]]:
    """intent -> [(plain text, its absence_reason value or None)] from bot/data/nlu/<language>.yml.

    A reason annotated without a value (no code to pick from the menu) counts as "other".
    """
    data = yaml.safe_load((ROOT / "bot" / "data" / "nlu" / f"{language}.yml").read_text())
    out: dict[str, list[tuple[str, str | None]]] = {}
    for block in data["nlu"]:
        if "intent" not in block:
            continue
        for line in block["examples"].splitlines():
            line = line.strip().removeprefix("- ").strip()
            if line:
                value = REASON_VALUE.search(line)
                reason = (value[1] if value else "other") if "absence_reason" in line else None
                out.setdefault(block["intent"], []).append((ANNOTATION.sub(r"\1", line), reason))
    return out


@cache
def reason_menu() -> tuple[str, ...]:
    """The reason menu's order, read from the actions (bot/actions/absence.py, REASON_MENU): the digit a
    person sends picks the code at that position. Read, not imported: rasa_sdk is the bot environment's."""
    source = (ROOT / "bot" / "actions" / "absence.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    node = next(
        n for n in tree.body if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "REASON_MENU"
    )
    return ast.literal_eval(node.value)


def reason_of(language: str, text: str) -> str:
    """The absence_reason value the training line `text` is annotated with (a reason code)."""
    return next(reason for line, reason in examples(language)["report_absence"] if line == text and reason)


def say(language: str, intent: str, *, with_reason: bool = False) -> str:
    candidates = [text for text, reason in examples(language)[intent] if reason or not with_reason]
    # Longer examples carry more signal; pick a stable, mid-length one.
    candidates.sort(key=len)
    return candidates[len(candidates) // 2]


class Phone:
    """A person's phone in the simulator: send a text, wait for the assistant's answers."""

    def __init__(self, stack, person_id: int) -> None:
        self.api = stack.api
        self.person_id = person_id

    def send(self, text: str, timeout: float = 30) -> list[str]:
        response = httpx.post(
            f"{self.api}/simulator/messages", json={"inburgeraarId": self.person_id, "body": text}
        )
        assert response.status_code == 202, response.text
        message_id = response.json()["messageId"]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rows = httpx.get(
                f"{self.api}/simulator/{self.person_id}/messages", params={"after": message_id - 1}
            ).json()
            inbound = next((r for r in rows if r["id"] == message_id), None)
            replies = [r["body"] for r in rows if r["direction"] == "out" and r["id"] > message_id]
            if inbound and inbound["status"] == "processed" and replies:
                return replies
            time.sleep(0.3)
        raise AssertionError(f"no answer to {text!r} within {timeout}s")


@pytest.fixture(scope="module")
def case(stack):
    engine = create_engine(stack.db_url)
    with Session(engine) as db:
        km = Staff(
            name="Fatima de Vries", email="fatima@e2e.example", role="klantmanager", phone="+31201234501"
        )
        db.add(km)
        db.flush()
        people = {}
        for n, language in enumerate(CODES):
            person = Inburgeraar(
                name=f"Persoon {language}",
                phone=f"+3161100{n:04d}",
                language=language,
                doelgroep="asielstatushouder",
                klantmanager_id=km.id,
            )
            db.add(person)
            db.flush()
            appointment = appointment_in_three_days(person.id, km.id, f"Stadskantoor Balie {n + 1}")
            db.add(appointment)
            db.flush()
            people[language] = (person.id, appointment.id, appointment.location)
        db.commit()
    yield engine, people
    engine.dispose()


def _attendance(engine, appointment_id: int) -> Attendance:
    with Session(engine) as db:
        return db.scalar(select(Attendance).where(Attendance.appointment_id == appointment_id))


@pytest.mark.parametrize("language", CODES)
def test_person_gets_next_appointment_confirms_after_a_readback_reports_absence_asks_faq_and_reaches_a_human(
    stack, case, language
):
    engine, people = case
    person_id, appointment_id, location = people[language]
    phone = Phone(stack, person_id)

    answers = phone.send(say(language, "ask_next_appointment"))
    assert any(location in a for a in answers), answers

    answers = phone.send(say(language, "confirm_attendance"))
    assert _attendance(engine, appointment_id).status == "pending", answers  # read back first
    phone.send(say(language, "affirm"))
    assert _attendance(engine, appointment_id).status == "confirmed"

    text = say(language, "report_absence", with_reason=True)
    answers = phone.send(text)
    menu = render(language, RESPONSES["utter_ask_absence_reason"])
    for _ in range(2):  # at most the reason (when the model missed it) and the details
        if _attendance(engine, appointment_id).status == "absence_reported":
            break
        if menu in answers:  # as a person would: the number of the reason they gave
            answers = phone.send(str(reason_menu().index(reason_of(language, text)) + 1))
        else:
            answers = phone.send(say(language, "deny"))  # no further details
    row = _attendance(engine, appointment_id)
    assert row.status == "absence_reported", answers
    assert row.absence_reason is not None and row.reported_at is not None and row.reported_late is False

    answers = phone.send(say(language, "ask_pvt"))
    twelve = ("12", "١٢", "۱۲")  # Latin, Arabic-Indic or Persian digits
    assert any(t in a for a in answers for t in twelve), answers

    phone.send(say(language, "request_human"))
    with Session(engine) as db:
        escalation = db.scalar(select(Escalation).where(Escalation.inburgeraar_id == person_id))
    assert escalation is not None and escalation.status == "open"


def test_typed_rasa_shortcut_sets_no_slot_and_picks_no_appointment(stack, case):
    """A person typing Rasa's `/intent{...}` syntax is understood as words, never as a trusted shortcut:
    the appointment id and reason in the payload are ignored, so with two appointments the bot must ask."""
    engine, _ = case
    with Session(engine) as db:
        person = Inburgeraar(name="Slash", phone="+31611009999", language="nl", doelgroep="nareiziger")
        db.add(person)
        db.flush()
        ids = []
        for days in (2, 9):
            appointment = Appointment(
                kind="knm_les",
                starts_at=datetime.now(UTC) + timedelta(days=days),
                ends_at=datetime.now(UTC) + timedelta(days=days, hours=1),
                location="Taalhuis",
                status="scheduled",
                checkin_code="1234",
            )
            appointment.attendances = [Attendance(inburgeraar_id=person.id)]
            db.add(appointment)
            db.flush()
            ids.append(appointment.id)
        db.commit()
        person_id = person.id
    phone = Phone(stack, person_id)
    phone.send(f'/confirm_attendance{{"appointment_id": "{ids[1]}"}}')
    phone.send(f'/report_absence{{"absence_reason": "sick", "appointment_id": "{ids[1]}"}}')
    assert [_attendance(engine, i).status for i in ids] == ["pending", "pending"]
    with Session(engine) as db:
        sender = conversation_for(db, db.get(Inburgeraar, person_id)).sender_id
    tracker = httpx.get(f"{stack.rasa}/conversations/{sender}/tracker", headers=rasa_auth(sender)).json()
    assert tracker["slots"].get("absence_reason") is None
    assert tracker["slots"].get("appointment_id") in (None, "")


# Vague words and nonsense; which of them the model is unsure about changes with each training run.
UNCLEAR = [
    "en nu", "misschien", "welke", "hmm misschien", "zzkv qorp yxw", "jjjjj", "kkkkkkk xxxxxxx",
    "lorem ipsum dolor", "tttt", "zzz", "qwx zrrp vlogh", "xjq pfft grmbl", "plfrt vvqz krx", "ghjk zxcv bnm",
    "vvvv wwww zzzz", "brrt kzzv wuplo", "xqxqxq", "pppp qqqq", "ffff gggg hhhh", "wibble wobble",
    # Half-sentences and fillers: as the training data grows the model grows sure of typed nonsense (it learnt
    # it as out_of_scope), so the candidates include the words a person sends when they lost their thread.
    "een", "voor", "en nu dan", "geen idee", "zeg maar", "eigenlijk", "die", "hoezo", "misschien wel", "hoe",
]  # fmt: skip


def _not_understood(stack, count: int) -> list[str]:
    """Strings the trained model sends to nlu_fallback: the test is about what happens next, not about
    which words the classifier happens to be unsure of."""
    found = []
    for text in UNCLEAR:
        parsed = httpx.post(
            f"{stack.rasa}/model/parse", json={"text": text}, headers=rasa_admin(), timeout=30
        ).json()
        if parsed["intent"]["name"] == "nlu_fallback":
            found.append(text)
    assert len(found) >= count, f"the model was sure about all of {UNCLEAR}"
    return found[:count]


def test_misunderstood_twice_goes_to_a_person_and_the_bot_resumes_when_they_hand_back(stack, case):
    engine, _ = case
    with Session(engine) as db:
        km = db.scalar(select(Staff).where(Staff.email == "fatima@e2e.example"))
        person = Inburgeraar(
            name="Nooit Begrepen",
            phone="+31611008888",
            language="nl",
            doelgroep="asielstatushouder",
            klantmanager_id=km.id,
        )
        db.add(person)
        db.commit()
        person_id, km_id = person.id, km.id
    phone = Phone(stack, person_id)
    first, second = _not_understood(stack, 2)

    # The first misunderstanding gets the clarifying question (or, with nothing likely to offer, a request
    # to say it differently); only the second goes to a person.
    (clarify,) = phone.send(first)
    asks = render("nl", RESPONSES["utter_clarify"]).split("\n")[0]
    assert clarify == render("nl", RESPONSES["utter_ask_rephrase"]) or clarify.startswith(asks), clarify
    assert phone.send(second) == [render("nl", RESPONSES["utter_handoff"])]
    with Session(engine) as db:
        (escalation,) = db.scalars(select(Escalation).where(Escalation.inburgeraar_id == person_id)).all()
        assert (escalation.status, escalation.reason) == ("open", "fallback")
        escalation_id = escalation.id

    # While a person handles it, the bot stays out: one holding reply, then silence.
    assert phone.send(say("nl", "greet")) == [render("nl", HANDOFF_HOLDING)]
    with Session(engine) as db:
        klantmanager = Principal(kind="staff", role="klantmanager", staff_id=km_id)
        resolve(db, klantmanager, escalation_id, resolution="by_phone")  # answered by phone
        db.commit()

    answers = phone.send(say("nl", "ask_next_appointment"))
    assert answers == [render("nl", RESPONSES["utter_no_appointment"])]
