"""The production profile's two API processes (docs/production.md) on one PostgreSQL database.

Twilio may deliver a webhook to either process, retry it at the other one at the same moment, and send a
person's next message to the other process while the previous one is still with Rasa. Whatever the
interleaving, each message is stored once, handed to Rasa in exactly one turn, in the order the person
sent it, and answered through the outbox.

Two real uvicorn processes with Twilio's signature check on, the Rasa stand-in from tests/doubles.py (no
trained model needed) and a throw-away database on TEST_DATABASE_URL's server.
"""

from __future__ import annotations

import itertools
import os
import secrets
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from threading import Barrier
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from api.db import Database
from api.localstack import api_command, free_port
from api.messaging.models import Conversation, Direction, Message, MessageKind, OutboxItem
from api.messaging.rasa import sender_ids_of
from api.migrate import upgrade
from api.people.models import Inburgeraar
from api.settings import ROOT
from tests.doubles import FakeRasa
from tests.messaging_support import ACCOUNT_SID, AUTH_TOKEN, PUBLIC, inbound_form, sign

from .conftest import postgres_server, processes, throwaway_database

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        postgres_server() is None,
        reason="two API processes share one PostgreSQL database: set TEST_DATABASE_URL "
        "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)",
    ),
]

SETTLE_SECONDS = 60  # a deadline for the background turns, not a speed requirement
_phones = itertools.count(1)


def answer_naming_the_message(text: str, metadata: dict[str, Any]) -> tuple[str, float, list, list[str]]:
    """Rasa's stand-in answers each message with a reply that says which message it answers."""
    return "out_of_scope", 0.5, [], [f"antwoord op {text}"]


@dataclass
class Profile:
    apis: tuple[str, str]
    database: Database
    rasa: FakeRasa


@dataclass(frozen=True)
class Person:
    id: int
    phone: str


@pytest.fixture(scope="module")
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa(brain=answer_naming_the_message).start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def profile(tmp_path_factory: pytest.TempPathFactory, rasa: FakeRasa) -> Iterator[Profile]:
    """Two API processes as production starts them, behind one PUBLIC_BASE_URL, on one database."""
    tmp = tmp_path_factory.mktemp("two_apis")
    with throwaway_database("two_apis") as url:
        upgrade(url)
        ports = (free_port(), free_port())
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "RASA_"))}
        env |= {
            "ENVIRONMENT": "production",
            "MUNICIPALITY_PHONE": "14 0513",
            "SIMULATOR_ENABLED": "false",
            "DATABASE_URL": url,
            # Production wants each secret 32 characters or longer, and each its own.
            "CASE_API_ADMIN_TOKEN": ADMIN_TOKEN,
            "BOT_SERVICE_TOKEN": "two-apis-bot-token-6b7c8d9e0f1a2b3c4d",
            "SESSION_SECRET": "two-apis-session-secret-7c8d9e0f1a2b3c",
            "RASA_JWT_SECRET": "two-apis-rasa-jwt-secret-8d9e0f1a2b3c4d",
            "RASA_URL": rasa.url,
            # Both processes sit behind the proxy that Twilio calls: they check signatures against it.
            "PUBLIC_BASE_URL": PUBLIC,
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_SMS_FROM": "+3197010000001",
            # The API never sends (the worker does, and none runs here); should it try, it reaches nothing.
            "TWILIO_API_BASE_URL": "http://127.0.0.1:9",
            "LOG_LEVEL": "WARNING",
        }
        database = Database(url)
        try:
            with processes(tmp) as procs:
                for letter, port in zip("ab", ports, strict=True):
                    procs.start(f"api_{letter}", api_command(port), ROOT, env | {"PORT": str(port)})
                for letter, port in zip("ab", ports, strict=True):
                    procs.wait(f"api_{letter}", f"http://127.0.0.1:{port}/health", 60)
                yield Profile(
                    apis=tuple(f"http://127.0.0.1:{port}" for port in ports), database=database, rasa=rasa
                )
        finally:
            database.engine.dispose()


@pytest.fixture
def slow_rasa(profile: Profile) -> Iterator[FakeRasa]:
    """Rasa takes a moment per turn, so a person's turns overlap their next messages' arrival."""
    profile.rasa.mode, profile.rasa.delay = "slow", 0.05
    yield profile.rasa
    profile.rasa.mode, profile.rasa.delay = "ok", 0.0


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as http:
        yield http


