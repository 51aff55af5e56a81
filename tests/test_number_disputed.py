# ruff: noqa: F811 - the fixtures imported from tests.messaging_support are used by name
"""A recycled number: whoever has it now writes "wrong number". From that moment nothing about the person
goes there (no reminder, bot answer or staff reply), their consent stays as it was, and their klantmanager
checks the number another way. Only staff end it: confirm the number, or change it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from api.audit.models import AuditEvent
from api.i18n.catalog import render
from api.messaging import service as messaging
from api.messaging import wrong_number
from api.messaging.gateway.menu import WHOSE_NUMBER
from api.messaging.gateway.replies import CRISIS, NOT_THEIR_NUMBER, NUMBER_KEPT, WHOSE_NUMBER_QUESTION
from api.messaging.models import Message
from api.people.models import Inburgeraar
from api.safety import not_their_number
from api.tasks.models import Task, TaskKind
from tests.messaging_support import (  # noqa: F401 - fixtures
    conversation_of,
    dispatcher,
    fake_rasa,
    messages_of,
    post_inbound,
    text_from,
    twilio_double,
    twilio_settings,
)
from tests.web_helpers import open_browsers, post_form


@pytest.fixture
def settings(settings, twilio_double, fake_rasa):
    return twilio_settings(settings, fake_rasa, twilio_double)


@pytest.fixture
def web(app):
    yield from open_browsers(app)


def _person_after_a_reminder(make, db, **kw):
    km, _ = make.staff()
    person = make.person(km, **kw)
    appointment = make.appointment([person], starts_in=timedelta(days=1))
    conversation = messaging.conversation_for(db, person)
    messaging.queue_outbound(db, conversation, "Herinnering", kind="reminder", appointment_id=appointment.id)
    db.commit()
    return km, person, appointment


def _outbound(db, person) -> list[Message]:
    return [m for m in messages_of(db, conversation_of(db, person.id).id) if m.direction == "out"]


# --- what counts as "this number is not theirs" -------------------------------------------------------

SAYS_NOT_THEIRS = [
    ("en", "Wrong number!"),
    ("en", "sorry u have the wrong person, i dont know any klantmanager"),
    ("en", "This number isn't Khalid's anymore, I bought the sim in a shop in Almere"),
    ("en", "this phone used to be my cousin Samir's, he moved to Canada"),
    ("nl", "verkeerd nummer"),
    ("nl", "Dit nummer is niet meer van Rahma, ik heb het sinds de zomer"),
    ("nl", "ik ken deze mevrouw niet hoor"),
    ("ar", "الرقم غلط يا جماعة"),
    ("ar", "ma ba3rif hal shakhs, ra2m ghalat"),
    ("ti", "ግጉይ ቁጽሪ እዩ"),
    ("fa", "اشتباه گرفتید، من این شخص رو نمیشناسم"),
    ("fa", "in shomare dige male Hassan nist"),
    ("fa_AF", "ای آدم ره نمیشناسم"),
    ("tr", "Yanlış numara, lütfen"),
    ("tr", "bu hat eskiden başkasınındı"),
    ("so", "lambarkan waa khaldan"),
    ("ps", "نمبر غلط دی"),
    ("ku", "hejmara şaş e"),
]

THEIR_OWN_TALK = [
    "I called the wrong number yesterday, sorry",
    "I got a fine for a car with the wrong number plate",
    "Ik heb gisteren het verkeerde nummer gebeld",
    "ik heb een verkeerd nummer ingevuld bij DUO",
    "ik ken geen Nederlands, kan iemand helpen",
    "I don't know who to ask about my PIP",
    "this number is not working on whatsapp",
    "Yanlış numarayı aradım, özür dilerim",
    "Lacag ayaan u diray lambar khaldan",
    "سیم کارت نو گرفتم و پیام‌ها رفته",
    "nobody called me back from the gemeente",
    "I have a new phone, is my appointment still tomorrow?",
]


@pytest.mark.parametrize(("language", "text"), SAYS_NOT_THEIRS)
def test_a_holder_saying_the_number_is_not_theirs_is_recognised(language, text):
    assert wrong_number.says_not_theirs(text), language


@pytest.mark.parametrize("text", THEIR_OWN_TALK)
def test_the_persons_own_talk_about_numbers_is_not(text):
    assert wrong_number.matching_language(text) is None


def test_every_language_has_patterns():
    from api.i18n import languages

    assert set(wrong_number.PATTERNS) == set(languages.LANGUAGES)


# --- the gateway ------------------------------------------------------------------------------------


def test_wrong_number_after_a_reminder_holds_everything_and_tells_the_klantmanager(
    client, make, db, fake_rasa
):
    km, person, _ = _person_after_a_reminder(make, db, language="ar")
    text_from(client, person.phone, "Wrong number, I don't know this person")

    db.expire_all()
    held = db.get(Inburgeraar, person.id)
    assert held.phone_disputed_at is not None
    assert held.consent_state == "granted"  # a stranger's word does not end the person's reminders for good
    assert fake_rasa.turns == []  # the bot never answered the stranger with the person's appointments
    replies = _outbound(db, person)
    answer = replies[-1]
    assert answer.intent == messaging.NUMBER_DISPUTED_REPLY
    for code in ("nl", "en"):
        assert render(code, NOT_THEIR_NUMBER, phone="14 0513") in answer.body
    assert render("ar", NOT_THEIR_NUMBER, phone="14 0513") in answer.body  # no language detected: Arabic
    assert person.name not in answer.body
    task = db.scalar(select(Task).where(Task.kind == TaskKind.number_disputed))
    assert (task.inburgeraar_id, task.assignee_id, task.status) == (person.id, km.id, "open")
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "dispute_number"))
    assert event.object_id == str(person.id)


def test_while_disputed_nothing_about_the_person_goes_out_but_the_answer_does(
    client, make, db, database, settings, twilio_double, fake_rasa
):
    _, person, _ = _person_after_a_reminder(make, db)
    text_from(client, person.phone, "verkeerd nummer")
    messaging.queue_outbound(db, conversation_of(db, person.id), "Herinnering 2", kind="reminder")
    db.commit()

    dispatcher(database, settings).drain()

    sent = [c.body for c in twilio_double.created]
    assert len(sent) == 1 and render("nl", NOT_THEIR_NUMBER, phone="14 0513") in sent[0]
    statuses = {m.body: (m.status, m.error_code) for m in _outbound(db, person)}
    assert statuses["Herinnering"] == ("cancelled", "number_disputed")  # queued before, held at sending
    assert statuses["Herinnering 2"] == ("cancelled", "number_disputed")  # queued after, never queued


def test_later_messages_reach_neither_the_bot_nor_consent_and_get_one_reply_a_day(
    client, make, db, fake_rasa, time_machine
):
    time_machine.move_to(datetime.now(UTC), tick=False)
    _, person, _ = _person_after_a_reminder(make, db)
    text_from(client, person.phone, "wrong number")
    text_from(client, person.phone, "wanneer is de afspraak?")
    text_from(client, person.phone, "STOP")

    db.expire_all()
    assert fake_rasa.turns == []
    assert db.get(Inburgeraar, person.id).consent_state == "granted"
    assert len([m for m in _outbound(db, person) if m.intent == messaging.NUMBER_DISPUTED_REPLY]) == 1
    time_machine.shift(timedelta(hours=25))
    text_from(client, person.phone, "hallo??")
    assert len([m for m in _outbound(db, person) if m.intent == messaging.NUMBER_DISPUTED_REPLY]) == 2
    assert db.scalar(select(Task.id).where(Task.kind == TaskKind.number_disputed).offset(1)) is None


def test_a_crisis_on_a_disputed_number_still_gets_the_numbers(client, make, db):
    _, person, _ = _person_after_a_reminder(make, db)
    text_from(client, person.phone, "wrong number")
    text_from(client, person.phone, "ik kan niet meer, ik wil dood")
    assert any(render("nl", CRISIS) in m.body for m in _outbound(db, person))


def test_a_klantmanager_cannot_reply_to_a_disputed_number(client, make, db, web):
    km, person, _ = _person_after_a_reminder(make, db)
    text_from(client, person.phone, "wrong number")
    browser = web(km)
    page = browser.get(f"/ui/people/{person.id}/conversation").text
    assert 'id="number-disputed"' in page and 'id="reply-form"' not in page

    response = post_form(
        browser, f"/ui/people/{person.id}/conversation", f"/ui/people/{person.id}/reply", {"text": "Hallo"}
    )

    assert response.status_code == 409
    assert not [m for m in _outbound(db, person) if m.body.startswith("Hallo")]


def test_the_klantmanager_confirms_the_number_after_checking_and_messages_go_there_again(
    client, make, db, web, fake_rasa
):
    km, person, _ = _person_after_a_reminder(make, db)
    text_from(client, person.phone, "wrong number")
    browser = web(km)

    response = post_form(
        browser, f"/ui/people/{person.id}/conversation", f"/ui/people/{person.id}/number-confirmed"
    )

    assert response.status_code == 303 and "done=number_confirmed" in response.headers["location"]
    db.expire_all()
    assert db.get(Inburgeraar, person.id).phone_disputed_at is None
    assert db.scalar(select(Task.status).where(Task.kind == TaskKind.number_disputed)) == "done"
    confirmed = db.scalar(select(AuditEvent).where(AuditEvent.action == "confirm_number"))
    assert confirmed.actor == f"staff:{km.id}"
    text_from(client, person.phone, "wanneer is mijn afspraak")
    assert len(fake_rasa.turns) == 1


def test_a_klantmanager_of_another_caseload_cannot_confirm(client, make, db, web):
    _, person, _ = _person_after_a_reminder(make, db)
    text_from(client, person.phone, "wrong number")
    colleague, _ = make.staff()
    browser = web(colleague)
    browser.get("/ui/tasks")
    response = post_form(browser, "/ui/tasks", f"/ui/people/{person.id}/number-confirmed")
    assert response.status_code in (403, 404)
    db.expire_all()
    assert db.get(Inburgeraar, person.id).phone_disputed_at is not None


def test_changing_the_number_ends_the_dispute_and_the_old_number_hears_nothing(client, make, db, web):
    km, person, _ = _person_after_a_reminder(make, db)
    old = person.phone
    text_from(client, old, "wrong number")
    from api.auth import principal_for_staff
    from api.people.schemas import InburgeraarUpdate
    from api.people.service import update_inburgeraar

    update_inburgeraar(db, principal_for_staff(km), person.id, InburgeraarUpdate(phone="+31612349876"))
    db.commit()

    db.expire_all()
    assert db.get(Inburgeraar, person.id).phone_disputed_at is None
    assert conversation_of(db, person.id) is None or conversation_of(db, person.id).phone != old


# --- the learned layer: not sure, so one question ----------------------------------------------------

UNSURE = "Hallo, ik ben loodgieter en ik weet van geen afspraak, wie bent u eigenlijk?"  # no pattern says it


def test_the_number_classifier_was_trained_on_the_current_data():
    model = not_their_number.model()
    assert model is not None, "api/safety/not_their_number.json.gz is missing: make number-classifier"
    assert model.digest == not_their_number.training_digest(), (
        "the number classifier's training data changed since it was trained: make number-classifier"
    )


def test_the_learned_layer_asks_about_what_no_pattern_says():
    assert not wrong_number.says_not_theirs(UNSURE) and wrong_number.worth_asking(UNSURE)
    assert not wrong_number.worth_asking(UNSURE, answers_the_bot=True)  # in a dialogue the bot answers
    for text in ("Ik kom morgen naar de afspraak", "my son is sick, I cannot come tomorrow"):
        assert not wrong_number.worth_asking(text)


def test_an_unsure_message_gets_the_question_and_changes_nothing(client, make, db, fake_rasa):
    _, person, _ = _person_after_a_reminder(make, db)
    text_from(client, person.phone, UNSURE)

    db.expire_all()
    assert db.get(Inburgeraar, person.id).phone_disputed_at is None
    assert fake_rasa.turns == []  # not answered with the person's appointments, to be safe
    question = _outbound(db, person)[-1]
    assert question.intent == WHOSE_NUMBER
    assert (
        render("nl", WHOSE_NUMBER_QUESTION) in question.body
        and render("en", WHOSE_NUMBER_QUESTION) in question.body
    )
    assert db.scalar(select(Task.id).where(Task.kind == TaskKind.number_disputed)) is None


def test_1_to_the_question_holds_the_number_and_never_confirms_the_reminder(client, make, db, fake_rasa):
    _, person, _ = _person_after_a_reminder(make, db)
    text_from(client, person.phone, UNSURE)
    text_from(client, person.phone, "1")

    db.expire_all()
    assert db.get(Inburgeraar, person.id).phone_disputed_at is not None
    assert fake_rasa.turns == []  # "1" after a reminder would otherwise confirm the person's appointment
    assert db.scalar(select(Task.status).where(Task.kind == TaskKind.number_disputed)) == "open"


def test_2_to_the_question_keeps_everything_and_the_next_message_reaches_the_bot(client, make, db, fake_rasa):
    _, person, _ = _person_after_a_reminder(make, db)
    text_from(client, person.phone, UNSURE)
    text_from(client, person.phone, "2")

    db.expire_all()
    assert db.get(Inburgeraar, person.id).phone_disputed_at is None
    assert _outbound(db, person)[-1].body == render(person.language, NUMBER_KEPT)
    assert fake_rasa.turns == []
    text_from(client, person.phone, "wanneer is mijn afspraak")
    assert len(fake_rasa.turns) == 1


def test_whoever_answered_2_is_not_asked_again_about_their_next_words(client, make, db, fake_rasa):
    _, person, _ = _person_after_a_reminder(make, db)
    text_from(client, person.phone, UNSURE)
    text_from(client, person.phone, "2")
    text_from(client, person.phone, UNSURE)  # the same words again: to the bot this time
    assert len(fake_rasa.turns) == 1
    assert len([m for m in _outbound(db, person) if m.intent == WHOSE_NUMBER]) == 1
