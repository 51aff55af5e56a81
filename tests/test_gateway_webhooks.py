# ruff: noqa: F811 - the fixtures imported from tests.messaging_support are used by name
"""The inbound webhook: signatures, de-duplication, mapping numbers to people, what Rasa gets to see."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from api.messaging import service as messaging
from api.messaging.models import Conversation, Message
from api.tasks.models import Task
from tests.messaging_support import (  # noqa: F401 - fixtures
    PUBLIC,
    conversation_of,
    fake_rasa,
    inbound_form,
    messages_of,
    post_inbound,
    sign,
    twilio_settings,
)


@pytest.fixture
def settings(settings, fake_rasa):  # noqa: F811 - narrows the shared settings to Twilio + the fake Rasa
    return twilio_settings(settings, fake_rasa, None)


def _count(db, model=Message) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model))


def test_signed_message_is_stored_answered_and_annotated(client, make, db, fake_rasa):
    km, km_headers = make.staff()
    person = make.person(km, language="nl")
    response = post_inbound(client, person.phone, "hallo, ik heb een vraag", "SM" + "a" * 32)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    inbound, reply = messages_of(db, conversation_of(db, person.id).id)
    assert (inbound.direction, inbound.status, inbound.intent) == ("in", "processed", "greet")
    assert inbound.intent_confidence == pytest.approx(0.97)
    assert (reply.kind, reply.status, reply.body) == ("bot_reply", "queued", "Hallo! Waarmee kan ik helpen?")
    staff_view = client.get(f"/api/v1/inburgeraars/{person.id}/messages", headers=km_headers).json()
    assert [m["intent"] for m in staff_view] == ["greet", None]


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no-signature"),
        pytest.param({"X-Twilio-Signature": "Zm9yZ2Vk"}, id="forged-signature"),
        pytest.param("wrong-token", id="signed-with-another-token"),
        pytest.param("internal-url", id="signed-for-the-internal-url"),
    ],
)
def test_unverified_webhook_is_refused_and_nothing_is_stored(client, make, db, fake_rasa, headers):
    person = make.person()
    form = inbound_form(person.phone, "hallo", "SM" + "b" * 32)
    if headers == "wrong-token":
        headers = sign("/twilio/messages", form, token="someone-elses-token")
    elif headers == "internal-url":
        headers = sign("/twilio/messages", form, base="http://testserver")
    response = client.post("/twilio/messages", data=form, headers=headers)
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert _count(db) == 0
    assert fake_rasa.turns == []


def test_tampered_body_breaks_the_signature(client, make, db):
    person = make.person()
    form = inbound_form(person.phone, "hallo", "SM" + "c" * 32)
    headers = sign("/twilio/messages", form)
    form["Body"] = "/report_absence"
    assert client.post("/twilio/messages", data=form, headers=headers).status_code == 403
    assert _count(db) == 0


def test_without_an_auth_token_production_refuses_every_webhook(app, client, make, db):
    app.state.settings = app.state.settings.model_copy(
        update={"twilio_auth_token": "", "environment": "production"}
    )
    person = make.person()
    form = inbound_form(person.phone, "hallo", "SM" + "d" * 32)
    assert client.post("/twilio/messages", data=form).status_code == 403
    assert _count(db) == 0


def test_duplicate_message_sid_gets_2xx_and_no_second_turn(client, make, db, fake_rasa):
    person = make.person()
    first = post_inbound(client, person.phone, "hallo", "SM" + "e" * 32)
    second = post_inbound(client, person.phone, "hallo", "SM" + "e" * 32)
    assert first.status_code == second.status_code == 200
    assert len(fake_rasa.turns) == 1
    assert [m.direction for m in messages_of(db, conversation_of(db, person.id).id)] == ["in", "out"]


def test_sms_and_whatsapp_of_one_person_are_one_conversation(client, make, db, fake_rasa):
    person = make.person(phone="+31612340001")
    post_inbound(client, "+31612340001", "hallo", "SM" + "1" * 32)
    post_inbound(client, "whatsapp:+31612340001", "hallo", "SM" + "2" * 32)
    conversation = conversation_of(db, person.id)
    inbound = [m for m in messages_of(db, conversation.id) if m.direction == "in"]
    assert [m.channel for m in inbound] == ["sms", "whatsapp"]
    assert {t["sender"] for t in fake_rasa.turns} == {conversation.sender_id}
    assert conversation.last_channel == "whatsapp"
    replies = [m for m in messages_of(db, conversation.id) if m.direction == "out"]
    assert [m.channel for m in replies] == ["sms", "whatsapp"]  # answered on the channel used


def test_unknown_number_gets_a_multilingual_reply_that_reveals_nothing_and_a_task(
    client, make, db, fake_rasa
):
    km, _ = make.staff()
    make.person(km, name="Amina Haddad", phone="+31612345001")
    response = post_inbound(client, "+31699999999", "hallo is dit de gemeente", "SM" + "3" * 32)
    assert response.status_code == 200
    assert fake_rasa.turns == []  # unknown senders never reach Rasa
    db.expire_all()
    reply = db.scalar(select(Message).where(Message.direction == "out"))
    assert "Amina" not in reply.body and "+3161234" not in reply.body
    assert len(reply.body.splitlines()) == 3  # three languages in one SMS
    assert "14 0513" in reply.body
    task = db.scalar(select(Task).where(Task.kind == "link_unknown_number"))
    assert task is not None and task.inburgeraar_id is None
    post_inbound(client, "+31699999999", "hallo?", "SM" + "4" * 32)
    assert _count(db) == 3  # two in, still one reply: no auto-reply loops
    assert db.scalar(select(func.count()).select_from(Task)) == 1


def test_a_number_registered_after_it_wrote_starts_an_empty_conversation_and_adopts_nothing(client, make, db):
    post_inbound(client, "+31688888888", "hallo", "SM" + "5" * 32)
    unknown = db.scalar(select(Conversation).where(Conversation.phone == "+31688888888"))
    person = make.person(phone="+31688888888")
    conversation = messaging.conversation_for(db, person)
    db.commit()
    assert messages_of(db, conversation.id) == []
    db.refresh(unknown)
    assert (unknown.inburgeraar_id, unknown.closed_reason) == (None, "number_reassigned")
    assert len(messages_of(db, unknown.id)) == 2  # still there for staff, in nobody's file


def test_media_only_message_is_stored_with_its_urls_and_answered(client, make, db, fake_rasa):
    person = make.person(language="en")
    url = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"
    post_inbound(
        client, person.phone, "", "MM" + "6" * 32, NumMedia="1", MediaUrl0=url, MediaContentType0="image/jpeg"
    )
    inbound, reply = messages_of(db, conversation_of(db, person.id).id)
    assert inbound.media == [{"url": url, "contentType": "image/jpeg"}]
    assert inbound.status == "processed"
    assert reply.kind == "system" and reply.language == "en"
    assert fake_rasa.turns == []


def test_very_long_body_is_stored_whole_but_rasa_gets_the_first_part(client, make, db, fake_rasa):
    person = make.person()
    body = "ik ben ziek " * 400
    post_inbound(client, person.phone, body, "SM" + "7" * 32)
    inbound = messages_of(db, conversation_of(db, person.id).id)[0]
    assert inbound.body == body
    assert len(fake_rasa.turns[0]["text"]) == 1000


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param('/report_absence{"reason": "sick"}', id="intent-shortcut"),
        pytest.param('  //confirm_attendance{"appointment_id": "1"}', id="doubled-with-spaces"),
        pytest.param("\u200f/opt_out", id="behind-an-rtl-mark"),
    ],
)
def test_leading_slash_typed_by_a_person_never_reaches_rasa_as_a_shortcut(client, make, db, fake_rasa, typed):
    person = make.person()
    post_inbound(client, person.phone, typed, "SM" + "8" * 32)
    assert not fake_rasa.turns[0]["text"].startswith("/")
    assert messages_of(db, conversation_of(db, person.id).id)[0].body == typed  # stored as typed


def test_metadata_follows_the_contract(client, make, fake_rasa):
    person = make.person(language="ar")
    post_inbound(client, person.phone, "ابني مريض ولا أستطيع الحضور غدا", "SM" + "9" * 32)
    metadata = fake_rasa.turns[0]["metadata"]
    assert metadata["channel"] == "sms"
    assert metadata["language"] == "ar"
    assert metadata["detectedLanguage"] == "ar"
    assert metadata["inburgeraarId"] == person.id
    assert isinstance(metadata["messageId"], int)


@pytest.mark.parametrize(
    ("digit", "intent"),
    [
        pytest.param("1", "confirm_attendance", id="1-confirms"),
        pytest.param("2", "report_absence", id="2-reports-absence"),
        pytest.param("3", "request_reschedule", id="3-asks-to-reschedule"),
        pytest.param("٢", "report_absence", id="arabic-indic-2"),
        pytest.param("۳", "request_reschedule", id="persian-3"),
    ],
)
def test_menu_digit_right_after_a_reminder_becomes_the_trusted_shortcut(
    client, make, db, fake_rasa, digit, intent
):
    person = make.person()
    appointment = make.appointment([person], starts_in=timedelta(days=1))
    conversation = messaging.conversation_for(db, person)
    messaging.queue_outbound(
        db,
        conversation,
        "Herinnering. 1 ik kom 2 ik kan niet 3 andere tijd",
        kind="reminder",
        appointment_id=appointment.id,
    )
    db.commit()
    post_inbound(client, person.phone, digit, "SM" + "a1" * 16)
    assert fake_rasa.turns[0]["text"] == f'/{intent}{{"appointment_id": "{appointment.id}"}}'
    inbound = [m for m in messages_of(db, conversation.id) if m.direction == "in"][0]
    assert inbound.intent == intent


def test_menu_digit_after_the_bot_spoke_is_plain_text(client, make, db, fake_rasa):
    person = make.person()
    appointment = make.appointment([person], starts_in=timedelta(days=1))
    conversation = messaging.conversation_for(db, person)
    messaging.queue_outbound(db, conversation, "Herinnering", kind="reminder", appointment_id=appointment.id)
    db.commit()
    post_inbound(client, person.phone, "ik ben ziek", "SM" + "b1" * 16)  # the bot now asks for a reason
    post_inbound(client, person.phone, "2", "SM" + "b2" * 16)
    assert fake_rasa.turns[1]["text"] == "2"


def test_menu_digit_two_days_after_the_reminder_is_plain_text(client, make, db, fake_rasa):
    person = make.person()
    appointment = make.appointment([person], starts_in=timedelta(days=5))
    conversation = messaging.conversation_for(db, person)
    old = messaging.queue_outbound(
        db, conversation, "Herinnering", kind="reminder", appointment_id=appointment.id
    )
    old.created_at = old.created_at - timedelta(hours=49)
    db.commit()
    post_inbound(client, person.phone, "1", "SM" + "c1" * 16)
    assert fake_rasa.turns[0]["text"] == "1"


def test_staff_view_shows_error_meaning_and_understanding(client, make, db):
    km, headers = make.staff()
    person = make.person(km)
    post_inbound(client, person.phone, "ik ben ziek morgen", "SM" + "d1" * 16)
    body = client.get(f"/api/v1/inburgeraars/{person.id}/messages", headers=headers).json()
    assert body[0]["entities"] == [{"entity": "reason", "value": "sick"}]
    assert body[0]["intentConfidence"] == pytest.approx(0.93)
    assert "errorMessage" in body[1]


def test_public_url_includes_the_query_string_when_signing(client, make, db):
    assert PUBLIC.startswith("https://")
    form = {"MessageSid": "SMx", "MessageStatus": "delivered"}
    path = "/twilio/status?outboxId=999"
    ok = client.post(path, data=form, headers=sign(path, form))
    assert ok.status_code == 204
    wrong = client.post(path, data=form, headers=sign("/twilio/status", form))
    assert wrong.status_code == 403
