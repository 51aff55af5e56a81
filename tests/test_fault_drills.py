# ruff: noqa: F811 - the fixtures imported from tests.messaging_support are used by name
"""Fault drills: Rasa down, Twilio 5xx and timeouts, a worker killed mid-batch, duplicate webhooks, forged
signatures. Each checks that nothing is lost, nothing is sent twice beyond what was in flight, and that
the staff view (GET /api/v1/inburgeraars/{id}/messages) shows what really happened."""

from __future__ import annotations

import signal
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from api.db import utcnow
from api.messaging import service as messaging
from api.messaging.gateway import Inbound, store
from api.messaging.models import Message
from api.worker import Worker
from tests.conftest import auth
from tests.messaging_support import (  # noqa: F401 - fixtures
    conversation_of,
    dispatcher,
    fake_rasa,
    gateway,
    inbound_form,
    outbox_rows,
    post_inbound,
    post_status,
    sign,
    twilio_double,
    twilio_settings,
)
from tests.test_outbox_workers import start_worker, wait_until


@pytest.fixture
def settings(settings, fake_rasa, twilio_double):  # noqa: F811
    # A drill's Rasa is down, not loading: the holding reply goes out at once.
    return twilio_settings(settings, fake_rasa, twilio_double, outage_reply_after_seconds=0)


KLANTMANAGER_TOKEN = "drill-klantmanager-token"


@pytest.fixture
def km(make):
    """The klantmanager of the people in the drills: the one who may read their conversations."""
    return make.staff(token=KLANTMANAGER_TOKEN)[0]


def _view(client, person_id):
    return client.get(f"/api/v1/inburgeraars/{person_id}/messages", headers=auth(KLANTMANAGER_TOKEN)).json()


def _worker(database, settings):
    return Worker(
        settings, database, dispatcher=dispatcher(database, settings), gateway=gateway(database, settings)
    )


def test_drill_rasa_down_then_back(client, make, km, database, settings, fake_rasa, twilio_double):
    person = make.person(km)
    worker = _worker(database, settings)
    fake_rasa.stop()
    texts = ["hallo", "ik ben ziek", "mijn afspraak", "hallo?"]
    for n, text in enumerate(texts):
        post_inbound(client, person.phone, text, f"SM{n:032d}")
    worker.run_once()  # Rasa still down: nothing replayed, the one holding reply goes out
    view = _view(client, person.id)
    assert [m["body"] for m in view if m["direction"] == "in"] == texts
    assert [m["status"] for m in view if m["direction"] == "in"] == ["received"] * 4
    assert [m["kind"] for m in view if m["direction"] == "out"] == ["system"]
    assert len(twilio_double.created) == 1

    fake_rasa.start(port=fake_rasa.port)
    worker.run_once()
    view = _view(client, person.id)
    assert [m["status"] for m in view if m["direction"] == "in"] == ["processed"] * 4
    assert [t["text"] for t in fake_rasa.turns] == texts  # each once, in order
    replies = [m for m in view if m["kind"] == "bot_reply"]
    assert len(replies) == 4 and {m["status"] for m in replies} == {"sent"}
    assert len(twilio_double.created) == 5
    worker.close()


def test_drill_twilio_errors_and_timeouts(client, make, km, db, database, settings, twilio_double):
    people = [make.person(km) for _ in range(4)]
    for n in range(12):
        conversation = messaging.conversation_for(db, people[n % 4])
        messaging.queue_outbound(db, conversation, f"antwoord {n}", kind="bot_reply")
    db.commit()
    twilio_double.script = ["20500", "timeout", "lost", "20429", "ok", "timeout", "20500", "20503"]
    send = dispatcher(database, settings)
    now = utcnow()
    for _ in range(8):
        send.run_once(now=now)
        now += timedelta(hours=1)
    counts = Counter(c.body for c in twilio_double.created)
    assert set(counts) == {f"antwoord {n}" for n in range(12)}
    assert max(counts.values()) == 1  # the two timeouts were accepted by Twilio and found, not resent
    for person in people:
        assert {m["status"] for m in _view(client, person.id)} == {"sent"}
    assert {row.status for row in outbox_rows(db)} == {"sent"}


