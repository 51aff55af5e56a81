# ruff: noqa: F811 - the fixtures imported from tests.messaging_support are used by name
"""Safe at the moments that matter: the crisis net in every state, a one-word reply that never ends
someone's reminders, and replies that carry the emergency line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from api.auth import principal_for_staff
from api.i18n.catalog import render
from api.inbox import service as inbox
from api.messaging import service as messaging
from api.messaging.gateway.replies import (
    CRISIS,
    EMERGENCY,
    LANGUAGE_OFFER,
    MEDICAL_PROOF,
    SAFETY_CHECK,
    STOP_OR_ABSENCE_QUESTION,
)
from api.messaging.models import Conversation
from api.people.models import Inburgeraar
from api.tasks import service as tasks
from api.tasks.models import Escalation, Task, TaskKind
from tests.messaging_support import (  # noqa: F401 - fixtures
    conversation_of,
    fake_rasa,
    gateway,
    messages_of,
    post_inbound,
    twilio_settings,
)
from tests.test_crisis_classifier import classifier_only_crisis_line, gentle_line_crisis_line

CRISIS_NL = "ik kan niet meer, ik wil dood"
NUMBERS = ("112", "0800-0113", "0800-2000")


@pytest.fixture
def settings(settings, fake_rasa):  # noqa: F811
    return twilio_settings(settings, fake_rasa, None)


def _sid(n: int) -> str:
    return f"SM{n:032d}"


def _replies(db, conversation_id: int) -> list[str]:
    return [m.body for m in messages_of(db, conversation_id) if m.direction == "out"]


def _crisis_escalation(db, conversation_id: int) -> Escalation | None:
    db.expire_all()
    return db.scalar(
        select(Escalation).where(Escalation.conversation_id == conversation_id, Escalation.urgent.is_(True))
    )


def _start_state(state: str, client, make, db, fake_rasa) -> Inburgeraar:
    """Bring a person's conversation into `state` before the crisis message arrives."""
    person = make.person(language="nl")
    post_inbound(client, person.phone, "hallo", _sid(1))
    conversation = conversation_of(db, person.id)
    if state == "handed_to_staff":
        tasks.open_escalation(db, conversation.id, inburgeraar_id=person.id, reason="request_human")
        db.commit()
    elif state == "rasa_down":
        fake_rasa.stop()
    elif state == "after_stop":
        post_inbound(client, person.phone, "STOP", _sid(2))
    elif state == "in_a_form":
        post_inbound(client, person.phone, "ik ben ziek", _sid(2))  # the bot now asks which appointment
    return person


@pytest.mark.parametrize("caught_by", ["vocabulary", "classifier"])
@pytest.mark.parametrize(
    "state", ["talking_to_the_bot", "in_a_form", "handed_to_staff", "rasa_down", "after_stop"]
)
def test_a_crisis_gets_the_numbers_and_an_urgent_escalation_in_every_state(
    client, make, db, fake_rasa, state, caught_by
):
    text = CRISIS_NL if caught_by == "vocabulary" else classifier_only_crisis_line("nl")
    person = _start_state(state, client, make, db, fake_rasa)
    post_inbound(client, person.phone, text, _sid(9))
    conversation = conversation_of(db, person.id)
    crisis_reply = next(body for body in _replies(db, conversation.id) if "0800-0113" in body)
    assert all(number in crisis_reply for number in NUMBERS)
    escalation = _crisis_escalation(db, conversation.id)
    assert escalation is not None and escalation.status != "resolved"


def test_a_crisis_from_an_unknown_number_is_answered_and_reaches_every_klantmanager(client, make, db):
    km, _ = make.staff()
    post_inbound(client, "+31611112222", "help my baby is not breathing", _sid(1))
    conversation = db.scalar(select(Conversation).where(Conversation.phone == "+31611112222"))
    assert any(all(n in body for n in NUMBERS) for body in _replies(db, conversation.id))
    box = inbox.inbox(db, principal_for_staff(km), inbox.View.all)
    assert [(row.escalation.urgent, row.whole) for row in box.rows] == [(True, True)]