def new_people(profile: Profile, count: int) -> list[Person]:
    """People the API knows, without a conversation yet (their first message starts it)."""
    with profile.database.session() as db:
        rows = [
            Inburgeraar(
                name=f"Persoon {n}", phone=f"+3161{n:07d}", language="nl", doelgroep="asielstatushouder"
            )
            for n in itertools.islice(_phones, count)
        ]
        db.add_all(rows)
        db.commit()
        return [Person(id=row.id, phone=row.phone) for row in rows]


def deliver(client: httpx.Client, api: str, form: dict[str, str]) -> int:
    """Twilio's POST of one inbound message to one API process; its HTTP status."""
    return client.post(
        f"{api}/twilio/messages", data=form, headers=sign("/twilio/messages", form)
    ).status_code


def ok(status: int) -> bool:
    """Twilio counts any 2xx as delivered (and retries or gives up otherwise)."""
    return 200 <= status < 300


def send_in_turn(
    client: httpx.Client, profile: Profile, person: Person, texts: list[str], first: int
) -> list[int]:
    """The person's messages, alternately to each process, each as soon as the previous one got its 2xx."""
    statuses = []
    for n, text in enumerate(texts):
        api = profile.apis[(first + n) % 2]
        form = inbound_form(person.phone, text, f"SM{person.id:06d}{n:026d}")
        statuses.append(deliver(client, api, form))
        if not ok(statuses[-1]):
            break  # the next message would not be "after" this one
    return statuses


def settled(profile: Profile, people: list[Person]) -> bool:
    """Every stored message of these people was handled and no process holds their conversations.

    Turns only happen to messages still waiting, under a lease: once none waits and no lease is held,
    every turn that will ever happen for them has happened, so counting now catches duplicates too.
    """
    phones = [p.phone for p in people]
    with profile.database.session() as db:
        waiting = db.scalar(
            select(func.count(Message.id))
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(
                Conversation.phone.in_(phones),
                Message.direction == Direction.inbound,
                Message.status != "processed",
            )
        )
        leased = db.scalar(
            select(func.count(Conversation.id)).where(
                Conversation.phone.in_(phones), Conversation.processing_owner.is_not(None)
            )
        )
    return waiting == 0 and leased == 0


def wait_until_settled(profile: Profile, people: list[Person]) -> None:
    deadline = time.monotonic() + SETTLE_SECONDS
    while not settled(profile, people):
        assert time.monotonic() < deadline, f"messages still waiting for a turn after {SETTLE_SECONDS}s"
        time.sleep(0.1)


def stored(profile: Profile, person: Person) -> list[Message]:
    """The person's inbound messages, in the order the API stored them."""
    with profile.database.session() as db:
        return list(
            db.scalars(
                select(Message)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .where(Conversation.phone == person.phone, Message.direction == Direction.inbound)
                .order_by(Message.id)
            )
        )


def queued_replies(profile: Profile, person: Person) -> list[str]:
    """The bot's replies to the person that have an outbox row, in the order they were queued."""
    with profile.database.session() as db:
        return list(
            db.scalars(
                select(Message.body)
                .join(OutboxItem, OutboxItem.message_id == Message.id)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .where(Conversation.phone == person.phone, Message.kind == MessageKind.bot_reply)
                .order_by(Message.id)
            )
        )


def senders(profile: Profile, people: list[Person]) -> set[str]:
    """The sender ids Rasa knows these people's conversations by."""
    with profile.database.session() as db:
        return {sender for p in people for sender in sender_ids_of(db, db.get(Inburgeraar, p.id))}


def rasa_heard(profile: Profile, person: Person) -> list[str]:
    """What Rasa was told for this person, turn by turn."""
    heard_as = senders(profile, [person])
    with profile.rasa.lock:
        return [turn["text"] for turn in profile.rasa.turns if turn["sender"] in heard_as]


