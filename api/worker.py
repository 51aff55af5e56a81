"""`python -m api.worker`: the background loop next to the API.

Each round first writes the worker's heartbeat (api.monitoring.heartbeat, read by GET /health/ready), then
runs the worker's jobs, listed in `JOBS` (the reminder tick, the dispatch of scheduled broadcasts, the daily
retention purge, the deletion of erased people's Rasa trackers, staff e-mail, the export to the
Klantinteracties register), each in its own transaction; then replays inbound messages that are stored but
not yet processed (Rasa was down, or an API process died mid-turn); then sends what the outbox holds. Run as
many workers as you like: outbox rows are claimed with SKIP LOCKED leases and conversations with leases, so
nothing is sent or answered twice on purpose.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog
from pydantic import ValidationError
from sqlalchemy.orm import Session

from api import logging as app_logging
from api import models as _all_tables  # noqa: F401 - erasure by the purge walks every table's foreign keys
from api import wiring
from api.broadcasts import service as broadcasts
from api.db import Database, utcnow
from api.inbox import notifications
from api.klantinteracties.exporter import Exporter
from api.klantinteracties.exporter import Report as ExportReport
from api.messaging.gateway import Gateway
from api.messaging.outbox import Dispatcher, Report
from api.monitoring import heartbeat
from api.privacy import purge, tracker_store
from api.reminders import scheduler
from api.reminders.policy import load_policy
from api.settings import Settings, get_settings

log = structlog.get_logger()


@dataclass(frozen=True)
class DueBroadcasts:
    broadcasts: int = 0
    messages: int = 0


def reminder_tick(db: Session, now: datetime, settings: Settings) -> scheduler.TickResult:
    """Send the reminders and notices that are due; check deliveries and unanswered reminders."""
    return scheduler.tick(db, now, settings=settings)


def broadcast_dispatch(db: Session, now: datetime, settings: Settings) -> DueBroadcasts:
    """Start the scheduled broadcasts whose time has come (inside the send window)."""
    count, messages = broadcasts.dispatch_due(db, now, settings=settings, policy=load_policy())
    return DueBroadcasts(count, messages)


def retention_purge(db: Session, now: datetime, settings: Settings) -> dict[str, Any] | None:
    """Once a day (from RETENTION_PURGE_HOUR): delete or clear what is past its retention, audited."""
    return purge.daily(db, now, settings)


def staff_notifications(db: Session, now: datetime, settings: Settings) -> notifications.Report | None:
    """E-mail staff about urgent questions and hand-overs (NOTIFY_BY_EMAIL); commits per mail, never twice."""
    if not settings.notify_by_email:
        return None
    return notifications.run(db, now, settings)


def tracker_erasure(db: Session, now: datetime, settings: Settings) -> int:
    """Delete the Rasa tracker events of erased people that could not be deleted at once."""
    return tracker_store.erase_pending(db, settings, now)


def klantinteracties_export(db: Session, now: datetime, settings: Settings) -> ExportReport | None:
    """Record due contacts and tasks in the Klantinteracties register (when it is configured)."""
    if not settings.klantinteracties_enabled:
        return None
    return Exporter(settings, db.get_bind()).run_once(now)


@dataclass(frozen=True)
class Job:
    """A unit of scheduled work: runs in one transaction, which the worker commits."""

    name: str
    run: Callable[[Session, datetime, Settings], Any]


JOBS: tuple[Job, ...] = (
    Job("reminder_tick", reminder_tick),
    Job("broadcast_dispatch", broadcast_dispatch),
    Job("retention_purge", retention_purge),
    Job("tracker_erasure", tracker_erasure),
    Job("staff_notifications", staff_notifications),
    Job("klantinteracties_export", klantinteracties_export),
)


@dataclass
class Round:
    outbox: Report
    replayed: int
    rasa_down: bool
    jobs: dict[str, Any] = field(default_factory=dict)

    @property
    def busy(self) -> bool:
        return bool(self.outbox.claimed or self.replayed)


class Worker:
    def __init__(
        self,
        settings: Settings,
        database: Database | None = None,
        *,
        dispatcher: Dispatcher | None = None,
        gateway: Gateway | None = None,
        jobs: tuple[Job, ...] = JOBS,
    ) -> None:
        wiring.install()
        self.settings = settings
        self.database = database or Database(settings.database_url)
        self.dispatcher = dispatcher or Dispatcher(self.database, settings)
        self.gateway = gateway or Gateway(self.database, settings)
        self.jobs = jobs
        self.stopping = False
        self.name = heartbeat.this_worker()

    def run_once(self, now: datetime | None = None) -> Round:
        """One round: heartbeat, the jobs, replay, send (sending last, so this round's replies go out
        at once)."""
        self.beat()
        results = {job.name: self.run_job(job, now or utcnow()) for job in self.jobs}
        self.beat()  # again after the jobs: a long reminder tick must not look like a dead worker
        replay = self.gateway.replay_pending()
        report = self.dispatcher.drain(max_rounds=20, now=now)
        return Round(outbox=report, replayed=replay.handled, rasa_down=replay.rasa_down, jobs=results)

    def beat(self) -> None:
        """Say this worker is alive (its own transaction: a failing job must not take the beat back)."""
        with self.database.session() as db:
            heartbeat.beat(db, self.name, utcnow())
            db.commit()

    def run_job(self, job: Job, now: datetime) -> Any:
        """Run one job in its own transaction; its failure is logged and never stops sending and replaying."""
        try:
            with self.database.session() as db:
                result = job.run(db, now, self.settings)
                db.commit()
                return result
        except Exception as exc:
            log.exception("worker_job_failed", job=job.name, error=type(exc).__name__)
            return None

    def run_forever(self) -> None:
        log.info("worker_started", transport=self.dispatcher.transport.name)
        while not self.stopping:
            try:
                result = self.run_once()
            except Exception as exc:  # a database restart: wait and go on, never die silently
                log.exception("worker_round_failed", error=type(exc).__name__)
                time.sleep(self.settings.worker_poll_seconds * 5)
                continue
            if not result.busy:
                time.sleep(self.settings.worker_poll_seconds)
        self.close()
        log.info("worker_stopped")

    def close(self) -> None:
        try:
            with self.database.session() as db:
                heartbeat.stop(db, self.name)
                db.commit()
        except Exception as exc:  # the database is gone: the row ages out of readiness by itself
            log.warning("worker_heartbeat_not_removed", error=type(exc).__name__)
        self.dispatcher.close()
        self.gateway.rasa.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--once", action="store_true", help="run one round and exit")
    args = parser.parse_args(argv)
    try:
        settings = get_settings()
    except ValidationError as exc:  # production fails closed; the message names settings, not values
        print(f"worker refuses to start: {exc}", file=sys.stderr)
        return 2
    app_logging.configure(settings.log_level, secrets=settings.secret_values)
    worker = Worker(settings)

    def _stop(*_: object) -> None:
        worker.stopping = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    if args.once:
        result = worker.run_once()
        worker.close()
        log.info("worker_round", sent=result.outbox.sent, replayed=result.replayed)
        return 0
    worker.run_forever()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