def test_drill_worker_killed_mid_batch(db, make, km, database, settings, twilio_double, client):
    people = [make.person(km) for _ in range(10)]
    for n in range(40):
        conversation = messaging.conversation_for(db, people[n % 10])
        messaging.queue_outbound(db, conversation, f"herinnering {n}", kind="bot_reply")
    db.commit()
    twilio_double.answer_delay = 0.25
    twilio_double.accept_before_delay = True  # Twilio has it, the worker never hears back
    proc = start_worker(settings, OUTBOX_BATCH_SIZE="40", OUTBOX_SEND_CONCURRENCY="4")
    try:
        assert wait_until(lambda: len(twilio_double.created) >= 6, 60)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    time.sleep(0.3)  # let the double finish what was in flight
    in_flight = [row for row in outbox_rows(db) if row.status == "sending"]
    assert in_flight, "the kill should leave claimed rows behind"
    lease_over = max(row.locked_until for row in in_flight) + timedelta(seconds=1)
    accepted_before = len(twilio_double.created)

    twilio_double.answer_delay = 0
    send = dispatcher(database, settings)
    report = send.drain(now=lease_over)  # the dead worker's lease has run out
    assert report.looked_up >= 1
    counts = Counter(c.body for c in twilio_double.created)
    assert None not in counts, [c.form for c in twilio_double.created if c.body is None]
    assert set(counts) == {f"herinnering {n}" for n in range(40)}
    assert max(counts.values()) == 1
    assert len(twilio_double.created) == 40 and accepted_before <= 40
    assert {row.status for row in outbox_rows(db)} == {"sent"}
    assert all(m["status"] == "sent" for p in people for m in _view(client, p.id))


def test_drill_duplicate_webhooks_at_the_same_moment(db, make, database, settings, fake_rasa):
    person = make.person()
    inbound = Inbound(sid="SM" + "7" * 32, sender=person.phone, body="hallo")
    receipts = []
    barrier = threading.Barrier(6)

    def deliver() -> None:
        barrier.wait()
        receipts.append(store(database, inbound))

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(not r.duplicate for r in receipts) == 1
    fresh = next(r for r in receipts if not r.duplicate)
    gw = gateway(database, settings)
    results = []
    runners = [
        threading.Thread(target=lambda: results.append(gw.process_conversation(fresh.conversation_id)))
        for _ in range(3)
    ]
    for t in runners:
        t.start()
    for t in runners:
        t.join()
    assert sum(r.handled for r in results) == 1
    assert len(fake_rasa.turns) == 1
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Message).where(Message.direction == "in")) == 1


def test_drill_forged_requests_change_nothing(
    client, make, km, db, database, settings, twilio_double, fake_rasa
):
    person = make.person(km)
    post_inbound(client, person.phone, "hallo", "SM" + "1" * 32)
    dispatcher(database, settings).run_once()
    item = outbox_rows(db)[0]
    before = _view(client, person.id)

    form = inbound_form(person.phone, "STOP", "SM" + "2" * 32)
    forged = [
        client.post("/twilio/messages", data=form, headers={"X-Twilio-Signature": "AAAA"}),
        client.post("/twilio/messages", data=form, headers=sign("/twilio/messages", form, token="guess")),
        client.post(
            f"/twilio/status?outboxId={item.id}",
            data={"MessageSid": item.provider_sid, "MessageStatus": "failed", "ErrorCode": "21610"},
            headers={"X-Twilio-Signature": "AAAA"},
        ),
    ]
    status_form = {"MessageSid": item.provider_sid, "MessageStatus": "failed", "ErrorCode": "21610"}
    other_row = client.post(
        f"/twilio/status?outboxId={item.id + 1}",
        data=status_form,
        headers=sign(f"/twilio/status?outboxId={item.id}", status_form),
    )  # replayed elsewhere
    assert [r.status_code for r in forged + [other_row]] == [403, 403, 403, 403]
    assert _view(client, person.id) == before
    assert len(fake_rasa.turns) == 1
    db.expire_all()
    assert not make.db.get(type(person), person.id).opted_out
