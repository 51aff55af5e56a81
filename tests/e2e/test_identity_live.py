"""A number that changes hands, live: Twilio's webhook → gateway → Rasa with the trained model → actions →
case API → outbox (issue 13, "Identity").

Before the fix the old number still got the person's next appointment (place and time) from the bot, the
new number got no answer, and a new person on the old number found the previous holder's messages.
"""

from __future__ import annotations

import itertools
import time

import httpx
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from api.messaging.models import Conversation, Direction, Message
from api.people.models import Inburgeraar

from .conftest import appointment_in_three_days

pytestmark = pytest.mark.rasa

OLD, NEW = "+31612220001", "+31612220002"
LOCATION = "Stadskantoor Balie 7"
_sids = itertools.count(1)


@pytest.fixture(scope="module")
def moved(stack):
    """A person with an appointment who asked the bot about it from OLD, then moved to NEW."""
    engine = create_engine(stack.db_url)
    body = {"name": "Amina Haddad", "phone": OLD, "doelgroep": "asielstatushouder"}
    registered = httpx.post(f"{stack.api}/api/v1/inburgeraars", json=body, headers=stack.caseworker())
    assert registered.status_code == 201, registered.text  # into the caseworker's caseload
    person_id = registered.json()["id"]
    with Session(engine) as db:
        km_id = db.get(Inburgeraar, person_id).klantmanager_id
        db.add(appointment_in_three_days(person_id, km_id, LOCATION))
        db.commit()
    assert any(LOCATION in reply for reply in text(stack, engine, OLD, "wanneer is mijn afspraak"))
    response = httpx.patch(
        f"{stack.api}/api/v1/inburgeraars/{person_id}", json={"phone": NEW}, headers=stack.caseworker()
    )
    assert response.status_code == 200, response.text
    yield engine, person_id
    engine.dispose()


def text(stack, engine, phone: str, body: str, timeout: float = 60) -> list[str]:
    """Send an SMS from `phone` through the webhook; the replies queued for that number once it is handled."""
    sid = f"SM{next(_sids):032d}"
    form = {"MessageSid": sid, "From": phone, "To": "+3197010000001", "Body": body, "NumMedia": "0"}
    assert httpx.post(f"{stack.api}/twilio/messages", data=form).status_code == 200
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with Session(engine) as db:
            message = db.scalar(select(Message).where(Message.twilio_sid == sid))
            if message is not None and message.status == "processed":
                return list(
                    db.scalars(
                        select(Message.body)
                        .join(Conversation, Conversation.id == Message.conversation_id)
                        .where(
                            Conversation.phone == phone,
                            Message.direction == Direction.outbound,
                            Message.id > message.id,
                        )
                        .order_by(Message.id)
                    )
                )
        time.sleep(0.3)
    raise AssertionError(f"{body!r} from the number was not handled within {timeout}s")


def test_the_new_number_gets_the_persons_next_appointment(stack, moved):
    engine, _ = moved
    replies = text(stack, engine, NEW, "wanneer is mijn afspraak")
    assert any(LOCATION in reply for reply in replies), replies


def test_the_old_number_is_unknown_and_hears_nothing_of_the_person(stack, moved):
    engine, _ = moved
    replies = text(stack, engine, OLD, "wanneer is mijn afspraak")
    assert replies and not any(LOCATION in r or "Amina" in r or "Balie" in r for r in replies), replies


def test_a_new_person_on_the_old_number_starts_with_an_empty_conversation(stack, moved):
    engine, first = moved
    registered = httpx.post(
        f"{stack.api}/api/v1/inburgeraars",
        json={"name": "Nieuwe houder", "phone": OLD, "doelgroep": "gezinsmigrant"},
        headers=stack.caseworker(),
    )
    assert registered.status_code == 201, registered.text
    second = registered.json()["id"]
    messages = f"{stack.api}/api/v1/inburgeraars/{second}/messages"
    assert httpx.get(messages, headers=stack.caseworker()).json() == []

    text(stack, engine, OLD, "hallo")

    bodies = [
        m["body"] for m in httpx.get(messages, headers=stack.caseworker()).json() if m["direction"] == "in"
    ]
    assert bodies == ["hallo"]
    history = httpx.get(
        f"{stack.api}/api/v1/inburgeraars/{first}/messages", headers=stack.caseworker()
    ).json()
    assert "wanneer is mijn afspraak" in [m["body"] for m in history]
