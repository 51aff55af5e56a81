"""Rasa's SQL tracker store, as the purge and erasure reach it: its `events` table, by sender id and time.

Rasa's SQLTrackerStore (rasa/core/tracker_store.py, 3.6) keeps every event of every conversation as one
row of `events` (id, sender_id, type_name, timestamp as Unix seconds, intent_name, action_name, data as
JSON text). Rasa rebuilds a tracker from the rows since the latest `session_started`, so deleting rows
older than the chat retention leaves a conversation that is still going intact.

`RASA_TRACKER_STORE_URL` names the database; empty means there is no tracker store to reach (development
keeps trackers in Rasa's memory). Deletions after an erasure are queued as `TrackerErasure` rows in the
erasure's transaction and done after commit, then retried by the worker until the store answers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    make_url,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from api.db import utcnow
from api.privacy.models import TrackerErasure
from api.settings import Settings

log = structlog.get_logger()

# Rasa's table, as SQLTrackerStore.SQLEvent declares it; only the columns we read or filter on matter.
_metadata = MetaData()
EVENTS = Table(
    "events",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)
RETRY_MAX = timedelta(hours=6)


def engine_url(url: str) -> str:
    """Rasa's PostgreSQL URL with the driver this environment has (psycopg 3)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


@dataclass
class TrackerStore:
    """One connection pool to Rasa's tracker database; close it after use."""

    engine: Engine

    @classmethod
    def of(cls, settings: Settings) -> TrackerStore | None:
        """The configured tracker store, or None when RASA_TRACKER_STORE_URL is empty."""
        if not settings.rasa_tracker_store_url:
            return None
        return cls(create_engine(engine_url(settings.rasa_tracker_store_url), pool_pre_ping=True))

    def close(self) -> None:
        self.engine.dispose()

    def delete_before(self, cutoff: datetime, keep: Iterable[str] = ()) -> int:
        """Delete every event older than `cutoff` except those of the senders in `keep`."""
        kept = sorted(set(keep))
        query = delete(EVENTS).where(EVENTS.c.timestamp < cutoff.timestamp())
        if kept:
            query = query.where(EVENTS.c.sender_id.not_in(kept))
        with self.engine.begin() as conn:
            return conn.execute(query).rowcount

    def delete_senders(self, sender_ids: Iterable[str]) -> int:
        """Delete every event of these senders (all their sessions)."""
        ids = sorted(set(sender_ids))
        if not ids:
            return 0
        with self.engine.begin() as conn:
            return conn.execute(delete(EVENTS).where(EVENTS.c.sender_id.in_(ids))).rowcount

    def events_of(self, sender_ids: Iterable[str]) -> list[dict[str, Any]]:
        """Every event of these senders, oldest first, as the export shows them."""
        ids = sorted(set(sender_ids))
        if not ids:
            return []
        query = select(EVENTS).where(EVENTS.c.sender_id.in_(ids)).order_by(EVENTS.c.id)
        with self.engine.connect() as conn:
            return [_event(row._mapping) for row in conn.execute(query)]


def _event(row: Any) -> dict[str, Any]:
    try:
        data = json.loads(row["data"] or "null")
    except ValueError:
        data = row["data"]
    return {
        "sender_id": row["sender_id"],
        "type": row["type_name"],
        "timestamp": row["timestamp"],
        "intent": row["intent_name"],
        "action": row["action_name"],
        "data": data,
    }


def queue_erasure(db: Session, sender_ids: Iterable[str]) -> int:
    """Ask for these senders' tracker events to be deleted once the current transaction commits."""
    ids = sorted(set(sender_ids))
    db.add_all(TrackerErasure(sender_id=sender) for sender in ids)
    return len(ids)


def pending(db: Session, sender_ids: Iterable[str]) -> int:
    """How many of these senders still wait for their tracker events to be deleted."""
    ids = sorted(set(sender_ids))
    if not ids:
        return 0
    return len(set(db.scalars(select(TrackerErasure.sender_id).where(TrackerErasure.sender_id.in_(ids)))))


def erase_pending(db: Session, settings: Settings, now: datetime | None = None) -> int:
    """Delete the tracker events of the queued senders that are due; returns how many senders were done.

    Call it after the erasure committed, and from the worker: a failure leaves the rows queued with a
    later attempt time (doubling up to RETRY_MAX). Without a tracker store the queue is dropped.
    """
    now = now or utcnow()
    due = list(db.scalars(select(TrackerErasure).where(TrackerErasure.next_attempt_at <= now)))
    if not due:
        return 0
    store = TrackerStore.of(settings)
    if store is None:
        for row in due:
            db.delete(row)
        return 0
    try:
        store.delete_senders(row.sender_id for row in due)
    except SQLAlchemyError as exc:
        log.warning("tracker_erasure_failed", senders=len(due), error=type(exc).__name__)
        for row in due:
            row.attempts += 1
            row.last_error = type(exc).__name__[:64]
            row.next_attempt_at = now + min(RETRY_MAX, timedelta(minutes=2**row.attempts))
        return 0
    finally:
        store.close()
    for row in due:
        db.delete(row)
    log.info("tracker_erasure_done", senders=len(due))
    return len(due)
