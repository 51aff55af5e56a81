"""Each worker says it is alive by rewriting its own row at the start of every round.

A row in the case database rather than a key in Redis: the worker already writes there every round, every
deployment has it (development has no Redis), and GET /health/ready reads it with the other checks.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from api.monitoring.models import WorkerHeartbeat

# A worker that stopped without saying so (killed, host gone) leaves its row; rows this old are removed.
FORGET_AFTER = timedelta(days=1)


def this_worker() -> str:
    """The name this process beats under: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def beat(db: Session, worker: str, now: datetime) -> None:
    """Record that `worker` is alive now (in the caller's transaction)."""
    updated = db.execute(
        update(WorkerHeartbeat).where(WorkerHeartbeat.worker == worker).values(beat_at=now)
    ).rowcount
    if not updated:
        db.add(WorkerHeartbeat(worker=worker, started_at=now, beat_at=now))
        db.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.beat_at < now - FORGET_AFTER))


def stop(db: Session, worker: str) -> None:
    """A worker that stops cleanly takes its row with it, so readiness stops counting on it at once."""
    db.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.worker == worker))


def latest(db: Session) -> datetime | None:
    """When any worker last said it was alive (None: no worker ever did, or all stopped cleanly)."""
    return db.scalar(select(func.max(WorkerHeartbeat.beat_at)))
