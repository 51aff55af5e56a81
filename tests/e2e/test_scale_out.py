"""The production profile (docs/production.md, bot/endpoints.production.yml) on this machine: two Rasa
servers share one conversation through the SQL tracker store on PostgreSQL and the Redis lock store, so a
person's messages may land on either server, even at the same moment, and none is lost or handled twice.

Needs the trained model and the bot environment (marker `rasa`), a PostgreSQL server (TEST_DATABASE_URL;
a throw-away database is created on it and dropped afterwards) and Redis (REDIS_URL).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from threading import Barrier

import httpx
import pytest
import redis
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.orm import Session

from api.appointments.models import Appointment
from api.attendance.models import Attendance
from api.localstack import actions_command, free_port, rasa_command, trained_model
from api.migrate import upgrade
from api.people.models import Inburgeraar, Staff
from api.settings import ROOT

from .conftest import ADMIN_TOKEN, BOT_TOKEN, api_command, processes, throwaway_database

pytestmark = [
    pytest.mark.rasa,
    pytest.mark.skipif(
        not (os.environ.get("TEST_DATABASE_URL") and os.environ.get("REDIS_URL")),
        reason="the production profile needs PostgreSQL (TEST_DATABASE_URL) and Redis (REDIS_URL)",
    ),
]

# Sentences from bot/data/nlu/nl.yml, so the test checks the wiring, not the classifier.
SEQUENTIAL = ["hallo", "wanneer is mijn afspraak", "dank je", "heb ik nog een afspraak", "tot ziens"]
CONCURRENT = ["goedemorgen", "waar is mijn afspraak", "dankjewel", "hoe laat is mijn afspraak"]


@dataclass
class ScaledOut:
    rasa: tuple[str, str]
    db_url: str
    tracker_url: str


@pytest.fixture(scope="module")
def tracker_database() -> Iterator[str]:
    """A throw-away PostgreSQL database for Rasa's SQL tracker store, dropped at the end."""
    with throwaway_database("rasa_tracker") as url:
        yield url


@pytest.fixture(scope="module")
def scaled_out(tmp_path_factory: pytest.TempPathFactory, tracker_database: str) -> Iterator[ScaledOut]:
    """One API, one action server and two Rasa servers on bot/endpoints.production.yml."""
    model = trained_model()
    if model is None:
        pytest.skip("no trained Rasa model for the current bot data: run `make model` (make test does)")
    tmp = tmp_path_factory.mktemp("scale_out")
    db_url = f"sqlite:///{tmp / 'case.sqlite3'}"
    upgrade(db_url)
    tracker = make_url(tracker_database)
    lock = redis.Redis.from_url(os.environ["REDIS_URL"]).connection_pool.connection_kwargs
    api_port, actions_port = free_port(), free_port()
    rasa_ports = (free_port(), free_port())
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "PORT": str(api_port),
        "CASE_API_ADMIN_TOKEN": ADMIN_TOKEN,
        "BOT_SERVICE_TOKEN": BOT_TOKEN,
        "RASA_URL": f"http://127.0.0.1:{rasa_ports[0]}",
        "CASE_API_URL": f"http://127.0.0.1:{api_port}",
        "ENVIRONMENT": "test",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "SANIC_HOST": "127.0.0.1",
        # What bot/endpoints.production.yml reads; Rasa refuses to start when one is missing.
        "RASA_ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook",
        "RASA_NLG_URL": f"http://127.0.0.1:{api_port}/nlg",
        "RASA_TRACKER_DB_HOST": tracker.host or "127.0.0.1",
        "RASA_TRACKER_DB_PORT": str(tracker.port or 5432),
        "RASA_TRACKER_DB_NAME": tracker.database,
        "RASA_TRACKER_DB_USER": tracker.username or "postgres",
        "RASA_TRACKER_DB_PASSWORD": tracker.password or "",
        "RASA_LOCK_REDIS_HOST": lock.get("host", "127.0.0.1"),
        "RASA_LOCK_REDIS_PORT": str(lock.get("port", 6379)),
        "RASA_LOCK_REDIS_PASSWORD": lock.get("password") or "",
        "RASA_LOCK_REDIS_DB": str(lock.get("db", 0)),
    }
    commands: dict[str, tuple[list[str], Path, str, float]] = {
        "api": (api_command(api_port), ROOT, f"http://127.0.0.1:{api_port}/health", 60),
        "actions": (
            actions_command(actions_port),
            ROOT / "bot",
            f"http://127.0.0.1:{actions_port}/health",
            90,
        ),
    }
    for letter, port in zip("ab", rasa_ports, strict=True):
        commands[f"rasa_{letter}"] = (
            rasa_command(model, "endpoints.production.yml", port),
            ROOT / "bot",
            f"http://127.0.0.1:{port}/status",
            240,
        )
    with processes(tmp) as procs:
        # One after the other: each Rasa loads ~1.4 GB and the machine has two cores.
        for name, (cmd, cwd, health, seconds) in commands.items():
            procs.start(name, cmd, cwd, env)
            procs.wait(name, health, seconds)
        yield ScaledOut(
            rasa=tuple(f"http://127.0.0.1:{port}" for port in rasa_ports),
            db_url=db_url,
            tracker_url=tracker_database,
        )


