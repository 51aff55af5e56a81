# ruff: noqa: F811 - the fixtures imported from tests.messaging_support are used by name
"""GET /metrics: the figures after a conversation, the same from every API process (they come from the
database), and only for Prometheus's token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.db import utcnow
from api.main import create_app
from api.messaging import service as messaging
from api.reminders.models import Reminder
from api.tasks import service as tasks
from api.worker import Worker
from tests.conftest import ADMIN, BOT, auth
from tests.doubles import default_brain
from tests.messaging_support import (  # noqa: F401 - fixtures
    conversation_of,
    dispatcher,
    fake_rasa,
    gateway,
    post_inbound,
    twilio_double,
    twilio_settings,
)

METRICS_TOKEN = "test-metrics-token-0123456789abcdef"
PROMETHEUS = auth(METRICS_TOKEN)


@pytest.fixture
def settings(settings, fake_rasa, twilio_double):  # noqa: F811
    return twilio_settings(settings, fake_rasa, twilio_double, metrics_token=METRICS_TOKEN)


def brain(text: str, metadata: dict) -> tuple:
    """The fake model, which does not understand "xyzzy" (the FallbackClassifier's intent)."""
    if "xyzzy" in text:
        return "nlu_fallback", 0.2, [], ["Dat begrijp ik niet. Zeg het anders?"]
    return default_brain(text, metadata)


def scrape(client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of GET /metrics: (name, sorted labels) -> value."""
    response = client.get("/metrics", headers=PROMETHEUS)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


# In the daytime: the reminder tick sends nothing in the evening (the send window), and this test once
# failed only when it ran after 20:00 in Amsterdam.
@time_machine.travel(datetime(2026, 12, 8, 10, 0, tzinfo=UTC), tick=True)
def test_the_figures_after_a_conversation(client, make, db, database, settings, fake_rasa, twilio_double):
    fake_rasa.brain = brain
    km, _ = make.staff()
    amina, bilal = make.person(km), make.person(km)
    post_inbound(client, amina.phone, "hallo", "SM" + "1" * 32)
    post_inbound(client, amina.phone, "xyzzy", "SM" + "2" * 32)
    fake_rasa.mode = "no_model"
    post_inbound(client, bilal.phone, "ik ben ziek", "SM" + "3" * 32)  # waits for Rasa
    amina_conversation = conversation_of(db, amina.id)
    tasks.open_escalation(db, amina_conversation.id, inburgeraar_id=amina.id, reason="crisis", urgent=True)
    chiara = make.person(km)
    chiara_conversation = messaging.conversation_for(db, chiara)
    db.flush()
    tasks.open_escalation(db, chiara_conversation.id, inburgeraar_id=chiara.id, reason="request_human")
    appointment = make.appointment([amina], starts_in=timedelta(days=1))
    db.add(
        Reminder(
            appointment_id=appointment.id,
            inburgeraar_id=amina.id,
            kind="reminder",
            slot="1d",
            appointment_starts_at=appointment.starts_at,
            nominal_at=utcnow() - timedelta(minutes=5),
            due_at=utcnow() - timedelta(minutes=5),
        )
    )
    db.commit()

    before = scrape(client)
    assert before[("inburgering_inbound_waiting", ())] == 1
    assert before[("inburgering_outbox_depth", ())] == 2  # Amina's two answers, not sent yet
    assert before[("inburgering_escalations_open", (("status", "open"), ("urgency", "urgent")))] == 1
    assert before[("inburgering_escalations_open", (("status", "open"), ("urgency", "normal")))] == 1
    assert before[("inburgering_reminders_due", (("kind", "reminder"),))] == 1

    # The worker, not this API process, does Bilal's turn and the sending; Twilio refuses one send.
    fake_rasa.mode = "ok"
    twilio_double.script = ["21610"]
    worker = Worker(
        settings, database, dispatcher=dispatcher(database, settings), gateway=gateway(database, settings)
    )
    worker.run_once()
    worker.close()

    with TestClient(create_app(settings, database)) as another_process:
        figures = [scrape(client), scrape(another_process)]
    assert figures[0] == figures[1]  # any API process answers for all of them
    after = figures[0]
    turns = {outcome: after[("inburgering_bot_turns_total", (("outcome", outcome),))] for outcome in
             ("understood", "fallback", "shortcut", "unknown")}  # fmt: skip
    assert turns == {"understood": 2, "fallback": 1, "shortcut": 0, "unknown": 0}
    assert after[("inburgering_bot_turn_seconds_count", ())] == 3
    assert after[("inburgering_bot_turn_seconds_bucket", (("le", "+Inf"),))] == 3
    assert after[("inburgering_bot_turn_seconds_bucket", (("le", "0.25"),))] <= 3
    assert after[("inburgering_bot_turn_seconds_sum", ())] > 0
    assert after[("inburgering_inbound_waiting", ())] == 0
    assert after[("inburgering_outbox_depth", ())] == 0
    assert after[("inburgering_outbound_messages", (("error_code", "21610"), ("status", "failed")))] == 1
    # Three answers and the reminder the worker's tick sent; one of them refused by Twilio.
    assert after[("inburgering_outbound_messages", (("error_code", ""), ("status", "sent")))] == 3
    assert after[("inburgering_reminders_due", (("kind", "reminder"),))] == 0
    sent_reminder = (("delivery", "pending"), ("kind", "reminder"), ("status", "sent"))
    assert after[("inburgering_reminders", sent_reminder)] == 1
    assert after[("inburgering_worker_heartbeat_age_seconds", ())] == -1  # it stopped cleanly


def test_turns_are_counted_once_each_however_many_times_rasa_was_asked(client, make, fake_rasa):
    person = make.person()
    fake_rasa.mode, fake_rasa.delay = "slow_after_turn", 1.5  # the answer is lost: the replay reads it back
    post_inbound(client, person.phone, "hallo", "SM" + "4" * 32)
    fake_rasa.mode = "ok"
    assert scrape(client)[("inburgering_bot_turns_total", (("outcome", "understood"),))] == 0


@pytest.mark.parametrize(
    "headers",
    [{}, auth("not-the-token"), ADMIN, BOT, {"Authorization": f"Basic {METRICS_TOKEN}"}],
    ids=["none", "wrong", "admin", "bot", "basic"],
)
def test_metrics_want_the_metrics_token(client, headers):
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_the_metrics_token_opens_nothing_else(client, make):
    km, km_headers = make.staff()
    assert client.get("/metrics", headers=km_headers).status_code == 401
    assert client.get("/api/v1/inburgeraars", headers=PROMETHEUS).status_code == 401


def test_without_a_metrics_token_there_are_no_metrics(app, settings):
    app.state.settings = settings.model_copy(update={"metrics_token": ""})
    with TestClient(app) as client:
        assert client.get("/metrics", headers=PROMETHEUS).status_code == 404
