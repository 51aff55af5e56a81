"""Retention and erasure against Rasa's own SQL tracker store: the real Rasa with the trained model keeps
its trackers in an SQLite tracker store (Rasa's `SQL` type, as production does on PostgreSQL), the API is
told where it is, and the purge and erasure leave no event of the person behind."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import create_engine, select, text

from api.db import Database, utcnow
from api.localstack import (
    trained_model,
)
from api.messaging.models import Conversation, Message
from api.messaging.rasa import sender_ids_of
from api.people.models import Inburgeraar
from api.privacy import purge
from api.privacy.retention import Policy
from api.settings import ROOT, Settings

from .conftest import processes, rasa_auth, staff_headers, start_stack

pytestmark = pytest.mark.rasa


@dataclass
class TrackerStack:
    api: str
    rasa: str
    case_db: str
    tracker_db: str

    def events(self, sender: str) -> int:
        engine = create_engine(self.tracker_db)
        with engine.connect() as conn:
            count = conn.execute(
                text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": sender}
            ).scalar()
        engine.dispose()
        return int(count or 0)


@pytest.fixture(scope="module")
def tracker_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrackerStack]:
    model = trained_model()
    if model is None:
        pytest.skip("no trained Rasa model for the current bot data: run `make model` (make test does)")
    tmp = tmp_path_factory.mktemp("retention-live")
    tracker_file = tmp / "rasa-tracker.sqlite3"
    # bot/endpoints.yml with Rasa's own SQL tracker store, so there is something for erasure and the purge
    endpoints = tmp / "endpoints.yml"
    endpoints.write_text(
        (ROOT / "bot" / "endpoints.yml").read_text()
        + f'\ntracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{tracker_file}"\n'
    )
    env = {"RASA_TRACKER_STORE_URL": f"sqlite:///{tracker_file}"}
    with processes(tmp) as procs:
        stack = start_stack(procs, tmp, model, env, endpoints=str(endpoints))
        yield TrackerStack(stack.api, stack.rasa, stack.db_url, f"sqlite:///{tracker_file}")


def _person(stack: TrackerStack, name: str, phone: str) -> int:
    response = httpx.post(
        f"{stack.api}/api/v1/inburgeraars",
        headers=staff_headers(stack.api),  # a klantmanager, into their own caseload
        json={"name": name, "phone": phone, "language": "nl", "doelgroep": "asielstatushouder"},
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _senders(stack: TrackerStack, person_id: int) -> list[str]:
    """The person's Rasa sender ids, from the one function that knows them."""
    database = Database(stack.case_db)
    try:
        with database.session() as db:
            person = db.get(Inburgeraar, person_id)
            return sender_ids_of(db, person) if person else []
    finally:
        database.engine.dispose()


def _talk(stack: TrackerStack, person_id: int, text_: str) -> list[str]:
    """One message through the simulator; waits until the bot's turn is in Rasa's tracker store.

    Returns the person's sender ids."""
    sent = httpx.post(f"{stack.api}/simulator/messages", json={"inburgeraarId": person_id, "body": text_})
    assert sent.status_code == 202, sent.text
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        senders = _senders(stack, person_id)
        if _processed(stack, person_id) and sum(stack.events(s) for s in senders):
            return senders
        time.sleep(0.3)
    raise AssertionError("the bot's turn never reached Rasa's tracker store")


def _processed(stack: TrackerStack, person_id: int) -> bool:
    rows = httpx.get(f"{stack.api}/simulator/{person_id}/messages").json()
    return any(r["direction"] == "in" and r["status"] == "processed" for r in rows)


def _rasa_events(stack: TrackerStack, sender: str) -> list[dict]:
    response = httpx.get(
        f"{stack.rasa}/conversations/{sender}/tracker",
        params={"include_events": "ALL"},
        headers=rasa_auth(sender),
    )
    assert response.status_code == 200, response.text
    return [e for e in response.json()["events"] if e["event"] in ("user", "bot")]


def test_erasure_removes_the_conversation_from_rasas_own_tracker_store(tracker_stack):
    person_id = _person(tracker_stack, "Live Wisbaar", "+31612000901")
    sender, *_legacy = _talk(tracker_stack, person_id, "Hallo, wanneer is mijn afspraak?")
    assert _rasa_events(tracker_stack, sender), "Rasa should know the conversation before the erasure"
    erased = httpx.post(
        f"{tracker_stack.api}/api/v1/inburgeraars/{person_id}/erasure",
        headers=staff_headers(tracker_stack.api, "coordinator"),
        json={"reason": "request"},
    )
    assert erased.status_code == 200, erased.text
    assert erased.json()["trackerSendersPending"] == 0
    assert tracker_stack.events(sender) == 0
    assert _rasa_events(tracker_stack, sender) == []  # Rasa itself no longer knows what was said


def test_the_purge_clears_the_chat_in_the_case_database_and_in_rasas_tracker_store(tracker_stack):
    person_id = _person(tracker_stack, "Live Bewaar", "+31612000902")
    sender, *_legacy = _talk(tracker_stack, person_id, "Hallo")
    settings = Settings(
        database_url=tracker_stack.case_db,
        rasa_tracker_store_url=tracker_stack.tracker_db,
        environment="test",
    )
    database = Database(tracker_stack.case_db)
    try:
        with database.session() as db:
            counts = purge.purge(db, Policy.of(settings, utcnow() + timedelta(days=29)), settings)
            db.commit()
            bodies = set(
                db.scalars(
                    select(Message.body)
                    .join(Conversation, Conversation.id == Message.conversation_id)
                    .where(Conversation.inburgeraar_id == person_id)
                )
            )
    finally:
        database.engine.dispose()
    assert counts["tracker_store"] == "purged" and counts["tracker_events"] > 0
    assert tracker_stack.events(sender) == 0
    assert bodies == {""}
