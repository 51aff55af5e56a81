# ruff: noqa: F811 - the fixtures imported from tests.messaging_support are used by name
"""Several workers side by side never send one outbox row twice (threads, and processes on PostgreSQL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest

from api.messaging import service as messaging
from api.settings import ROOT
from tests.messaging_support import dispatcher, outbox_rows, twilio_double, twilio_settings  # noqa: F401


def _fill(db, make, count: int, people: int = 20) -> set[str]:
    persons = [make.person() for _ in range(people)]
    bodies = set()
    for n in range(count):
        person = persons[n % people]
        conversation = messaging.conversation_for(db, person)
        body = f"bericht {n}"
        messaging.queue_outbound(db, conversation, body, kind="bot_reply")
        bodies.add(body)
    db.commit()
    return bodies


def test_two_dispatchers_in_threads_never_send_a_row_twice(db, make, database, settings, twilio_double):
    settings = twilio_settings(settings, None, twilio_double, outbox_batch_size=25, outbox_send_concurrency=4)
    twilio_double.answer_delay = 0.002
    bodies = _fill(db, make, 300)
    workers = [dispatcher(database, settings) for _ in range(2)]
    reports = [None, None]

    def run(i: int) -> None:
        reports[i] = workers[i].drain()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    counts = Counter(c.body for c in twilio_double.created)
    assert set(counts) == bodies
    assert max(counts.values()) == 1
    assert all(r.sent > 0 for r in reports), "both workers should have taken part"
    assert {row.status for row in outbox_rows(db)} == {"sent"}
    for w in workers:
        w.close()


def _worker_env(settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "RASA_"))}
    env.update(
        DATABASE_URL=settings.database_url,
        TWILIO_ACCOUNT_SID=settings.twilio_account_sid,
        TWILIO_AUTH_TOKEN=settings.twilio_auth_token,
        TWILIO_SMS_FROM=settings.twilio_sms_from,
        TWILIO_API_BASE_URL=settings.twilio_api_base_url,
        TWILIO_TIMEOUT_SECONDS="2",
        PUBLIC_BASE_URL=settings.public_base_url,
        RASA_URL="http://127.0.0.1:9",  # nothing to replay in these tests
        WORKER_POLL_SECONDS="0.05",
        LOG_LEVEL="WARNING",
        ENVIRONMENT="test",
    )
    env.update(extra)
    return env


def start_worker(settings, **extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "api.worker"],
        cwd=ROOT,
        env=_worker_env(settings, **extra),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_until(predicate, seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_two_worker_processes_never_send_a_row_twice(db, make, database, settings, twilio_double, backend):
    if backend != "postgres":
        pytest.skip("several worker processes are the PostgreSQL production profile (SQLite: threads test)")
    settings = twilio_settings(settings, None, twilio_double)
    twilio_double.answer_delay = 0.002
    bodies = _fill(db, make, 400)
    procs = [start_worker(settings, OUTBOX_BATCH_SIZE="20") for _ in range(2)]
    try:
        assert wait_until(lambda: len(twilio_double.created) >= len(bodies), 90)
        time.sleep(0.5)  # anything sent twice would show up now
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=30)
    counts = Counter(c.body for c in twilio_double.created)
    assert set(counts) == bodies and max(counts.values()) == 1
    assert {row.status for row in outbox_rows(db)} == {"sent"}