@pytest.fixture(scope="module")
def sender(scaled_out: ScaledOut) -> str:
    """A person with an appointment in three days, as the Rasa sender id."""
    engine = create_engine(scaled_out.db_url)
    with Session(engine) as db:
        km = Staff(
            name="Fatima de Vries", email="fatima@scale.example", role="klantmanager", phone="+31201234501"
        )
        db.add(km)
        db.flush()
        person = Inburgeraar(
            name="Amina",
            phone="+31611000001",
            language="nl",
            doelgroep="asielstatushouder",
            klantmanager_id=km.id,
        )
        db.add(person)
        db.flush()
        appointment = Appointment(
            kind="voortgangsgesprek",
            starts_at=datetime.now(UTC) + timedelta(days=3),
            ends_at=datetime.now(UTC) + timedelta(days=3, hours=1),
            location="Stadskantoor Balie 1",
            staff_id=km.id,
            status="scheduled",
            checkin_code="4821",
        )
        appointment.attendances = [Attendance(inburgeraar_id=person.id)]
        db.add(appointment)
        db.commit()
        person_id = person.id
    engine.dispose()
    return f"inb-{person_id}"


def _send(rasa: str, sender: str, message: str) -> list[dict]:
    response = httpx.post(
        f"{rasa}/webhooks/rest/webhook",
        json={"sender": sender, "message": message, "metadata": {"language": "nl", "channel": "sms"}},
        timeout=120,
    )
    assert response.status_code == 200, response.text
    return response.json()


def _events(rasa: str, sender: str) -> list[dict]:
    response = httpx.get(f"{rasa}/conversations/{sender}/tracker", timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["events"]


def _turns(events: list[dict]) -> list[list[dict]]:
    """The events split at each user message: [[user, ...what the bot did before listening again], ...]."""
    turns: list[list[dict]] = []
    for event in events:
        if event["event"] == "user":
            turns.append([event])
        elif turns:
            turns[-1].append(event)
    return turns


@dataclass
class Conversation:
    replies: dict[str, list[dict]]
    events: tuple[list[dict], list[dict]]


@pytest.fixture(scope="module")
def conversation(scaled_out: ScaledOut, sender: str) -> Conversation:
    """One person's messages spread over both servers one at a time, then several at once to both servers.

    Rasa 3.6.21's own RedisLockStore hands out tickets with a read-modify-write, so two servers could both
    get ticket 0 and the SQL tracker store then dropped the slower server's events (seen here in 2 of 3
    runs). bot/endpoints.production.yml now uses bot/lockstore.py, which issues and returns tickets
    atomically in Redis, so simultaneous turns of one person on two servers take turns as well.
    """
    a, b = scaled_out.rasa
    replies: dict[str, list[dict]] = {}
    # Alternate servers, as a load balancer without sticky sessions would.
    for n, message in enumerate(SEQUENTIAL):
        replies[message] = _send((a, b)[n % 2], sender, message)
    # Several at the same moment for the same person, alternating servers: the lock store makes them take
    # turns across both.
    start = Barrier(len(CONCURRENT))

    def send_together(rasa: str, message: str) -> list[dict]:
        start.wait(timeout=30)
        return _send(rasa, sender, message)

    with ThreadPoolExecutor(max_workers=len(CONCURRENT)) as pool:
        futures = {
            message: pool.submit(send_together, (a, b)[n % 2], message)
            for n, message in enumerate(CONCURRENT)
        }
        replies |= {message: future.result() for message, future in futures.items()}
    return Conversation(replies=replies, events=(_events(a, sender), _events(b, sender)))


def test_every_message_gets_an_answer_whichever_server_takes_it(conversation):
    assert set(conversation.replies) == set(SEQUENTIAL + CONCURRENT)
    for message, replies in conversation.replies.items():
        assert replies and all(r.get("text") for r in replies), (message, replies)


def test_both_servers_see_the_same_conversation(conversation):
    events_a, events_b = conversation.events
    assert events_a == events_b


def test_each_message_is_in_the_conversation_once_and_in_the_order_it_was_sent(conversation):
    said = [event["text"] for event in conversation.events[0] if event["event"] == "user"]
    assert said[: len(SEQUENTIAL)] == SEQUENTIAL
    # Simultaneous messages may be handled in any order, but each exactly once.
    assert sorted(said[len(SEQUENTIAL) :]) == sorted(CONCURRENT)


def test_simultaneous_messages_are_handled_one_after_the_other(conversation):
    # Without the lock, two servers would each load the same tracker and write their turns into each
    # other's: a message would be followed by the other's user event before the bot listened again.
    turns = _turns(conversation.events[0])
    assert len(turns) == len(SEQUENTIAL) + len(CONCURRENT)
    for turn in turns:
        assert any(event["event"] == "bot" for event in turn), turn[0]["text"]
        actions = [event["name"] for event in turn if event["event"] == "action"]
        assert actions[-1] == "action_listen", (turn[0]["text"], actions)


def test_the_conversation_is_kept_in_postgresql_not_in_the_rasa_process(scaled_out, sender, conversation):
    engine = create_engine(scaled_out.tracker_url)
    try:
        with engine.connect() as conn:
            stored = conn.execute(
                text("SELECT count(*) FROM events WHERE sender_id = :sender AND type_name = 'user'"),
                {"sender": sender},
            ).scalar_one()
    finally:
        engine.dispose()
    assert stored == len(SEQUENTIAL) + len(CONCURRENT)
