"""`python -m api.worker`: the background loop next to the API.

Each round it (1) sends what the outbox holds, (2) replays inbound messages that are stored but not yet
processed (Rasa was down, or an API process died mid-turn), and (3) lets the reminder scheduler plan
what is due, when that module is installed. Run as many workers as you like: outbox rows are claimed
with SKIP LOCKED leases and conversations with leases, so nothing is sent or answered twice on purpose.
"""

from __future__ import annotations

import argparse
import signal
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog

from api import logging as app_logging
from api import wiring
from api.db import Database, utcnow
from api.messaging.gateway import Gateway
from api.messaging.outbox import Dispatcher, Report
from api.reminders import scheduler
from api.settings import Settings, get_settings

log = structlog.get_logger()


@dataclass
class Round:
    outbox: Report
    replayed: int
    rasa_down: bool
    scheduled: Any = None

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
    ) -> None:
        wiring.install()
        self.settings = settings
        self.database = database or Database(settings.database_url)
        self.dispatcher = dispatcher or Dispatcher(self.database, settings)
        self.gateway = gateway or Gateway(self.database, settings)
        self.stopping = False

    def run_once(self, now: datetime | None = None) -> Round:
        """One round: schedule, replay, send (sending last, so this round's replies go out at once)."""
        scheduled = None
        try:
            with self.database.session() as db:
                scheduled = scheduler.tick(db, now or utcnow(), settings=self.settings)
                db.commit()
        except Exception as exc:  # the scheduler's bug must not stop sending and replaying
            log.exception("scheduler_tick_failed", error=type(exc).__name__)
        replay = self.gateway.replay_pending()
        report = self.dispatcher.drain(max_rounds=20, now=now)
        return Round(outbox=report, replayed=replay.handled, rasa_down=replay.rasa_down, scheduled=scheduled)

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
        self.dispatcher.close()
        self.gateway.rasa.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--once", action="store_true", help="run one round and exit")
    args = parser.parse_args(argv)
    settings = get_settings()
    app_logging.configure(settings.log_level)
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
