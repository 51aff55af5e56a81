# ruff: noqa: F811 - the fixtures imported from tests.messaging_support are used by name
"""Health that tells the truth: /health/live is the process, /health/ready the whole assistant (database,
Rasa's model answering, the action server, a worker's heartbeat, the outbox), each check named."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from fastapi.testclient import TestClient

from api.db import Database, utcnow
from api.main import create_app
from api.messaging import service as messaging
from api.messaging.models import OutboxItem
from api.monitoring import heartbeat
from api.safety import classifier, crisis
from tests.doubles import ActionServerDouble
from tests.messaging_support import fake_rasa, worker  # noqa: F401 - fixtures

CHECKS = ["database", "crisis_net", "rasa", "action_server", "worker", "outbox"]


@pytest.fixture
def action_server() -> Iterator[ActionServerDouble]:
    double = ActionServerDouble().start()
    yield double
    double.stop()


@pytest.fixture
def settings(settings, fake_rasa, action_server):  # noqa: F811
    return settings.model_copy(
        update={
            "rasa_url": fake_rasa.url,
            "rasa_jwt_secret": "test-rasa-jwt-secret-0123456789abcdef",
            "action_server_url": action_server.url,
            "worker_heartbeat_max_age_seconds": 60,
            "outbox_max_age_seconds": 300,
        }
    )


def _ready(client) -> tuple[int, dict[str, dict[str, str]]]:
    response = client.get("/health/ready")
    body = response.json()
    assert body["status"] == ("ready" if response.status_code == 200 else "not_ready")
    return response.status_code, body["checks"]


def _failing(checks: dict[str, dict[str, str]]) -> dict[str, str]:
    return {name: check["detail"] for name, check in checks.items() if check["status"] != "ok"}


def test_ready_when_every_part_answers_and_each_check_is_named(client, worker):
    worker.beat()
    status, checks = _ready(client)

    assert status == 200
    assert list(checks) == CHECKS
    assert {check["status"] for check in checks.values()} == {"ok"}
    assert checks["rasa"]["detail"] == "model fake-model answers"


def test_the_readiness_check_signs_its_question_to_rasa(client, worker, fake_rasa):
    worker.beat()
    client.get("/health/ready")
    assert fake_rasa.headers[-1]["Authorization"].startswith("Bearer ey")  # a JWT, as every call to Rasa


def test_not_ready_while_rasa_is_up_without_a_model(client, worker, fake_rasa):
    worker.beat()
    fake_rasa.mode = "no_model"
    status, checks = _ready(client)
    assert (status, _failing(checks)) == (503, {"rasa": "no model loaded"})


def test_not_ready_while_rasa_does_not_answer(client, worker, fake_rasa):
    worker.beat()
    fake_rasa.stop()  # as while it loads its model: the port is not open yet
    status, checks = _ready(client)
    assert status == 503 and _failing(checks) == {"rasa": "not reachable (ConnectError)"}


def test_not_ready_without_the_action_server(client, worker, action_server):
    worker.beat()
    action_server.stop()
    status, checks = _ready(client)
    assert status == 503 and list(_failing(checks)) == ["action_server"]


def test_not_ready_until_a_worker_runs_and_again_when_its_heartbeat_is_old(client, worker, database):
    status, checks = _ready(client)
    assert (status, _failing(checks)) == (503, {"worker": "no worker has run a round"})

    worker.run_once()
    assert _ready(client)[0] == 200
    with time_machine.travel(utcnow() + timedelta(seconds=90), tick=False):
        status, checks = _ready(client)
    assert status == 503 and _failing(checks)["worker"] == "last heartbeat 90s ago (limit 60s)"

    worker.close()  # a worker that stops cleanly takes its heartbeat with it
    with database.session() as db:
        assert heartbeat.latest(db) is None


def test_not_ready_when_the_outbox_has_waited_too_long(client, worker, make, db):
    worker.beat()
    conversation = messaging.conversation_for(db, make.person())
    messaging.queue_outbound(db, conversation, "Je afspraak is morgen.", kind="reminder")
    db.commit()
    assert _ready(client)[0] == 200  # due now, but a worker has five minutes to send it

    with time_machine.travel(utcnow() + timedelta(seconds=400), tick=False):
        worker.beat()
        status, checks = _ready(client)
    assert status == 503 and _failing(checks) == {"outbox": "1 due, the oldest for 400s (limit 300s)"}


def test_a_row_waiting_for_its_retry_is_not_overdue(client, worker, make, db):
    worker.beat()
    conversation = messaging.conversation_for(db, make.person())
    row = messaging.queue_outbound(db, conversation, "Je afspraak is morgen.", kind="reminder")
    db.flush()
    item = db.query(OutboxItem).filter_by(message_id=row.id).one()
    item.created_at = utcnow() - timedelta(hours=1)
    item.next_attempt_at = utcnow() + timedelta(minutes=5)  # backoff after a failed attempt
    db.commit()
    status, checks = _ready(client)
    assert status == 200 and checks["outbox"]["detail"] == "nothing waiting"


def test_live_answers_without_the_database_and_ready_says_the_database_is_gone(settings, tmp_path):
    gone = Database(f"sqlite:///{tmp_path / 'no-such-folder' / 'case.sqlite3'}")
    with TestClient(create_app(settings, gone), raise_server_exceptions=False) as client:
        assert client.get("/health/live").json() == {"status": "ok"}
        assert client.get("/health").status_code == 503  # /health stays the database ping it was
        status, checks = _ready(client)
    assert status == 503
    assert _failing(checks)["database"].startswith("not reachable")
    assert _failing(checks)["worker"] == _failing(checks)["outbox"] == "database not reachable"


def test_health_is_the_database_ping_it_always_was(client):
    response = client.get("/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_not_ready_without_the_crisis_classifier(client, worker, monkeypatch):
    # The net would still run on its vocabulary alone, and miss every crisis written without a crisis word.
    worker.beat()
    monkeypatch.setattr(classifier, "classifier", lambda: None)
    status, checks = _ready(client)
    assert (status, _failing(checks)) == (
        503,
        {"crisis_net": "no crisis classifier (make crisis-classifier)"},
    )


def test_the_crisis_net_is_loaded_before_the_server_takes_a_request(settings, database):
    # Loading the vocabulary and the classifier takes about two seconds: the first newcomer's message, or a
    # readiness probe with a short timeout, must not be the one that waits for it.
    crisis.vocabulary.cache_clear()
    classifier.classifier.cache_clear()
    app = create_app(settings, database)
    assert crisis.vocabulary.cache_info().currsize == classifier.classifier.cache_info().currsize == 0
    with TestClient(app):
        assert crisis.vocabulary.cache_info().currsize == classifier.classifier.cache_info().currsize == 1