def test_a_crisis_in_a_media_caption_is_answered(client, make, db):
    person = make.person()
    post_inbound(
        client,
        person.phone,
        CRISIS_NL,
        _sid(1),
        NumMedia="1",
        MediaUrl0="https://api.twilio.com/media/ME1",
        MediaContentType0="image/jpeg",
    )
    assert any("0800-0113" in body for body in _replies(db, conversation_of(db, person.id).id))


def test_the_crisis_reply_is_in_the_persons_language_and_in_the_language_they_wrote(client, make, db):
    person = make.person(language="ar")
    post_inbound(client, person.phone, "I want to kill myself, I can't go on anymore", _sid(1))
    body = next(b for b in _replies(db, conversation_of(db, person.id).id) if "0800-0113" in b)
    assert render("ar", CRISIS) in body and render("en", CRISIS) in body
    assert body.index(render("ar", CRISIS)) < body.index(render("en", CRISIS))


def test_a_sick_child_is_not_a_crisis(client, make, db, fake_rasa):
    person = make.person(language="en")
    post_inbound(client, person.phone, "my son is also sick and nobody can look after him", _sid(1))
    conversation = conversation_of(db, person.id)
    assert not any(render("en", CRISIS) in body for body in _replies(db, conversation.id))
    assert _crisis_escalation(db, conversation.id) is None
    assert [t["text"] for t in fake_rasa.turns] == ["my son is also sick and nobody can look after him"]


def test_a_message_the_net_is_unsure_of_gets_the_numbers_gently_and_a_person_reads_it(
    client, make, db, fake_rasa
):
    person = make.person(language="nl")
    text = gentle_line_crisis_line("nl")
    post_inbound(client, person.phone, text, _sid(1))
    conversation = conversation_of(db, person.id)
    replies = _replies(db, conversation.id)
    assert render("nl", SAFETY_CHECK) in replies and render("nl", CRISIS) not in replies
    assert all(number in render("nl", SAFETY_CHECK) for number in NUMBERS)
    assert _crisis_escalation(db, conversation.id) is None
    task = db.scalar(select(Task).where(Task.kind == TaskKind.possible_crisis))
    assert task is not None and task.conversation_id == conversation.id
    assert [t["text"] for t in fake_rasa.turns] == [text]  # the bot still answers the question


def test_the_bot_stays_silent_after_a_crisis_and_no_holding_reply_repeats_it(client, make, db, fake_rasa):
    person = make.person()
    post_inbound(client, person.phone, CRISIS_NL, _sid(1))
    post_inbound(client, person.phone, "hallo?", _sid(2))
    replies = _replies(db, conversation_of(db, person.id).id)
    assert len(replies) == 1 and "0800-0113" in replies[0]
    assert fake_rasa.turns == []


# --- a one-word reply never ends someone's reminders ----------------------------------------------

AMBIGUOUS = [("nl", "afmelden"), ("nl", "Afmelden!"), ("fa_AF", "بس"), ("ps", "بند")]


@pytest.mark.parametrize(("language", "word"), AMBIGUOUS, ids=[f"{c}-{w}" for c, w in AMBIGUOUS])
def test_a_word_that_may_mean_i_cant_come_asks_and_changes_nothing(
    client, make, db, fake_rasa, language, word
):
    person = make.person(language=language)
    post_inbound(client, person.phone, word, _sid(1))
    db.expire_all()
    assert not db.get(Inburgeraar, person.id).opted_out
    assert _replies(db, conversation_of(db, person.id).id) == [render(language, STOP_OR_ABSENCE_QUESTION)]
    assert fake_rasa.turns == []


