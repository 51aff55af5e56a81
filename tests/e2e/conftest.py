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
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import jwt
import pytest
from sqlalchemy import create_engine, make_url, text

from api.appointments.models import Appointment, Attendance
from api.localstack import BotSecrets, actions_command, api_command, free_port, rasa_command, trained_model
from api.messaging.rasa import conversation_token
from api.migrate import upgrade
from api.settings import ROOT

# Long enough for production (tests/e2e/test_scale_out.py runs it), and each role its own.
BOT_TOKEN = "e2e-bot-token-5c1d0e8f2a7b4c9d1e3f"
ADMIN_TOKEN = "e2e-admin-token-9a8b7c6d5e4f3a2b1c0d"
RASA_SECRET = "e2e-rasa-jwt-secret-1f2e3d4c5b6a7988"
ACTION_SECRET = "e2e-action-server-secret-0a1b2c3d4e5f"
SECRETS = BotSecrets(bot_token=BOT_TOKEN, rasa_jwt=RASA_SECRET, action_server=ACTION_SECRET)


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


def rasa_auth(sender: str) -> dict[str, str]:
    """What the gateway sends Rasa for one conversation: a JWT signed with the stack's Rasa secret."""
    return {"Authorization": f"Bearer {conversation_token(RASA_SECRET, sender)}"}


def rasa_admin() -> dict[str, str]:
    """A JWT with Rasa's `admin` role (its model routes), as an operator could make; the API never does."""
    claims = {"user": {"username": "e2e-operator", "role": "admin"}, "exp": int(time.time()) + 300}
    return {"Authorization": f"Bearer {jwt.encode(claims, RASA_SECRET, algorithm='HS256')}"}


_staff_numbers = iter(range(1, 1_000_000))


def staff_headers(api: str, role: str = "klantmanager") -> dict[str, str]:
    """A new staff member of `role`, made with the admin token (its only use: it reads no people), and
    their bearer header. A klantmanager registers people into their own caseload and reads them."""
    n = next(_staff_numbers)
    body = {"name": f"E2E {role} {n}", "email": f"e2e-{role}-{n}@gemeente.example", "role": role}
    response = httpx.post(
        f"{api}/api/v1/staff", json=body, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=30
    )
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['apiToken']}"}


@dataclass
class Stack:
    api: str
    rasa: str
    db_url: str
    actions: str = ""
    logs: Path | None = None
    _caseworker: dict[str, str] | None = None

    def caseworker(self) -> dict[str, str]:
        """One klantmanager per stack, who registers the test's people and so may read them."""
        if not self._caseworker:
            self._caseworker = staff_headers(self.api)
        return self._caseworker


def start_stack(
    procs: Processes,
    tmp: Path,
    model: Path,
    env: dict[str, str],
    *,
    worker: bool = False,
    endpoints: str = "endpoints.yml",
) -> Stack:
    """API, action server and Rasa (and the worker) on a new SQLite database, each with its own secrets
    (api.localstack.BotSecrets) and its log in `tmp`; returns when all of them answer."""
    db_url = f"sqlite:///{tmp / 'case.sqlite3'}"
    upgrade(db_url)
    api_port, rasa_port, actions_port = free_port(), free_port(), free_port()
    api, rasa, actions = (f"http://127.0.0.1:{port}" for port in (api_port, rasa_port, actions_port))
    base = {**os.environ, "ENVIRONMENT": "test", "SQLALCHEMY_SILENCE_UBER_WARNING": "1", **env}
    api_env = base | SECRETS.api_env() | {
        "DATABASE_URL": db_url, "PORT": str(api_port), "CASE_API_ADMIN_TOKEN": ADMIN_TOKEN, "RASA_URL": rasa,
        "ACTION_SERVER_URL": actions,  # for /health/ready
    }  # fmt: skip
    procs.start("api", api_command(api_port), ROOT, api_env)
    actions_env = base | SECRETS.actions_env(api_url=api)
    procs.start("actions", actions_command(actions_port), ROOT / "bot", actions_env)
    rasa_env = base | SECRETS.rasa_env(actions_url=actions, api_url=api)
    procs.start("rasa", rasa_command(model, endpoints, rasa_port), ROOT / "bot", rasa_env)
    if worker:
        procs.start("worker", [sys.executable, "-m", "api.worker"], ROOT, api_env)
    procs.wait("api", f"{api}/health", 60)
    procs.wait("actions", f"{actions}/health", 90)
    procs.wait("rasa", f"{rasa}/version", 240)  # /status wants a token
    return Stack(api=api, rasa=rasa, db_url=db_url, actions=actions, logs=tmp)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    model = trained_model()
    if model is None:
        pytest.skip("no trained Rasa model for the current bot data: run `make model` (make test does)")
    tmp = tmp_path_factory.mktemp("e2e")
    with processes(tmp) as procs:
        yield start_stack(procs, tmp, model, {})
