"""Safety with the trained model, in each of the ten languages, through the real path (simulator → gateway
→ Rasa → actions → case API): a crisis while a form is open, while a klantmanager holds the conversation
and while Rasa is down; "afmelden" after a reminder leads to an absence, never an opt-out; an absence for
yesterday is recorded late on yesterday's appointment and reaches the klantmanager."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from api.appointments.models import Appointment, Attendance
from api.i18n.languages import CODES
from api.localstack import api_command, free_port
from api.messaging.models import Conversation, Direction, Message
from api.people.models import Inburgeraar
from api.settings import ROOT
from api.staff.models import Staff
from api.tasks.models import Escalation, Task

from .conftest import ADMIN_TOKEN, BOT_TOKEN, appointment_in_three_days, processes
from .test_conversations import Phone, say

pytestmark = pytest.mark.rasa

# Written for these tests (not taken from the crisis evaluation set).
CRISIS = {
    "nl": "ik kan niet meer, ik wil dood",
    "en": "I want to kill myself",
    "ar": "بدي انتحر، ما عاد فيني",
    "fa": "می‌خواهم خودکشی کنم",
    "fa_AF": "می‌خواهم خود را بکشم",
    "tr": "kendimi öldürmek istiyorum",
    "so": "waxaan rabaa inaan is dilo",
    "ps": "غواړم ځان ووژنم",
    "ku": "ez dixwazim xwe bikujim",
    "ti": "ነብሰይ ክቐትል እደሊ",
}
YESTERDAY = {
    "nl": "gisteren",
    "en": "yesterday",
    "ar": "امس",
    "fa": "دیروز",
    "fa_AF": "دیروز",
    "tr": "dün",
    "so": "shalay",
    "ps": "پرون",
    "ku": "duh",
    "ti": "ትማሊ",
}
NUMBERS = ("112", "0800-0113", "0800-2000")


@pytest.fixture(scope="module")
def case(stack):
    """Per language: a person with a klantmanager, an appointment in three days and one yesterday."""
    engine = create_engine(stack.db_url)
    with Session(engine) as db:
        km = Staff(name="Sanne Bakker", email="sanne@safety.example", role="klantmanager")
        db.add(km)
        db.flush()
        people = {}
        for n, language in enumerate(CODES * 2):
            person = Inburgeraar(
                name=f"Veilig {language} {n}",
                phone=f"+3162200{n:04d}",
                language=language,
                doelgroep="asielstatushouder",
                klantmanager_id=km.id,
            )
            db.add(person)
            db.flush()
            ahead = appointment_in_three_days(person.id, km.id, f"Balie {n}")
            yesterday = datetime.now(UTC) - timedelta(days=1)
            past = Appointment(
                kind="knm_les",
                starts_at=yesterday,
                ends_at=yesterday + timedelta(hours=2),
                location="Bibliotheek",
                status="scheduled",
                checkin_code="1234",
            )
            past.attendances = [Attendance(inburgeraar_id=person.id)]
            db.add_all([ahead, past])
            db.flush()
            # The first person per language meets the crisis and afmelden tests; the second starts fresh.
            people[language if n < len(CODES) else f"{language}:fresh"] = (person.id, ahead.id, past.id)
        db.commit()
    yield engine, people
    engine.dispose()


@pytest.fixture(scope="module")
def rasa_down_api(stack, tmp_path_factory):
    """A second API process on the same database whose Rasa never answers."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": stack.db_url,
        "PORT": str(port),
        "CASE_API_ADMIN_TOKEN": ADMIN_TOKEN,
        "BOT_SERVICE_TOKEN": BOT_TOKEN,
        "RASA_URL": f"http://127.0.0.1:{free_port()}",
        "RASA_TIMEOUT_SECONDS": "2",
        "ENVIRONMENT": "test",
    }
    with processes(tmp_path_factory.mktemp("rasa_down")) as procs:
        procs.start("api", api_command(port), ROOT, env)
        procs.wait("api", f"http://127.0.0.1:{port}/health", 60)
        yield f"http://127.0.0.1:{port}"


def _crisis_escalation(engine, person_id: int) -> Escalation | None:
    with Session(engine) as db:
        return db.scalar(
            select(Escalation).where(Escalation.inburgeraar_id == person_id, Escalation.urgent.is_(True))
        )


