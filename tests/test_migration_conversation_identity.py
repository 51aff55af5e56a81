"""Migration 0002 on rows the old rules left behind, on SQLite and PostgreSQL.

Under the old rules a conversation was found by number and adopted by whoever had it, and a phone change
never moved it. The migration gives every conversation a random sender id and leaves the rows as the new
rules would have: adopted conversations split at the moment the adopter was registered, conversations on
a number their person no longer has closed, and one open conversation per number.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.exc import IntegrityError

from api.db import UTCDateTime
from api.migrate import alembic_config, upgrade
from tests.conftest import _create_postgres_database, _drop_postgres_database, _postgres_url

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
metadata = sa.MetaData()
inburgeraar = sa.Table(
    "inburgeraar",
    metadata,
    sa.Column("id", sa.Integer),
    sa.Column("name", sa.String),
    sa.Column("phone", sa.String),
    sa.Column("whatsapp_opt_in", sa.Boolean),
    sa.Column("language", sa.String),
    sa.Column("doelgroep", sa.String),
    sa.Column("pvt_hours_done", sa.Integer),
    sa.Column("map_status", sa.String),
    sa.Column("consent_state", sa.String),
    sa.Column("created_at", UTCDateTime()),
    sa.Column("updated_at", UTCDateTime()),
)
conversation = sa.Table(
    "conversation",
    metadata,
    sa.Column("id", sa.Integer),
    sa.Column("inburgeraar_id", sa.Integer),
    sa.Column("phone", sa.String),
    sa.Column("last_channel", sa.String),
    sa.Column("created_at", UTCDateTime()),
)
message = sa.Table(
    "message",
    metadata,
    sa.Column("id", sa.Integer),
    sa.Column("conversation_id", sa.Integer),
    sa.Column("direction", sa.String),
    sa.Column("channel", sa.String),
    sa.Column("kind", sa.String),
    sa.Column("body", sa.String),
    sa.Column("status", sa.String),
    sa.Column("bot_attempts", sa.Integer),
    sa.Column("created_at", UTCDateTime()),
)
escalation = sa.Table(
    "escalation",
    metadata,
    sa.Column("id", sa.Integer),
    sa.Column("conversation_id", sa.Integer),
    sa.Column("inburgeraar_id", sa.Integer),
    sa.Column("reason", sa.String),
    sa.Column("urgent", sa.Boolean),
    sa.Column("status", sa.String),
    sa.Column("created_at", UTCDateTime()),
)


@pytest.fixture
def url_at_0001(backend: str, tmp_path) -> Iterator[str]:
    """A new, empty database migrated to revision 0001 only."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'before_0002.sqlite3'}"
    else:
        server = _postgres_url()
        assert server is not None
        url = _create_postgres_database(server)
    command.upgrade(alembic_config(url), "0001")
    yield url
    if backend == "postgres":
        _drop_postgres_database(server, url)


def _person(db: sa.Connection, id_: int, phone: str, registered: datetime) -> None:
    db.execute(
        inburgeraar.insert().values(
            id=id_, name=f"Persoon {id_}", phone=phone, whatsapp_opt_in=False, language="nl",
            doelgroep="asielstatushouder", pvt_hours_done=0, map_status="not_started",
            consent_state="granted", created_at=registered, updated_at=registered,
        )
    )  # fmt: skip


def _conversation(db: sa.Connection, id_: int, phone: str, person: int | None, started: datetime) -> None:
    db.execute(
        conversation.insert().values(
            id=id_, inburgeraar_id=person, phone=phone, last_channel="sms", created_at=started
        )
    )


def _message(db: sa.Connection, id_: int, conversation_id: int, body: str, at: datetime) -> None:
    db.execute(
        message.insert().values(
            id=id_, conversation_id=conversation_id, direction="in", channel="sms", kind="person", body=body,
            status="processed", bot_attempts=0, created_at=at,
        )
    )  # fmt: skip


