"""The checks of GET /health/ready: each says ok or fail, with a detail an operator can act on.

Ready means a message sent now is answered now: the database stores it, the crisis net has its vocabulary
and its classifier, Rasa has its model loaded and parses, the action server answers, a worker is running its
rounds (replays, sends), and nothing has been waiting in the outbox for longer than OUTBOX_MAX_AGE_SECONDS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import and_, func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from api.messaging.models import OutboxItem, OutboxStatus
from api.messaging.rasa import RasaClient
from api.monitoring import heartbeat
from api.safety import classifier, crisis
from api.settings import Settings

OK, FAIL = "ok", "fail"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def as_json(self) -> dict[str, str]:
        return {"status": OK if self.ok else FAIL, "detail": self.detail}


def database(db: Session) -> Check:
    try:
        db.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        db.rollback()
        return Check("database", False, f"not reachable ({type(exc).__name__})")
    return Check("database", True, "answers")


def crisis_net() -> Check:
    """Both layers of the net that every message passes first: without the classifier it misses the crises
    written without a crisis word (api.safety.net), and nothing else would say so."""
    try:
        patterns = len(crisis.vocabulary().patterns)
    except (OSError, ValueError) as exc:
        return Check("crisis_net", False, f"vocabulary does not load ({type(exc).__name__})")
    if classifier.classifier() is None:
        return Check("crisis_net", False, "no crisis classifier (make crisis-classifier)")
    return Check("crisis_net", True, f"{patterns} patterns and the classifier")


def rasa(client: RasaClient) -> Check:
    status = client.status()
    return Check("rasa", status.ready, status.detail)


def action_server(settings: Settings) -> Check:
    url = f"{settings.action_server_url.rstrip('/')}/health"
    try:
        response = httpx.get(url, timeout=settings.health_timeout_seconds)
    except httpx.HTTPError as exc:
        return Check("action_server", False, f"not reachable ({type(exc).__name__})")
    if response.status_code != 200:
        return Check("action_server", False, f"http {response.status_code}")
    return Check("action_server", True, "answers")


def worker(db: Session, settings: Settings, now: datetime) -> Check:
    last = heartbeat.latest(db)
    if last is None:
        return Check("worker", False, "no worker has run a round")
    age = (now - last).total_seconds()
    limit = settings.worker_heartbeat_max_age_seconds
    if age > limit:
        return Check("worker", False, f"last heartbeat {age:.0f}s ago (limit {limit:.0f}s)")
    return Check("worker", True, f"last heartbeat {age:.0f}s ago")


def oldest_due(db: Session, now: datetime) -> tuple[int, datetime | None]:
    """Outbox rows that are due to be sent and not sent yet: how many, and since when the oldest is due.

    A row waiting for its next attempt (backoff) or held for WhatsApp's window is not due yet.
    """
    due = and_(OutboxItem.status == OutboxStatus.pending, OutboxItem.next_attempt_at <= now)
    count, since = db.execute(select(func.count(), func.min(OutboxItem.next_attempt_at)).where(due)).one()
    return count, since


def outbox(db: Session, settings: Settings, now: datetime) -> Check:
    count, since = oldest_due(db, now)
    if since is None:
        return Check("outbox", True, "nothing waiting")
    age = max(timedelta(0), now - since).total_seconds()
    limit = settings.outbox_max_age_seconds
    detail = f"{count} due, the oldest for {age:.0f}s"
    return Check("outbox", age <= limit, detail if age <= limit else f"{detail} (limit {limit:.0f}s)")


def readiness(db: Session, settings: Settings, client: RasaClient, now: datetime) -> list[Check]:
    """Every check, in order; those that read the database fail with it."""
    stored = database(db)
    if stored.ok:
        on_database = [worker(db, settings, now), outbox(db, settings, now)]
    else:
        on_database = [Check(name, False, "database not reachable") for name in ("worker", "outbox")]
    return [stored, crisis_net(), rasa(client), action_server(settings), *on_database]
