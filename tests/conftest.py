"""Fixtures: the app on SQLite and (when TEST_DATABASE_URL is set) PostgreSQL, factories per aggregate."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from api import wiring
from api.appointments.models import Appointment, Attendance
from api.auth import hash_password
from api.db import Database
from api.i18n import catalog, manage
from api.main import create_app
from api.migrate import upgrade
from api.models import metadata
from api.people.models import Inburgeraar
from api.settings import Settings
from api.staff import tokens
from api.staff.models import Staff

ADMIN_TOKEN = "test-admin-token"
BOT_TOKEN = "test-bot-token"
FACTORY_TOKEN_DAYS = 36500
_databases: dict[str, Database] = {}


def _postgres_url() -> str | None:
    raw = os.environ.get("TEST_DATABASE_URL")
    if not raw:
        return None
    url = make_url(raw)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def _create_postgres_database(base_url: str) -> str:
    """A throw-away database per test run, so runs never see each other's rows."""
    name = f"inburgering_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


def _drop_postgres_database(base_url: str, url: str) -> None:
    name = make_url(url).database
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _database(backend: str, tmp_root: Any) -> Database:
    if backend not in _databases:
        if backend == "sqlite":
            url = f"sqlite:///{tmp_root / 'case.sqlite3'}"
        else:
            base = _postgres_url()
            assert base is not None
            url = _create_postgres_database(base)
        upgrade(url)
        _databases[backend] = Database(url)
    return _databases[backend]


@pytest.fixture(scope="session", autouse=True)
def _wired() -> None:
    """Listeners are registered explicitly at start-up; tests that call services directly need them too."""
    wiring.install()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    base = _postgres_url()
    for backend, database in _databases.items():
        database.engine.dispose()
        if backend == "postgres" and base:
            _drop_postgres_database(base, database.url)


def _wipe(database: Database) -> None:
    tables = [t.name for t in reversed(metadata.sorted_tables)]
    with database.engine.begin() as conn:
        if database.engine.dialect.name == "postgresql":
            conn.execute(
                text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
            )
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))
            if conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")).first():
                conn.execute(text("DELETE FROM sqlite_sequence"))


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
    ]
)
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres" and not _postgres_url():
        pytest.skip(
            "PostgreSQL tests need TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)"
        )
    return request.param


@pytest.fixture
def database(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    database = _database(backend, tmp_path_factory.getbasetemp())
    _wipe(database)
    yield database
    _wipe(database)


@pytest.fixture
def settings(database: Database) -> Settings:
    return Settings(
        environment="test",
        database_url=database.url,
        case_api_admin_token=ADMIN_TOKEN,
        bot_service_token=BOT_TOKEN,
        session_secret="test-session-secret",
        public_base_url="https://assistent.example.nl",
        twilio_account_sid="",
        twilio_auth_token="",
        rasa_url="http://127.0.0.1:59999",
        rasa_timeout_seconds=0.5,
        action_server_url="http://127.0.0.1:59998",  # never a running one (5055 may be someone's)
        health_timeout_seconds=0.5,
    )


@pytest.fixture
def app(settings: Settings, database: Database):  # type: ignore[no-untyped-def]
    return create_app(settings, database)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def db(database: Database) -> Iterator[Session]:
    with database.session() as session:
        yield session


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


ADMIN = auth(ADMIN_TOKEN)
BOT = auth(BOT_TOKEN)


class Factory:
    """Factories per aggregate; each commits so the API sees the rows."""

    def __init__(self, db: Session) -> None:
        self.db = db
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def staff(self, role: str = "klantmanager", **kw: Any) -> tuple[Staff, dict[str, str]]:
        n = self._next()
        token = kw.pop("token", None) or f"token-{role}-{n}"
        member = Staff(
            name=kw.pop("name", f"{role.title()} {n}"),
            email=kw.pop("email", f"{role}{n}@gemeente.example"),
            role=role,
            phone=kw.pop("phone", f"+3120123{n:04d}"),
            password_hash=hash_password(kw.pop("password", "correct horse battery")),
            **kw,
        )
        # Tests travel in time (to 2030 and back): factory tokens outlive that. Expiry is tested through
        # the API (tests/test_staff_tokens.py).
        tokens.grant(member, token, days=FACTORY_TOKEN_DAYS)
        self.db.add(member)
        self.db.commit()
        return member, auth(token)

    def person(self, klantmanager: Staff | None = None, **kw: Any) -> Inburgeraar:
        n = self._next()
        person = Inburgeraar(
            name=kw.pop("name", f"Persoon {n}"),
            phone=kw.pop("phone", f"+316{n:08d}"),
            language=kw.pop("language", "nl"),
            doelgroep=kw.pop("doelgroep", "asielstatushouder"),
            klantmanager_id=klantmanager.id if klantmanager else None,
            **kw,
        )
        self.db.add(person)
        self.db.commit()
        return person

    def sender(self, person: Inburgeraar) -> str:
        """The sender id the bot knows the person's current conversation by (started when missing)."""
        from api.messaging.conversations import conversation_for

        conversation = conversation_for(self.db, person)
        self.db.commit()
        return conversation.sender_id

    def appointment(
        self, participants: list[Inburgeraar], *, starts_in: timedelta = timedelta(days=2), **kw: Any
    ) -> Appointment:
        starts_at = kw.pop("starts_at", datetime.now(UTC).replace(microsecond=0) + starts_in)
        appointment = Appointment(
            kind=kw.pop("kind", "voortgangsgesprek"),
            starts_at=starts_at,
            ends_at=kw.pop("ends_at", starts_at + timedelta(hours=1)),
            location=kw.pop("location", "Stadskantoor"),
            checkin_code=kw.pop("checkin_code", "4821"),
            status=kw.pop("status", "scheduled"),
            **kw,
        )
        appointment.attendances = [Attendance(inburgeraar_id=p.id) for p in participants]
        self.db.add(appointment)
        self.db.commit()
        return appointment


@pytest.fixture
def make(db: Session) -> Factory:
    return Factory(db)


@pytest.fixture(scope="module")
def compiled():
    """Render against the .po files as they are now, not against stale .mo files."""
    manage.compile_all()
    catalog.translations.cache_clear()
    yield
    catalog.translations.cache_clear()