def _afmelden_after_a_reminder(client, make, db):
    person = make.person()
    appointment = make.appointment([person], starts_in=timedelta(days=1))
    conversation = messaging.conversation_for(db, person)
    messaging.queue_outbound(db, conversation, "Herinnering", kind="reminder", appointment_id=appointment.id)
    db.commit()
    post_inbound(client, person.phone, "afmelden", _sid(1))
    return person, appointment


def test_afmelden_after_a_reminder_then_1_reports_the_absence_for_that_appointment(
    client, make, db, fake_rasa
):
    person, appointment = _afmelden_after_a_reminder(client, make, db)
    post_inbound(client, person.phone, "1", _sid(2))
    assert fake_rasa.turns[0]["text"] == f'/report_absence{{"appointment_id": "{appointment.id}"}}'
    db.expire_all()
    assert not db.get(Inburgeraar, person.id).opted_out
    inbound = [m for m in messages_of(db, conversation_of(db, person.id).id) if m.direction == "in"]
    assert [m.intent for m in inbound] == ["stop_or_absence", "report_absence"]


def test_afmelden_then_2_stops_the_messages(client, make, db, fake_rasa):
    person, _ = _afmelden_after_a_reminder(client, make, db)
    post_inbound(client, person.phone, "2", _sid(2))
    db.expire_all()
    assert db.get(Inburgeraar, person.id).opted_out
    assert fake_rasa.turns == []


def test_a_digit_long_after_the_question_is_plain_text(client, make, db, fake_rasa, time_machine):
    time_machine.move_to(datetime.now(UTC), tick=False)
    person, _ = _afmelden_after_a_reminder(client, make, db)
    time_machine.shift(timedelta(days=3))
    post_inbound(client, person.phone, "2", _sid(2))
    db.expire_all()
    assert not db.get(Inburgeraar, person.id).opted_out
    assert fake_rasa.turns[0]["text"] == "2"


# --- every reply that may reach someone in trouble carries the emergency line ---------------------


def test_help_carries_the_emergency_line(client, make, db):
    person = make.person(language="so")
    post_inbound(client, person.phone, "Caawimo", _sid(1))
    assert render("so", EMERGENCY) in _replies(db, conversation_of(db, person.id).id)[0]


def test_a_photo_says_where_medical_proof_goes_and_carries_the_emergency_line(client, make, db):
    person = make.person(language="tr")
    post_inbound(
        client,
        person.phone,
        "",
        _sid(1),
        NumMedia="1",
        MediaUrl0="https://api.twilio.com/media/ME1",
        MediaContentType0="image/jpeg",
    )
    reply = _replies(db, conversation_of(db, person.id).id)[0]
    assert render("tr", MEDICAL_PROOF) in reply and render("tr", EMERGENCY) in reply


def test_the_unknown_number_reply_carries_the_emergency_line(client, db):
    post_inbound(client, "+31633334444", "hallo", _sid(1))
    conversation = db.scalar(select(Conversation).where(Conversation.phone == "+31633334444"))
    assert render("nl", EMERGENCY) in _replies(db, conversation.id)[0]


# --- a detected language is offered, never imposed ------------------------------------------------


def test_a_message_in_another_language_gets_an_offer_and_keeps_the_profile(client, make, db, fake_rasa):
    person = make.person(language="nl")
    post_inbound(client, person.phone, "hello, when is my next appointment please", _sid(1))
    post_inbound(client, person.phone, "and where is the appointment exactly", _sid(2))
    db.expire_all()
    assert db.get(Inburgeraar, person.id).language == "nl"
    replies = _replies(db, conversation_of(db, person.id).id)
    offer = render("en", LANGUAGE_OFFER, language="English")
    assert replies.count(offer) == 1  # once a day, not after every message
    assert fake_rasa.turns[0]["metadata"]["language"] == "nl"


def test_a_dari_speaker_is_never_offered_persian(client, make, db, fake_rasa):
    person = make.person(language="fa_AF")
    post_inbound(client, person.phone, "سلام، ملاقات بعدی من چه وقت است؟", _sid(1))
    db.expire_all()
    assert db.get(Inburgeraar, person.id).language == "fa_AF"
    assert not any("فارسی" in body for body in _replies(db, conversation_of(db, person.id).id))


