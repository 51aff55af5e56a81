"""Rasa's SQL tracker store on PostgreSQL, as production runs it: the purge and erasure delete its events."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from api.privacy.tracker_store import EVENTS, TrackerStore
from api.settings import ROOT, Settings
from tests.privacy_support import (
    RasaEvent,
    add_turn,
    full_history,
    postgres_server,
    postgres_tracker_store,
    tracker_senders,
)

RASA_SOURCE = (
    ROOT / ".venv" / "bot" / "lib" / "python3.10" / "site-packages" / "rasa" / "core" / "tracker_store.py"
)
NOW = datetime.now(UTC)


@pytest.fixture
def pg_tracker():
    if postgres_server() is None:
        pytest.skip(
            "the tracker store test needs PostgreSQL: set TEST_DATABASE_URL "
            "(e.g. postgresql://postgres@127.0.0.1:5432/test); the SQLite store is tested in "
            "test_privacy_*.py"
        )
    with postgres_tracker_store() as url:
        yield url


def test_the_events_table_we_delete_from_is_the_one_rasa_declares():
    if not RASA_SOURCE.exists():
        pytest.skip("the bot environment (.venv/bot, Rasa 3.6) is not installed: run `make setup`")
    source = RASA_SOURCE.read_text()
    declared = source[source.index("class SQLEvent(Base)") :][:1500]
    assert '__tablename__ = "events"' in declared
    rasa_columns = re.findall(r"^\s+(\w+) = sa\.Column\(", declared, re.MULTILINE)
    assert rasa_columns == [c.name for c in EVENTS.columns] == [c.name for c in RasaEvent.__table__.columns]
    assert "timestamp = sa.Column(sa.Float)" in declared  # Unix seconds, compared with cutoff.timestamp()


def test_old_events_are_deleted_except_the_kept_senders(pg_tracker):
    add_turn(pg_tracker, "inb-1", NOW - timedelta(days=30), "oud", "antwoord")
    add_turn(pg_tracker, "inb-1", NOW, "nieuw", "antwoord")
    add_turn(pg_tracker, "inb-2", NOW - timedelta(days=30), "oud, maar bewijs", "antwoord")
    store = TrackerStore.of(Settings(rasa_tracker_store_url=pg_tracker))
    try:
        assert store.delete_before(NOW - timedelta(days=28), keep=["inb-2"]) == 2
    finally:
        store.close()
    assert tracker_senders(pg_tracker) == {"inb-1": 2, "inb-2": 2}


def test_a_plain_postgresql_url_uses_the_installed_driver(pg_tracker):
    plain = pg_tracker.replace("postgresql+psycopg://", "postgresql://")
    add_turn(pg_tracker, "inb-3", NOW, "hallo", "hoi")
    store = TrackerStore.of(Settings(rasa_tracker_store_url=plain))
    try:
        assert [e["data"]["text"] for e in store.events_of(["inb-3"])] == ["hallo", "hoi"]
    finally:
        store.close()


def test_erasure_deletes_the_persons_events_from_the_postgresql_tracker_store(
    client, make, db, settings, pg_tracker
):
    settings.rasa_tracker_store_url = pg_tracker
    history = full_history(client, make, db, pg_tracker)
    _, coordinator = make.staff("coordinator")
    response = client.post(
        f"/api/v1/inburgeraars/{history.person.id}/erasure", headers=coordinator, json={"reason": "request"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["trackerSendersPending"] == 0
    assert tracker_senders(pg_tracker) == {history.other_sender: 2}
    exported = client.get(
        f"/api/v1/inburgeraars/{history.other.id}/export", headers=history.km_headers
    ).json()
    assert exported["botTracker"]["status"] == "included" and len(exported["botTracker"]["events"]) == 2
