# ruff: noqa: F811 - the fixtures imported from tests.messaging_support are used by name
"""A message that arrives before the bot is ready is answered once it is: no lost turn, and no "the
assistant is not available" while Rasa is only loading its model. A Rasa that stays away longer than
OUTAGE_REPLY_AFTER_SECONDS still gets every waiting person one holding reply."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from api.db import utcnow
from api.i18n.catalog import render
from api.messaging.gateway import OUTAGE_HOLDING
from api.messaging.gateway.replies import with_emergency
from api.messaging.rasa import RasaClient, RasaUnavailable
from tests.messaging_support import (  # noqa: F401 - fixtures
    conversation_of,
    fake_rasa,
    messages_of,
    post_inbound,
    twilio_settings,
    worker,
)

HOLDING = with_emergency("nl", render("nl", OUTAGE_HOLDING))


@pytest.fixture
def settings(settings, fake_rasa):  # noqa: F811
    return twilio_settings(settings, fake_rasa, None, outage_reply_after_seconds=60)


def _sid(n: int) -> str:
    return f"SM{n:032d}"


def _outgoing(db, person) -> list[tuple[str, str]]:
    messages = messages_of(db, conversation_of(db, person.id).id)
    return [(m.kind, m.body) for m in messages if m.direction == "out"]


def _statuses(db, person) -> list[str]:
    return [m.status for m in messages_of(db, conversation_of(db, person.id).id) if m.direction == "in"]


def test_a_message_sent_while_rasa_loads_is_answered_once_it_is_ready_without_a_holding_reply(
    client, make, db, fake_rasa, worker
):
    person = make.person()
    fake_rasa.stop()  # Rasa loads its model before it opens its port: connections are refused
    assert post_inbound(client, person.phone, "hallo", _sid(1)).status_code == 200
    fake_rasa.start(port=fake_rasa.port)
    fake_rasa.mode = "no_model"  # its port is open, its model not loaded yet (the gateway channel: 409)
    assert worker.run_once().rasa_down

    assert _statuses(db, person) == ["received"]  # kept, not answered with nothing
    assert _outgoing(db, person) == []  # and no "not available" for a bot that is only starting

    fake_rasa.mode = "ok"
    assert worker.run_once().replayed == 1
    assert _statuses(db, person) == ["processed"]
    assert _outgoing(db, person) == [("bot_reply", "Hallo! Waarmee kan ik helpen?")]
    assert [t["text"] for t in fake_rasa.turns] == ["hallo"]  # asked once, when it could answer


def test_rasa_away_longer_than_the_wait_gives_each_waiting_person_one_holding_reply(
    client, make, db, fake_rasa, worker
):
    first, second = make.person(), make.person()
    fake_rasa.stop()
    post_inbound(client, first.phone, "hallo", _sid(1))
    post_inbound(client, second.phone, "mijn afspraak", _sid(2))
    post_inbound(client, first.phone, "ik ben ziek", _sid(3))
    worker.run_once()
    assert _outgoing(db, first) == [] and _outgoing(db, second) == []

    with time_machine.travel(utcnow() + timedelta(seconds=61), tick=False):
        worker.run_once()
        worker.run_once()  # once per outage, however many rounds
    # Rasa was asked for the first conversation only; the second got its reply without a call to Rasa.
    assert _outgoing(db, first) == [("system", HOLDING)]
    assert _outgoing(db, second) == [("system", HOLDING)]
    assert _statuses(db, first) == ["received", "received"] and _statuses(db, second) == ["received"]

    fake_rasa.start(port=fake_rasa.port)
    worker.run_once()
    heard = {s: [t["text"] for t in fake_rasa.turns if t["sender"] == s] for s in fake_rasa.trackers}
    assert sorted(heard.values()) == [["hallo", "ik ben ziek"], ["mijn afspraak"]]  # each once, in order
    assert [kind for kind, _ in _outgoing(db, first)] == ["system", "bot_reply", "bot_reply"]
    assert conversation_of(db, first.id).outage_reply_sent_at is None  # the next outage gets a new one


def test_a_rasa_without_a_model_is_unavailable_not_ambiguous(settings, fake_rasa):
    fake_rasa.mode = "no_model"
    client = RasaClient(settings)
    with pytest.raises(RasaUnavailable) as refused:
        client.send("c_someone", "hallo", {})
    client.close()

    # Not ambiguous: the turn did not happen, so the replay asks Rasa again instead of reading its tracker.
    assert (refused.value.reason, refused.value.ambiguous) == ("http_409", False)