def _has_numbers(answers: list[str]) -> bool:
    return any(all(number in answer for number in NUMBERS) for answer in answers)


@pytest.mark.parametrize("language", CODES)
def test_a_crisis_during_a_form_and_then_during_the_hand_off_gets_the_numbers_each_time(
    stack, case, language
):
    engine, people = case
    person_id, _, _ = people[language]
    phone = Phone(stack, person_id)

    phone.send(say(language, "report_absence"))  # the absence form is open now
    answers = phone.send(CRISIS[language])
    assert _has_numbers(answers), answers
    assert _crisis_escalation(engine, person_id) is not None

    answers = phone.send(CRISIS[language])  # a klantmanager holds the conversation now
    assert _has_numbers(answers), answers


@pytest.mark.parametrize("language", CODES)
def test_a_crisis_while_rasa_is_down_gets_the_numbers(stack, case, rasa_down_api, language):
    engine, people = case
    person_id, _, _ = people[language]
    phone = Phone(stack, person_id)
    phone.api = rasa_down_api
    answers = phone.send(CRISIS[language])
    assert _has_numbers(answers), answers


def _reminder(engine, person_id: int, appointment_id: int) -> None:
    with Session(engine) as db:
        conversation = db.scalar(select(Conversation).where(Conversation.inburgeraar_id == person_id))
        db.add(
            Message(
                conversation_id=conversation.id,
                direction=Direction.outbound,
                channel="web",
                kind="reminder",
                body="Herinnering",
                language="nl",
                status="delivered",
                appointment_id=appointment_id,
            )
        )
        db.commit()


def _hand_back(engine, person_id: int) -> None:
    """The klantmanager closes the escalations the crisis tests opened, so the bot answers again."""
    with Session(engine) as db:
        for escalation in db.scalars(select(Escalation).where(Escalation.inburgeraar_id == person_id)):
            escalation.status = "resolved"
        db.commit()


def _attendance(engine, appointment_id: int, person_id: int) -> Attendance:
    with Session(engine) as db:
        return db.scalar(
            select(Attendance).where(
                Attendance.appointment_id == appointment_id, Attendance.inburgeraar_id == person_id
            )
        )


def _finish_absence(
    phone: Phone, engine, answers: list[str], appointment_id: int, person_id: int
) -> list[str]:
    """Answer the absence form until the absence is recorded: "1" to the reason menu, "0" (nothing to
    add) to the question for details."""
    for _ in range(3):
        if _attendance(engine, appointment_id, person_id).reported_at is not None:
            break
        asks_reason = any("\n1 " in answer for answer in answers)
        answers = phone.send("1" if asks_reason else "0")
    return answers


@pytest.mark.parametrize("language", CODES)
def test_afmelden_after_a_reminder_leads_to_an_absence_not_an_opt_out(stack, case, language):
    engine, people = case
    person_id, ahead_id, _ = people[language]
    phone = Phone(stack, person_id)
    _hand_back(engine, person_id)
    phone.send(say(language, "greet"))
    _reminder(engine, person_id, ahead_id)

    question = phone.send("afmelden")
    assert any("1" in q and "2" in q for q in question), question
    answers = _finish_absence(phone, engine, phone.send("1"), ahead_id, person_id)
    row = _attendance(engine, ahead_id, person_id)
    assert row.reported_at is not None, answers
    with Session(engine) as db:
        assert db.get(Inburgeraar, person_id).consent_state == "granted"


@pytest.mark.parametrize("language", CODES)
def test_an_absence_for_yesterday_is_recorded_late_and_reaches_the_klantmanager(stack, case, language):
    engine, people = case
    person_id, ahead_id, past_id = people[f"{language}:fresh"]
    phone = Phone(stack, person_id)
    ahead_before = _attendance(engine, ahead_id, person_id).reported_at

    opening = phone.send(f"{say(language, 'report_absence')} {YESTERDAY[language]}")
    answers = opening + _finish_absence(phone, engine, opening, past_id, person_id)
    past = _attendance(engine, past_id, person_id)
    assert (past.reported_at is not None, past.reported_late) == (True, True), answers
    assert _attendance(engine, ahead_id, person_id).reported_at == ahead_before  # never the next one
    with Session(engine) as db:
        task = db.scalar(select(Task).where(Task.kind == "absence_reported", Task.appointment_id == past_id))
        assert task is not None and task.inburgeraar_id == person_id