def test_a_webhook_delivered_to_both_processes_at_once_is_stored_once_and_causes_one_turn(profile, client):
    people = new_people(profile, 4)
    rounds = 10
    statuses: list[int] = []
    sent: dict[str, Person] = {}
    with ThreadPoolExecutor(max_workers=2 * len(people)) as pool:
        for n in range(rounds):
            # Twilio's retry of one message reaching the other process while the first is being handled.
            start = Barrier(2 * len(people))

            def together(api: str, form: dict[str, str], start: Barrier = start) -> int:
                start.wait(timeout=30)
                return deliver(client, api, form)

            futures = []
            for person in people:
                form = inbound_form(person.phone, f"vraag {n}", f"SM{person.id:06d}{n:026d}")
                sent[form["MessageSid"]] = person
                futures += [pool.submit(together, api, form) for api in profile.apis]
            statuses += [future.result() for future in futures]
    wait_until_settled(profile, people)

    assert all(ok(status) for status in statuses), Counter(statuses)
    messages = [message for person in people for message in stored(profile, person)]
    assert Counter(m.twilio_sid for m in messages) == Counter(set(sent))
    theirs = senders(profile, people)
    with profile.rasa.lock:
        turns = Counter(t["metadata"]["messageId"] for t in profile.rasa.turns if t["sender"] in theirs)
    assert turns == Counter(m.id for m in messages)


ADMIN_TOKEN = "two-apis-admin-token-5a6b7c8d9e0f1a2b"


def all_at_once(client: httpx.Client, deliveries: list[tuple[str, dict[str, str]]]) -> list[int]:
    """Deliver every (API process, webhook form) at the same moment, behind one barrier; the statuses."""
    start = Barrier(len(deliveries))

    def together(api: str, form: dict[str, str]) -> int:
        start.wait(timeout=30)
        return deliver(client, api, form)

    with ThreadPoolExecutor(max_workers=len(deliveries)) as pool:
        return list(pool.map(lambda delivery: together(*delivery), deliveries))


def test_a_new_persons_first_messages_at_both_processes_at_once_are_all_stored_and_answered(profile, client):
    # Both processes find no conversation yet and both create one; the loser must not answer 500 (its
    # message would be lost unless Twilio delivered it again) but store it in the winner's conversation.
    people = new_people(profile, 20)
    statuses = all_at_once(
        client,
        [
            (api, inbound_form(person.phone, f"hallo {i}", f"SM{person.id:06d}{i:026d}"))
            for person in people
            for i, api in enumerate(profile.apis)
        ],
    )
    wait_until_settled(profile, people)

    assert all(ok(status) for status in statuses), Counter(statuses)
    for person in people:
        # Messages sent at the same moment have no order of their own: each once is the promise.
        assert sorted(m.body for m in stored(profile, person)) == ["hallo 0", "hallo 1"], person
        assert sorted(rasa_heard(profile, person)) == ["hallo 0", "hallo 1"], person
        assert sorted(queued_replies(profile, person)) == ["antwoord op hallo 0", "antwoord op hallo 1"]


def test_one_persons_messages_alternating_between_processes_reach_rasa_once_each_in_order(
    profile, slow_rasa, client
):
    (person,) = new_people(profile, 1)
    texts = [f"bericht {n}" for n in range(20)]

    statuses = send_in_turn(client, profile, person, texts, first=0)
    wait_until_settled(profile, [person])

    assert len(statuses) == len(texts) and all(ok(status) for status in statuses), statuses
    assert [m.body for m in stored(profile, person)] == texts
    assert rasa_heard(profile, person) == texts
    assert queued_replies(profile, person) == [f"antwoord op {text}" for text in texts]


def test_several_people_at_once_over_both_processes_lose_no_turn_and_keep_each_persons_order(
    profile, slow_rasa, client
):
    people = new_people(profile, 6)
    texts = {person: [f"vraag {n}" for n in range(8)] for person in people}

    with ThreadPoolExecutor(max_workers=len(people)) as pool:
        futures = {
            person: pool.submit(send_in_turn, client, profile, person, texts[person], first=i % 2)
            for i, person in enumerate(people)
        }
        statuses = {person: future.result() for person, future in futures.items()}
    wait_until_settled(profile, people)

    for person in people:
        assert len(statuses[person]) == len(texts[person]), statuses[person]
        assert all(ok(status) for status in statuses[person]), statuses[person]
        assert rasa_heard(profile, person) == texts[person], person
        assert queued_replies(profile, person) == [f"antwoord op {text}" for text in texts[person]]


def coordinator(api: str) -> dict[str, str]:
    """A coordinator made with the admin token (which itself reads and changes no people)."""
    body = {"name": "Twee", "email": f"twee-{secrets.token_hex(4)}@gemeente.example", "role": "coordinator"}
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    made = httpx.post(f"{api}/api/v1/staff", json=body, headers=admin)
    assert made.status_code == 201, made.text
    return {"Authorization": f"Bearer {made.json()['apiToken']}"}