def _old_rows(db: sa.Connection) -> None:
    """What the old rules left: a move, an adoption, an unknown number later registered, two ordinary rows."""
    hour = timedelta(hours=1)
    # 1. Moved: person 1 went from ...01 to ...02; their conversation stayed on ...01.
    _person(db, 1, "+31600000002", T0)
    _conversation(db, 1, "+31600000001", 1, T0 + hour)
    _message(db, 1, 1, "bericht van persoon 1", T0 + 2 * hour)
    # 2. Adopted: the number ...03 wrote (a previous holder) before person 2 was registered on it.
    _conversation(db, 2, "+31600000003", None, T0)
    _message(db, 2, 2, "verhaal van de vorige houder", T0 + hour)
    _person(db, 2, "+31600000003", T0 + 5 * hour)
    db.execute(conversation.update().where(conversation.c.id == 2).values(inburgeraar_id=2))
    _message(db, 3, 2, "hallo van persoon 2", T0 + 6 * hour)
    db.execute(
        escalation.insert().values(
            id=1, conversation_id=2, inburgeraar_id=2, reason="request_human", urgent=False, status="open",
            created_at=T0 + 6 * hour,
        )
    )  # fmt: skip
    # 3. An unknown number that wrote, then registered (not used since, so never adopted).
    _conversation(db, 3, "+31600000004", None, T0)
    _person(db, 3, "+31600000004", T0 + hour)
    # 4. Ordinary: person 4's own conversation; 5. an unknown number nobody has.
    _person(db, 4, "+31600000005", T0)
    _conversation(db, 4, "+31600000005", 4, T0 + hour)
    _conversation(db, 5, "+31600000006", None, T0)
    if db.dialect.name == "postgresql":  # explicit ids: move the sequences past them
        for table in ("inburgeraar", "conversation", "message", "escalation"):
            db.execute(sa.text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"))


def _conversations(db: sa.Connection) -> dict[int, sa.Row]:
    rows = db.execute(sa.text("SELECT * FROM conversation ORDER BY id")).all()
    return {row.id: row for row in rows}


def _bodies(db: sa.Connection, conversation_id: int) -> list[str]:
    query = sa.text("SELECT body FROM message WHERE conversation_id = :c ORDER BY id")
    return list(db.execute(query, {"c": conversation_id}).scalars())


def test_migration_puts_old_rows_right_under_the_new_rules(url_at_0001):
    engine = sa.create_engine(url_at_0001)
    with engine.begin() as db:
        _old_rows(db)

    upgrade(url_at_0001)

    with engine.begin() as db:
        rows = _conversations(db)
        assert (rows[1].inburgeraar_id, rows[1].closed_reason) == (1, "number_changed")
        assert (rows[2].inburgeraar_id, rows[2].closed_reason) == (None, "number_reassigned")
        assert _bodies(db, 2) == ["verhaal van de vorige houder"]
        (split,) = [row for row in rows.values() if row.id > 5]
        assert (split.inburgeraar_id, split.phone, split.closed_at) == (2, "+31600000003", None)
        assert _bodies(db, split.id) == ["hallo van persoon 2"]
        assert db.execute(sa.text("SELECT conversation_id FROM escalation")).scalar() == split.id
        assert (rows[3].inburgeraar_id, rows[3].closed_reason) == (None, "number_reassigned")
        assert (rows[4].inburgeraar_id, rows[4].closed_at) == (4, None)
        assert (rows[5].inburgeraar_id, rows[5].closed_at) == (None, None)
        senders = [row.sender_id for row in rows.values()]
        assert all(re.fullmatch(r"c_[A-Za-z0-9_-]{24}", s) for s in senders) and len(set(senders)) == 6
    engine.dispose()


def test_after_the_migration_a_number_has_one_open_conversation_and_keeps_its_closed_ones(url_at_0001):
    upgrade(url_at_0001)
    engine = sa.create_engine(url_at_0001)
    insert = sa.text(
        "INSERT INTO conversation (phone, sender_id, last_channel, created_at, closed_at) "
        "VALUES (:phone, :sender, 'sms', :at, :closed)"
    )
    with engine.begin() as db:
        for n, closed in enumerate([T0, T0, None]):
            db.execute(insert, {"phone": "+31600000009", "sender": f"c_{n}", "at": T0, "closed": closed})
    with pytest.raises(IntegrityError), engine.begin() as db:
        db.execute(insert, {"phone": "+31600000009", "sender": "c_3", "at": T0, "closed": None})
    engine.dispose()


def test_the_migration_goes_down_again_while_every_number_has_one_conversation(url_at_0001):
    engine = sa.create_engine(url_at_0001)
    with engine.begin() as db:
        _person(db, 1, "+31600000005", T0)
        _conversation(db, 1, "+31600000005", 1, T0)
    upgrade(url_at_0001)

    command.downgrade(alembic_config(url_at_0001), "0001")

    with engine.begin() as db:
        assert "sender_id" not in _conversations(db)[1]._fields
    engine.dispose()
