# ruff: noqa: F811 - the fixtures imported from tests.messaging_support are used by name
"""A conversation belongs to a person AND the number it runs on (issue 13, "Identity").

The first three tests are the bugs seen on a number that changed hands; they use only the HTTP API and
the webhook, so they run (and fail) against the code before the fix as well.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from api.db import utcnow
from api.messaging import service as messaging
from api.messaging.models import Conversation, Message, OutboxItem
from api.tasks.models import Escalation, Task
from tests.messaging_support import (  # noqa: F401 - fixtures
    dispatcher,
    fake_rasa,
    post_inbound,
    twilio_double,
    twilio_settings,
)

OLD, NEW = "+31611110001", "+31611110002"
_sids = iter(range(1, 10_000))


@pytest.fixture
def settings(settings, twilio_double, fake_rasa):
    return twilio_settings(settings, fake_rasa, twilio_double)


def text_from(client, phone: str, body: str) -> None:
    """A person's SMS through Twilio's signed webhook (handled, with the bot's turn, before it returns)."""
    assert post_inbound(client, phone, body, f"SM{next(_sids):032d}").status_code == 200


def move(client, make, person, phone: str) -> None:
    _, coordinator = make.staff("coordinator")  # the admin token reads no personal data
    response = client.patch(f"/api/v1/inburgeraars/{person.id}", json={"phone": phone}, headers=coordinator)
    assert response.status_code == 200, response.text


def queued_to(db, phone: str) -> list[str]:
    """What the outbox holds for this number (the `To` Twilio would get), oldest first."""
    db.expire_all()
    rows = db.scalars(select(OutboxItem).where(OutboxItem.to == phone).order_by(OutboxItem.id))
    return [row.body for row in rows]


def inbound_bodies(messages: list[dict]) -> list[str]:
    return [m["body"] for m in messages if m["direction"] == "in"]


def test_after_a_phone_change_a_message_from_the_new_number_is_answered_on_the_new_number(
    client, make, db, database, settings, fake_rasa
):
    person = make.person(phone=OLD)
    text_from(client, OLD, "hallo")
    dispatcher(database, settings).drain()
    move(client, make, person, NEW)

    text_from(client, NEW, "wanneer is mijn afspraak")

    assert queued_to(db, NEW) == ["Je volgende afspraak is dinsdag."]
    assert queued_to(db, OLD) == ["Hallo! Waarmee kan ik helpen?"]  # sent before the move
    first, second = (turn["sender"] for turn in fake_rasa.turns)
    assert first != second  # a new conversation: the bot starts afresh on the new number


def test_after_a_phone_change_the_old_number_is_unknown_and_hears_nothing_of_the_person(
    client, make, db, fake_rasa
):
    km, _ = make.staff()
    person = make.person(km, phone=OLD, name="Amina Haddad")
    make.appointment([person], location="Stadskantoor Balie 4")
    text_from(client, OLD, "hallo")
    move(client, make, person, NEW)
    turns = len(fake_rasa.turns)

    text_from(client, OLD, "wanneer is mijn afspraak")

    assert len(fake_rasa.turns) == turns  # the bot never hears the old number again
    reply = queued_to(db, OLD)[-1]
    assert "14 0513" in reply and "Amina" not in reply and "dinsdag" not in reply and "Balie" not in reply
    task = db.scalar(select(Task).where(Task.kind == "link_unknown_number"))
    assert task is not None and task.inburgeraar_id is None


def test_a_number_given_to_someone_else_starts_empty_and_shows_nothing_of_the_previous_holder(
    client, make, db
):
    km, km_headers = make.staff()
    first = make.person(km, phone=OLD)
    text_from(client, OLD, "ik ben ziek, ik heb koorts en kan morgen niet komen")
    move(client, make, first, NEW)
    registered = client.post(
        "/api/v1/inburgeraars",
        json={"name": "Nieuwe houder", "phone": OLD, "doelgroep": "gezinsmigrant", "klantmanagerId": km.id},
        headers=make.staff("coordinator")[1],
    )
    second = registered.json()["id"]
    messages_of_second = f"/api/v1/inburgeraars/{second}/messages"
    assert client.get(messages_of_second, headers=km_headers).json() == []

    text_from(client, OLD, "hallo")

    assert inbound_bodies(client.get(messages_of_second, headers=km_headers).json()) == ["hallo"]
    history = client.get(f"/api/v1/inburgeraars/{first.id}/messages", headers=km_headers).json()
    assert inbound_bodies(history) == ["ik ben ziek, ik heb koorts en kan morgen niet komen"]


def test_staff_read_the_persons_whole_history_over_every_number(client, make, db):
    km, km_headers = make.staff()
    person = make.person(km, phone=OLD)
    text_from(client, OLD, "bericht vanaf het oude nummer")
    move(client, make, person, NEW)
    text_from(client, NEW, "bericht vanaf het nieuwe nummer")

    history = client.get(f"/api/v1/inburgeraars/{person.id}/messages", headers=km_headers).json()

    assert inbound_bodies(history) == ["bericht vanaf het oude nummer", "bericht vanaf het nieuwe nummer"]
    assert len({m["conversationId"] for m in history}) == 2  # one per number


def test_a_phone_change_closes_the_old_conversation_at_once_and_the_next_one_starts_on_the_new_number(
    client, make, db
):
    person = make.person(phone=OLD)
    old = messaging.conversation_for(db, person)
    db.commit()

    move(client, make, person, NEW)

    db.expire_all()
    assert (old.closed_at is not None, old.closed_reason) == (True, "number_changed")
    assert messaging.open_conversation(db, person) is None  # nothing owed: started on first use
    current = messaging.conversation_for(db, person)
    assert (current.phone, current.inburgeraar_id) == (NEW, person.id)
    assert current.sender_id != old.sender_id


def test_messages_still_waiting_to_be_sent_go_to_the_new_number(client, make, db, database, settings):
    person = make.person(phone=OLD)
    waiting = messaging.queue_outbound(
        db, messaging.conversation_for(db, person), "Je afspraak is morgen.", kind="staff_reply"
    )
    db.commit()

    move(client, make, person, NEW)

    assert queued_to(db, OLD) == [] and queued_to(db, NEW) == ["Je afspraak is morgen."]
    assert waiting.conversation_id == messaging.open_conversation(db, person).id


def test_reminders_and_replies_queued_after_a_phone_change_go_to_the_new_number(client, make, db):
    person = make.person(phone=OLD)
    messaging.conversation_for(db, person)
    db.commit()
    move(client, make, person, NEW)
    db.expire_all()

    messaging.queue_outbound(db, messaging.conversation_for(db, person), "Herinnering", kind="reminder")
    db.commit()

    assert queued_to(db, NEW) == ["Herinnering"] and queued_to(db, OLD) == []


def test_a_row_whose_conversation_closed_after_queuing_is_cancelled_not_sent_to_the_old_number(
    make, db, database, settings, twilio_double
):
    person = make.person(phone=OLD)
    conversation = messaging.conversation_for(db, person)
    message = messaging.queue_outbound(db, conversation, "Je afspraak is morgen.", kind="bot_reply")
    # In flight while the number changed: the move no longer touches it, the dispatcher must.
    conversation.closed_at, conversation.closed_reason = utcnow(), "number_changed"
    db.commit()

    assert dispatcher(database, settings).run_once().cancelled == 1

    assert twilio_double.created == []
    db.refresh(message)
    assert (message.status, message.error_code) == ("cancelled", "number_changed")


def test_an_open_question_for_staff_moves_with_the_person_to_the_new_number(client, make, db):
    person = make.person(phone=OLD)
    escalation = Escalation(
        conversation_id=messaging.conversation_for(db, person).id,
        inburgeraar_id=person.id,
        reason="request_human",
    )
    db.add(escalation)
    db.commit()

    move(client, make, person, NEW)

    db.expire_all()
    assert escalation.conversation_id == messaging.open_conversation(db, person).id


def test_a_message_stored_before_its_conversation_closed_is_kept_for_staff_but_not_answered(
    client, make, db, database, settings, fake_rasa
):
    from api.messaging.gateway import Gateway, Inbound, store

    person = make.person(phone=OLD)
    receipt = store(database, Inbound(sid="SM" + "9" * 32, sender=OLD, body="hallo"))
    move(client, make, person, NEW)  # before the gateway got to the message

    Gateway(database, settings).process_conversation(receipt.conversation_id)

    assert fake_rasa.turns == []
    stored = db.get(Message, receipt.message_id)
    db.refresh(stored)
    assert stored.status == "processed" and queued_to(db, OLD) == []


def test_a_crisis_stored_before_its_conversation_closed_still_gets_the_crisis_reply_on_that_number(
    client, make, db, database, settings, fake_rasa, twilio_double
):
    from api.messaging.gateway import Gateway, Inbound, store

    person = make.person(phone=OLD)
    receipt = store(database, Inbound(sid="SM" + "8" * 32, sender=OLD, body="ik wil niet meer leven"))
    move(client, make, person, NEW)  # before the gateway got to the message

    Gateway(database, settings).process_conversation(receipt.conversation_id)
    dispatcher(database, settings).drain()

    assert fake_rasa.turns == []
    (sent,) = twilio_double.bodies_to(OLD)
    assert "112" in sent and "0800-0113" in sent and "0800-2000" in sent
    assert twilio_double.bodies_to(NEW) == []


def test_the_database_allows_one_open_conversation_per_number_and_any_number_of_closed_ones(db):
    db.add_all(
        [
            Conversation(phone=OLD, closed_at=utcnow(), closed_reason="number_changed"),
            Conversation(phone=OLD, closed_at=utcnow(), closed_reason="number_reassigned"),
            Conversation(phone=OLD),
        ]
    )
    db.commit()
    db.add(Conversation(phone=OLD))
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()


def test_the_database_allows_one_open_conversation_per_person(db, make):
    person = make.person(phone=OLD)
    db.add(Conversation(inburgeraar_id=person.id, phone=OLD))
    db.commit()
    db.add(Conversation(inburgeraar_id=person.id, phone=NEW))
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()
