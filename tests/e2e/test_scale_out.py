"""The production profile (docs/production.md, bot/endpoints.production.yml) on this machine: two API
processes and two workers on one PostgreSQL database, and two Rasa servers sharing one conversation
through the SQL tracker store on PostgreSQL and the atomic Redis lock store (bot/lockstore.py). A
person's messages may land on either API process and either Rasa server, even at the same moment; none is
lost or handled twice, turns happen in the order sent, and each answer reaches Twilio (a double) once.

Needs the trained model and the bot environment (marker `rasa`), a PostgreSQL server (TEST_DATABASE_URL;
a throw-away database is created on it and dropped afterwards) and Redis (REDIS_URL).
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from threading import Barrier

import httpx
import pytest
import redis
from sqlalchemy import create_engine, func, make_url, select, text
from sqlalchemy.orm import Session

from api.localstack import actions_command, api_command, free_port, rasa_command, trained_model
from api.messaging.conversations import conversation_for
from api.messaging.models import Conversation, Direction, Message, MessageKind, OutboxItem, OutboxStatus
from api.migrate import upgrade
from api.people.models import Inburgeraar
from api.settings import ROOT
from api.staff.models import Staff
from tests.doubles import TwilioDouble
from tests.messaging_support import ACCOUNT_SID, AUTH_TOKEN, PUBLIC, inbound_form, sign

from .conftest import (
    ADMIN_TOKEN,
    SECRETS,
    appointment_in_three_days,
    processes,
    rasa_auth,
    throwaway_database,
)

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
    apis: tuple[str, str]
    rasa: tuple[str, str]
    db_url: str
    tracker_url: str
    twilio: TwilioDouble


@pytest.fixture(scope="module")
def tracker_database() -> Iterator[str]:
    """A throw-away PostgreSQL database for Rasa's SQL tracker store, dropped at the end."""
    with throwaway_database("rasa_tracker") as url:
        yield url


@pytest.fixture(scope="module")
def case_database() -> Iterator[str]:
    """A throw-away PostgreSQL database for the case API, migrated."""
    with throwaway_database("scale_case") as url:
        upgrade(url)
        yield url


@pytest.fixture(scope="module")
def twilio() -> Iterator[TwilioDouble]:
    double = TwilioDouble().start()
    yield double
    double.stop()