def open_conversations(profile: Profile, phone: str) -> list[Conversation]:
    with profile.database.session() as db:
        query = select(Conversation).where(Conversation.phone == phone, Conversation.closed_at.is_(None))
        return list(db.scalars(query))


def stored_from(profile: Profile, phone: str) -> list[Message]:
    """Every inbound message from this number, in any of its conversations (open or closed)."""
    with profile.database.session() as db:
        return list(
            db.scalars(
                select(Message)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .where(Conversation.phone == phone, Message.direction == Direction.inbound)
                .order_by(Message.id)
            )
        )


def test_a_number_registered_after_it_wrote_texting_both_processes_at_once_gets_one_conversation(
    profile, client
):
    # Both processes find the unknown number's conversation still open for a number that now has a person:
    # both close it and start the person's; one loses on "one open conversation per number" and must
    # store its message in the winner's conversation, not answer 500 and not adopt the old one.
    phones = [f"+3162{n:07d}" for n in itertools.islice(_phones, 10)]
    for phone in phones:
        first = inbound_form(phone, "wie is dit", f"SM{phone[1:]}{0:020d}")
        assert ok(deliver(client, profile.apis[0], first))
    unknown = [Person(id=0, phone=phone) for phone in phones]
    wait_until_settled(profile, unknown)
    people, staff = [], coordinator(profile.apis[0])
    for phone in phones:
        body = {"name": "Nieuw", "phone": phone, "doelgroep": "gezinsmigrant"}
        registered = client.post(f"{profile.apis[0]}/api/v1/inburgeraars", json=body, headers=staff)
        assert registered.status_code == 201, registered.text
        people.append(Person(id=registered.json()["id"], phone=phone))
    statuses = all_at_once(
        client,
        [
            (api, inbound_form(p.phone, f"hallo {i}", f"SM{p.phone[1:]}{i + 1:020d}"))
            for p in people
            for i, api in enumerate(profile.apis)
        ],
    )
    wait_until_settled(profile, people)

    assert all(ok(status) for status in statuses), Counter(statuses)
    for person in people:
        (current,) = open_conversations(profile, person.phone)
        assert current.inburgeraar_id == person.id
        in_current = [m.body for m in stored_from(profile, person.phone) if m.conversation_id == current.id]
        assert sorted(in_current) == ["hallo 0", "hallo 1"], person  # nothing lost, nothing adopted
        assert [m.body for m in stored_from(profile, person.phone)][0] == "wie is dit"
        assert sorted(rasa_heard(profile, person)) == ["hallo 0", "hallo 1"], person


def test_a_phone_change_while_the_new_number_texts_both_processes_loses_no_message(profile, client):
    (person,) = new_people(profile, 1)
    hallo = inbound_form(person.phone, "hallo", f"SM{person.id:06d}{0:026d}")
    assert ok(deliver(client, profile.apis[1], hallo))
    wait_until_settled(profile, [person])
    new_phone = f"+3163{next(_phones):07d}"
    forms = [inbound_form(new_phone, f"vraag {n}", f"SM{person.id:06d}{n + 1:026d}") for n in range(8)]
    start, staff = Barrier(1 + len(forms)), coordinator(profile.apis[0])

    def move() -> int:
        start.wait(timeout=30)
        url = f"{profile.apis[0]}/api/v1/inburgeraars/{person.id}"
        return client.patch(url, json={"phone": new_phone}, headers=staff).status_code

    def text(n: int) -> int:
        start.wait(timeout=30)
        return deliver(client, profile.apis[n % 2], forms[n])

    with ThreadPoolExecutor(max_workers=1 + len(forms)) as pool:
        moved = pool.submit(move)
        statuses = list(pool.map(text, range(len(forms))))
    assert moved.result() == 200
    moved_person = Person(id=person.id, phone=new_phone)
    wait_until_settled(profile, [person, moved_person])

    assert all(ok(status) for status in statuses), Counter(statuses)
    stored = stored_from(profile, new_phone)
    assert Counter(m.twilio_sid for m in stored) == Counter(form["MessageSid"] for form in forms)
    assert open_conversations(profile, person.phone) == []  # the old number is no longer theirs
    (current,) = open_conversations(profile, new_phone)
    assert current.inburgeraar_id == person.id
    # What arrived before the change committed came from a number nobody had yet: it is kept, unlinked.
    in_current = [m.body for m in stored if m.conversation_id == current.id]
    assert sorted(rasa_heard(profile, person)) == sorted(["hallo", *in_current])
