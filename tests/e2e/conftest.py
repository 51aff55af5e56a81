"""The whole assistant, live: the API (uvicorn), Rasa with the trained model and the action server, each a
real process on a free 127.0.0.1 port, against a throw-away SQLite database.

The model comes from `make model` (bot/train.py); without it, or without the bot environment, these tests
skip and say how to get them. The helpers here (processes, throw-away PostgreSQL databases) are shared by
the scale-out tests, which start their own processes.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, make_url, text

from api.appointments.models import Appointment, Attendance
from api.localstack import (
    BOT_PROCESS_ENV,
    actions_command,
    api_command,
    free_port,
    rasa_command,
    trained_model,
)
from api.migrate import upgrade
from api.settings import ROOT

BOT_TOKEN = "e2e-bot-token"
ADMIN_TOKEN = "e2e-admin-token"


def _wait(url: str, seconds: float, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} died (exit {proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not come up in {seconds:.0f}s:\n{log.read_text()[-3000:]}")


class Processes:
    """The processes of one live fixture, each logging to `<logs>/<name>.log`."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: dict[str, tuple[subprocess.Popen[bytes], Path]] = {}

    def start(self, name: str, cmd: list[str], cwd: Path, env: dict[str, str]) -> None:
        log = self.logs / f"{name}.log"
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
        self.started[name] = (proc, log)

    def wait(self, name: str, health: str, seconds: float) -> None:
        """Until `health` answers; fails with the end of the process's log when it dies or stays silent."""
        _wait(health, seconds, *self.started[name])

    def stop(self) -> None:
        for proc, _ in self.started.values():
            if proc.poll() is None:
                proc.terminate()
        for proc, _ in self.started.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


@contextmanager
def processes(logs: Path) -> Iterator[Processes]:
    """Processes that are stopped on the way out, whatever happened."""
    started = Processes(logs)
    try:
        yield started
    finally:
        started.stop()


def postgres_server() -> str | None:
    """TEST_DATABASE_URL with the psycopg 3 driver when it names a PostgreSQL server, else None."""
    raw = os.environ.get("TEST_DATABASE_URL")
    if not raw:
        return None
    server = make_url(raw)
    if server.get_backend_name() != "postgresql":
        return None
    if server.drivername != "postgresql+psycopg":
        server = server.set(drivername="postgresql+psycopg")  # the API environment has psycopg 3
    return server.render_as_string(hide_password=False)


@contextmanager
def throwaway_database(prefix: str) -> Iterator[str]:
    """A new database on TEST_DATABASE_URL's server (PostgreSQL), dropped on the way out."""
    server = postgres_server()
    assert server is not None, "throwaway_database needs TEST_DATABASE_URL on a PostgreSQL server"
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            # A stopped process's pooled connection may linger for a moment and would block the DROP.
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
                {"name": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def appointment_in_three_days(person_id: int, staff_id: int, location: str) -> Appointment:
    """A voortgangsgesprek three days from now with the person as its one participant (not yet added)."""
    starts_at = datetime.now(UTC) + timedelta(days=3)
    appointment = Appointment(
        kind="voortgangsgesprek",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        location=location,
        staff_id=staff_id,
        status="scheduled",
        checkin_code="4821",
    )
    appointment.attendances = [Attendance(inburgeraar_id=person_id)]
    return appointment


@dataclass
class Stack:
    api: str
    rasa: str
    db_url: str

    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    model = trained_model()
    if model is None:
        pytest.skip("no trained Rasa model for the current bot data: run `make model` (make test does)")
    tmp = tmp_path_factory.mktemp("e2e")
    db_url = f"sqlite:///{tmp / 'case.sqlite3'}"
    upgrade(db_url)
    api_port, rasa_port, actions_port = free_port(), free_port(), free_port()
    endpoints = tmp / "endpoints.yml"
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n'
        f'nlg:\n  url: "http://127.0.0.1:{api_port}/nlg"\n'
    )
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "PORT": str(api_port),
        "CASE_API_ADMIN_TOKEN": ADMIN_TOKEN,
        "BOT_SERVICE_TOKEN": BOT_TOKEN,
        "RASA_URL": f"http://127.0.0.1:{rasa_port}",
        "CASE_API_URL": f"http://127.0.0.1:{api_port}",
        "ENVIRONMENT": "test",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        **BOT_PROCESS_ENV,
    }
    commands = {
        "api": (api_command(api_port), ROOT),
        "actions": (actions_command(actions_port), ROOT / "bot"),
        "rasa": (rasa_command(model, str(endpoints), rasa_port), ROOT / "bot"),
    }
    with processes(tmp) as procs:
        for name, (cmd, cwd) in commands.items():
            procs.start(name, cmd, cwd, env)
        procs.wait("api", f"http://127.0.0.1:{api_port}/health", 60)
        procs.wait("actions", f"http://127.0.0.1:{actions_port}/health", 90)
        procs.wait("rasa", f"http://127.0.0.1:{rasa_port}/status", 240)
        yield Stack(api=f"http://127.0.0.1:{api_port}", rasa=f"http://127.0.0.1:{rasa_port}", db_url=db_url)