@pytest.fixture(scope="module")
def scaled_out(
    tmp_path_factory: pytest.TempPathFactory, tracker_database: str, case_database: str, twilio: TwilioDouble
) -> Iterator[ScaledOut]:
    """docs/production.md on this machine: two API processes and two workers on one PostgreSQL database,
    and two Rasa servers (each with its action server) on bot/endpoints.production.yml. API a talks to
    Rasa a and API b to Rasa b, so a person whose messages alternate between the API processes alternates
    between the Rasa servers too."""
    model = trained_model()
    if model is None:
        pytest.skip("no trained Rasa model for the current bot data: run `make model` (make test does)")
    tmp = tmp_path_factory.mktemp("scale_out")
    tracker = make_url(tracker_database)
    lock = redis.Redis.from_url(os.environ["REDIS_URL"]).connection_pool.connection_kwargs
    api_ports, actions_ports, rasa_ports = (
        (free_port(), free_port()),
        (free_port(), free_port()),
        (
            free_port(),
            free_port(),
        ),
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "RASA_"))}
    env |= {
        "ENVIRONMENT": "production",
        "MUNICIPALITY_PHONE": "14 0513",
        "SIMULATOR_ENABLED": "false",
        "DATABASE_URL": case_database,
        "CASE_API_ADMIN_TOKEN": ADMIN_TOKEN,
        "SESSION_SECRET": "scale-out-session-secret-7d6c5b4a3f2e",
        "PUBLIC_BASE_URL": PUBLIC,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_SMS_FROM": "+3197010000001",
        "TWILIO_API_BASE_URL": twilio.url,
        "LOG_LEVEL": "WARNING",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        **SECRETS.api_env(),
        # What bot/endpoints.production.yml reads; Rasa refuses to start when one is missing.
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
    apis = tuple(f"http://127.0.0.1:{port}" for port in api_ports)
    rasas = tuple(f"http://127.0.0.1:{port}" for port in rasa_ports)
    with processes(tmp) as procs:
        for n, letter in enumerate("ab"):
            side = env | {"RASA_URL": rasas[n], "CASE_API_URL": apis[n]}
            procs.start(f"api_{letter}", api_command(api_ports[n]), ROOT, side | {"PORT": str(api_ports[n])})
            actions_env = side | SECRETS.actions_env(api_url=apis[n])
            procs.start(f"actions_{letter}", actions_command(actions_ports[n]), ROOT / "bot", actions_env)
            procs.wait(f"api_{letter}", f"{apis[n]}/health", 60)
            procs.wait(f"actions_{letter}", f"http://127.0.0.1:{actions_ports[n]}/health", 90)
        # One after the other: each Rasa loads ~1.4 GB and the machine has two cores.
        for n, letter in enumerate("ab"):
            side = env | SECRETS.rasa_env(actions_url=f"http://127.0.0.1:{actions_ports[n]}", api_url=apis[n])
            procs.start(
                f"rasa_{letter}",
                rasa_command(model, "endpoints.production.yml", rasa_ports[n]),
                ROOT / "bot",
                side,
            )
            procs.wait(f"rasa_{letter}", f"{rasas[n]}/version", 240)
        for n, letter in enumerate("ab"):
            procs.start(
                f"worker_{letter}", [sys.executable, "-m", "api.worker"], ROOT, env | {"RASA_URL": rasas[n]}
            )
        yield ScaledOut(
            apis=apis, rasa=rasas, db_url=case_database, tracker_url=tracker_database, twilio=twilio
        )


def _sender_of(db_url: str, person_id: int) -> str:
    """The Rasa sender id of the person's current conversation (started when missing)."""
    engine = create_engine(db_url)
    with Session(engine) as db:
        sender = conversation_for(db, db.get(Inburgeraar, person_id)).sender_id
        db.commit()
    engine.dispose()
    return sender


def _person(db_url: str, phone: str) -> int:
    """A person with a klantmanager and an appointment in three days; their id."""
    engine = create_engine(db_url)
    with Session(engine) as db:
        km = Staff(
            name="Fatima de Vries",
            email=f"fatima{phone[-4:]}@scale.example",
            role="klantmanager",
            phone="+31201234501",
        )
        db.add(km)
        db.flush()
        person = Inburgeraar(
            name="Amina", phone=phone, language="nl", doelgroep="asielstatushouder", klantmanager_id=km.id
        )
        db.add(person)
        db.flush()
        db.add(appointment_in_three_days(person.id, km.id, "Stadskantoor Balie 1"))
        db.commit()
        person_id = person.id
    engine.dispose()
    return person_id


@pytest.fixture(scope="module")
def sender(scaled_out: ScaledOut) -> str:
    """A person with an appointment in three days, as the Rasa sender id."""
    return _sender_of(scaled_out.db_url, _person(scaled_out.db_url, "+31611000001"))


def _send(rasa: str, sender: str, message: str) -> list[dict]:
    response = httpx.post(
        f"{rasa}/webhooks/gateway/webhook",
        json={"sender": sender, "message": message, "metadata": {"language": "nl", "channel": "sms"}},
        headers=rasa_auth(sender),
        timeout=120,
    )
    assert response.status_code == 200, response.text
    return response.json()


def _events(rasa: str, sender: str) -> list[dict]:
    response = httpx.get(f"{rasa}/conversations/{sender}/tracker", headers=rasa_auth(sender), timeout=30)
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
class DirectConversation:
    replies: dict[str, list[dict]]
    events: tuple[list[dict], list[dict]]


@pytest.fixture(scope="module")
def conversation(scaled_out: ScaledOut, sender: str) -> DirectConversation:
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
    return DirectConversation(replies=replies, events=(_events(a, sender), _events(b, sender)))


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


# --- the whole path: Twilio -> either API process -> either Rasa -> outbox -> either worker -> Twilio -----

THROUGH_THE_GATEWAY = [
    "hallo",
    "wanneer is mijn afspraak",
    "waar is mijn afspraak",
    "dank je",
    "heb ik nog een afspraak",
    "hoe laat is mijn afspraak",
    "dankjewel",
    "tot ziens",
]
SETTLE_SECONDS = 180  # a deadline for eight turns on two cores, not a speed requirement


def _settled(db_url: str, phone: str, expected: int) -> bool:
    """All `expected` messages handled, no lease held, and every reply handed to Twilio."""
    engine = create_engine(db_url)
    try:
        with Session(engine) as db:
            conversation = db.scalar(select(Conversation).where(Conversation.phone == phone))
            if conversation is None or conversation.processing_owner is not None:
                return False
            inbound = db.scalars(
                select(Message.status).where(
                    Message.conversation_id == conversation.id, Message.direction == Direction.inbound
                )
            ).all()
            unsent = db.scalar(
                select(func.count(OutboxItem.id))
                .join(Message, Message.id == OutboxItem.message_id)
                .where(Message.conversation_id == conversation.id, OutboxItem.status != OutboxStatus.sent)
            )
    finally:
        engine.dispose()
    return len(inbound) == expected and set(inbound) == {"processed"} and unsent == 0


@dataclass
class ThroughTheGateway:
    phone: str
    sender: str
    statuses: list[int]
    replies: list[Message]
    outbox_ids: list[int]


@pytest.fixture(scope="module")
def through_the_gateway(scaled_out: ScaledOut) -> ThroughTheGateway:
    """One person texting: each message to the other API process as soon as the previous one got its 2xx
    (so turns overlap arrivals), and the second message delivered to both processes at the same moment,
    as Twilio's retry would be."""
    phone = "+31611000002"
    person_id = _person(scaled_out.db_url, phone)
    statuses: list[int] = []
    with httpx.Client(timeout=30) as client:

        def deliver(api: str, form: dict[str, str]) -> int:
            headers = sign("/twilio/messages", form)
            return client.post(f"{api}/twilio/messages", data=form, headers=headers).status_code

        for n, text_ in enumerate(THROUGH_THE_GATEWAY):
            form = inbound_form(phone, text_, f"SM{person_id:06d}{n:026d}")
            if n == 1:
                start = Barrier(2)

                def together(api: str, form: dict[str, str] = form, start: Barrier = start) -> int:
                    start.wait(timeout=30)
                    return deliver(api, form)

                with ThreadPoolExecutor(max_workers=2) as pool:
                    statuses += list(pool.map(together, scaled_out.apis))
            else:
                statuses.append(deliver(scaled_out.apis[n % 2], form))
    deadline = time.monotonic() + SETTLE_SECONDS
    while not _settled(scaled_out.db_url, phone, len(THROUGH_THE_GATEWAY)):
        assert time.monotonic() < deadline, f"not settled after {SETTLE_SECONDS}s"
        time.sleep(0.5)
    engine = create_engine(scaled_out.db_url)
    with Session(engine) as db:
        replies = list(
            db.scalars(
                select(Message)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .where(Conversation.phone == phone, Message.kind == MessageKind.bot_reply)
                .order_by(Message.id)
            )
        )
        outbox_ids = list(
            db.scalars(select(OutboxItem.id).where(OutboxItem.message_id.in_([m.id for m in replies])))
        )
    engine.dispose()
    return ThroughTheGateway(phone, _sender_of(scaled_out.db_url, person_id), statuses, replies, outbox_ids)


def test_every_webhook_to_either_api_process_is_accepted(through_the_gateway):
    assert len(through_the_gateway.statuses) == len(THROUGH_THE_GATEWAY) + 1  # one delivered twice
    assert all(200 <= status < 300 for status in through_the_gateway.statuses), through_the_gateway.statuses


def test_rasa_hears_each_message_once_in_the_order_it_was_sent(scaled_out, through_the_gateway):
    for rasa in scaled_out.rasa:  # both servers read the one conversation from PostgreSQL
        heard = [e["text"] for e in _events(rasa, through_the_gateway.sender) if e["event"] == "user"]
        assert heard == THROUGH_THE_GATEWAY


def test_every_message_is_answered_and_every_answer_reaches_twilio_exactly_once(
    scaled_out, through_the_gateway
):
    turns = _turns(_events(scaled_out.rasa[0], through_the_gateway.sender))
    assert [turn[0]["text"] for turn in turns] == THROUGH_THE_GATEWAY
    for turn in turns:
        assert any(event["event"] == "bot" for event in turn), turn[0]["text"]
    replies = through_the_gateway.replies
    assert len(through_the_gateway.outbox_ids) == len(replies)  # one outbox row per reply
    assert len(replies) == sum(1 for turn in turns for event in turn if event["event"] == "bot")
    to_person = [c for c in scaled_out.twilio.created if c.to == through_the_gateway.phone]
    sent_outbox_ids = Counter(c.status_callback.rsplit("outboxId=", 1)[1] for c in to_person)
    assert sent_outbox_ids == Counter(str(i) for i in through_the_gateway.outbox_ids)
    assert sorted(c.body for c in to_person) == sorted(reply.body for reply in replies)