# --- clarify before failing -----------------------------------------------------------------------


def test_a_digit_answers_the_bots_clarifying_question_with_that_meaning(client, make, db, fake_rasa):
    person = make.person()
    fake_rasa.next_slots = {"clarify_options": ["report_absence", "request_reschedule"]}
    post_inbound(client, person.phone, "morgen bus probleem", _sid(1))
    post_inbound(client, person.phone, "2", _sid(2))
    assert fake_rasa.turns[1]["text"] == "/request_reschedule"
    inbound = [m for m in messages_of(db, conversation_of(db, person.id).id) if m.direction == "in"]
    assert inbound[-1].intent == "request_reschedule"


def test_a_digit_beyond_the_options_or_after_another_turn_is_plain_text(client, make, db, fake_rasa):
    person = make.person()
    fake_rasa.next_slots = {"clarify_options": ["report_absence", "request_reschedule"]}
    post_inbound(client, person.phone, "morgen bus probleem", _sid(1))
    post_inbound(client, person.phone, "3", _sid(2))
    post_inbound(client, person.phone, "1", _sid(3))
    assert [t["text"] for t in fake_rasa.turns[1:]] == ["3", "1"]


def test_two_requests_in_one_message_get_the_other_offered_and_a_digit_takes_it(
    client, make, db, fake_rasa, settings
):
    settings.offer_other_request = True
    person = make.person()
    post_inbound(client, person.phone, "Ik ben ziek vandaag. Krijg ik nu een boete?", _sid(1))
    replies = [m.body for m in messages_of(db, conversation_of(db, person.id).id) if m.direction == "out"]
    assert replies[0] == "Beterschap. Welke afspraak?"
    assert replies[1] == "Je vroeg ook iets anders. Wil je daar antwoord op? Stuur 1.\n1 = boete"
    post_inbound(client, person.phone, "1", _sid(2))
    assert fake_rasa.turns[1]["text"] == "/ask_fine"


def test_the_offer_is_off_unless_switched_on(client, make, db, fake_rasa):
    person = make.person()
    post_inbound(client, person.phone, "Ik ben ziek vandaag. Krijg ik nu een boete?", _sid(1))
    outbound = [m for m in messages_of(db, conversation_of(db, person.id).id) if m.direction == "out"]
    assert [m.body for m in outbound] == ["Beterschap. Welke afspraak?"] and fake_rasa.parses == []


def test_one_sentence_or_a_shortcut_gets_no_offer_and_no_extra_parse(client, make, db, fake_rasa, settings):
    settings.offer_other_request = True
    person = make.person()
    post_inbound(client, person.phone, "ik ben ziek en krijg ik een boete", _sid(1))
    fake_rasa.next_slots = {"clarify_options": ["report_absence", "ask_fine"]}
    post_inbound(client, person.phone, "hmm. geen idee", _sid(2))
    outbound = [m for m in messages_of(db, conversation_of(db, person.id).id) if m.direction == "out"]
    assert len(outbound) == 2
    assert fake_rasa.parses == []


def test_a_gentle_line_is_sent_once_however_often_a_waiting_message_is_replayed(
    client, make, db, fake_rasa, database, settings
):
    person = make.person(language="nl")
    fake_rasa.stop()
    text = gentle_line_crisis_line("nl")
    post_inbound(client, person.phone, text, _sid(1))
    for _ in range(2):  # the worker's rounds while Rasa is still down
        gateway(database, settings).replay_pending()
    fake_rasa.start(port=fake_rasa.port)
    gateway(database, settings).replay_pending()
    replies = _replies(db, conversation_of(db, person.id).id)
    assert replies.count(render("nl", SAFETY_CHECK)) == 1
    assert [t["text"] for t in fake_rasa.turns] == [text]
