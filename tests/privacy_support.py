"""Helpers for the retention and rights tests: Rasa's tracker table, and a person with a full history."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Column, Float, Integer, Sequence, String, Text, create_engine, make_url, select, text
from sqlalchemy.orm import Session, declarative_base

from api.broadcasts.models import Broadcast, BroadcastRecipient
from api.db import Database
from api.messaging.models import Message
from api.messaging.rasa import sender_id
from api.messaging.service import conversation_for, queue_outbound
from api.people import consent
from api.people.models import Inburgeraar
from api.staff.models import Staff
from tests.conftest import BOT, Factory

# Rasa 3.6's SQLTrackerStore.SQLEvent (rasa/core/tracker_store.py), copied column for column: Rasa creates
# its table with `Base.metadata.create_all`, and so do these tests.
RasaBase = declarative_base()


class RasaEvent(RasaBase):  # type: ignore[misc, valid-type]
    __tablename__ = "events"

    id = Column(Integer, Sequence("events_seq", optional=True), primary_key=True)
    sender_id = Column(String(255), nullable=False, index=True)
    type_name = Column(String(255), nullable=False)
    timestamp = Column(Float)
    intent_name = Column(String(255))
    action_name = Column(String(255))
    data = Column(Text)


def create_tracker_store(url: str) -> None:
    engine = create_engine(url)
    RasaBase.metadata.create_all(engine)
    engine.dispose()


def add_turn(url: str, sender: str, at: datetime, user_text: str, bot_text: str) -> None:
    """One turn as Rasa stores it: a user event and the bot's answer, with their data as JSON."""
    stamp = at.timestamp()
    user = {
        "event": "user",
        "timestamp": stamp,
        "text": user_text,
        "parse_data": {"intent": {"name": "greet"}},
    }
    bot = {"event": "bot", "timestamp": stamp + 1, "text": bot_text}
    engine = create_engine(url)
    with Session(engine) as session:
        session.add_all(
            [
                RasaEvent(
                    sender_id=sender,
                    type_name="user",
                    timestamp=stamp,
                    intent_name="greet",
                    data=json.dumps(user),
                ),
                RasaEvent(sender_id=sender, type_name="bot", timestamp=stamp + 1, data=json.dumps(bot)),
            ]
        )
        session.commit()
    engine.dispose()


def tracker_senders(url: str) -> dict[str, int]:
    """Events per sender id in the tracker store."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT sender_id, count(*) FROM events GROUP BY sender_id")).all()
    engine.dispose()
    return {sender: count for sender, count in rows}


def postgres_server() -> str | None:
    raw = os.environ.get("TEST_DATABASE_URL")
    if not raw or make_url(raw).get_backend_name() != "postgresql":
        return None
    return make_url(raw).set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


@contextmanager
def postgres_tracker_store() -> Iterator[str]:
    """A throw-away PostgreSQL database holding Rasa's `events` table (dropped afterwards)."""
    server = postgres_server()
    assert server is not None
    name = f"rasa_tracker_{os.urandom(4).hex()}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        create_tracker_store(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class History:
    """A person with something in every kind of data, a group appointment shared with `other`."""

    person: Inburgeraar
    other: Inburgeraar
    km: Staff
    km_headers: dict[str, str]
    own_appointment: int
    group_appointment: int
    markers: list[str] = field(default_factory=list)  # texts only this person's rows contain
    sender: str = ""  # the sender id Rasa knows the person's conversation by
    other_sender: str = ""


def full_history(client: Any, make: Factory, db: Session, tracker_url: str | None = None) -> History:
    """Profile, consent events, a conversation with replies in the outbox, an own and a group appointment
    with reminders, an absence with details (and its task), an escalation, a broadcast, audit events of
    reads, and (with `tracker_url`) a Rasa tracker; and the same, less, for someone else."""
    km, km_headers = make.staff(name="Sanne Klantmanager")
    person = make.person(km, name="Zeynep Wisbaar", phone="+31612000111")
    other = make.person(km, name="Yonas Blijft", phone="+31612000222")
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=5)
    own = _appointment(client, km_headers, [person.id], starts)
    group = _appointment(client, km_headers, [person.id, other.id], starts + timedelta(days=1))
    for who, words in ((person, "Mijn kind is ziek, geheim-zeynep-chat"), (other, "Ik kom, yonas-chat")):
        conversation = conversation_for(db, who)
        db.add(
            Message(
                conversation_id=conversation.id, direction="in", channel="sms", body=words, status="processed"
            )
        )
        queue_outbound(db, conversation, f"Beterschap {who.name}", kind="bot_reply")
    consent.opt_out(db, person, source="keyword")
    consent.opt_in(db, person, source="keyword")
    db.commit()
    sender, other_sender = make.sender(person), make.sender(other)
    reported = client.post(
        f"/api/v1/bot/{sender}/attendance",
        headers=BOT,
        json={
            "appointmentId": own,
            "action": "report_absence",
            "reason": "sick",
            "details": "geheim-zeynep-koorts",
        },
    )
    assert reported.status_code == 200, reported.text
    escalated = client.post(
        f"/api/v1/bot/{sender}/escalations",
        headers=BOT,
        json={"reason": "request_human", "urgent": False, "summary": "geheim-zeynep-vraag"},
    )
    assert escalated.status_code in (200, 201), escalated.text
    _broadcast(db, [person, other])
    assert client.get(f"/api/v1/inburgeraars/{person.id}/messages", headers=km_headers).status_code == 200
    assert client.get(f"/api/v1/inburgeraars/{person.id}", headers=km_headers).status_code == 200
    if tracker_url:
        add_turn(tracker_url, sender, datetime.now(UTC), "geheim-zeynep-chat", "Beterschap")
        add_turn(tracker_url, other_sender, datetime.now(UTC), "yonas-chat", "Tot dan")
    markers = ["Zeynep Wisbaar", "+31612000111", "geheim-zeynep"]
    return History(person, other, km, km_headers, own, group, markers, sender, other_sender)


def _appointment(client: Any, headers: dict[str, str], participants: list[int], starts: datetime) -> int:
    response = client.post(
        "/api/v1/appointments",
        headers=headers,
        json={
            "kind": "voortgangsgesprek",
            "startsAt": starts.isoformat(),
            "location": "Stadskantoor",
            "participantIds": participants,
        },
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _broadcast(db: Session, people: list[Inburgeraar]) -> None:
    broadcast = Broadcast(
        template="holiday_closure",
        variables={},
        audience={"type": "list", "inburgeraarIds": [p.id for p in people]},
        status="sent",
        send_at=datetime.now(UTC),
        created_by="admin",
    )
    db.add(broadcast)
    db.flush()
    db.add_all(
        BroadcastRecipient(broadcast_id=broadcast.id, inburgeraar_id=p.id, status="queued") for p in people
    )
    db.commit()


def every_row(database: Database) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table of the case database, as dicts."""
    from api.models import metadata

    with database.engine.connect() as conn:
        return {
            table.name: [dict(row._mapping) for row in conn.execute(select(table))]
            for table in metadata.sorted_tables
        }


def sender(db: Session, person: Inburgeraar) -> str:
    """The sender id Rasa knows the person's current conversation by (started when missing)."""
    conversation = conversation_for(db, person)
    db.commit()
    return sender_id(conversation)
