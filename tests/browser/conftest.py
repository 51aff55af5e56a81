"""A live API (uvicorn in a thread, temporary SQLite), a stand-in for Rasa, and Debian's headless chromium.

The browser is Debian's `chromium` package driven by Playwright for Python; nothing is downloaded
(`make tools`, i.e. scripts/ensure-tools.sh, installs the package). Without it, or without Playwright,
the tests skip and say so.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.db import Database
from api.localstack import free_port
from api.main import create_app
from api.migrate import upgrade
from api.settings import ROOT, Settings

PASSWORD = "demo-wachtwoord-browser"
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
BOT_TOKEN = "browser-bot-token"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    found = shutil.which("chromium") or "/usr/bin/chromium"
    return found if Path(found).exists() else None


@dataclass
class FakeRasa:
    """Stands in for Rasa and the action server: what the real bot does when someone asks for a human.

    On a message it calls the case API's bot endpoint to escalate (as the action would), answers one
    text, and reports through the tracker what it understood, as Rasa's HTTP API does.
    """

    api_url: str = ""
    port: int = field(default_factory=free_port)
    understood: dict[str, Any] = field(
        default_factory=lambda: {
            "intent": "request_human",
            "confidence": 0.96,
            "language": "ar",
            "entities": [],
        }
    )
    turns: list[dict[str, Any]] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        rasa = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def _json(self, payload: Any, status: int = 200) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                turn = json.loads(self.rfile.read(length) or b"{}")
                rasa.turns.append(turn)
                escalation = httpx.post(
                    f"{rasa.api_url}/api/v1/bot/{turn['sender']}/escalations",
                    json={
                        "reason": "request_human",
                        "urgent": False,
                        "summary": "Wil een medewerker spreken",
                    },
                    headers={"Authorization": f"Bearer {BOT_TOKEN}"},
                    timeout=10,
                )
                escalation.raise_for_status()
                self._json(
                    [{"recipient_id": turn["sender"], "text": "Een medewerker neemt contact met je op."}]
                )

            def do_GET(self) -> None:  # noqa: N802
                u = rasa.understood
                self._json(
                    {
                        "latest_message": {
                            "intent": {"name": u["intent"], "confidence": u["confidence"]},
                            "entities": u["entities"],
                        },
                        "slots": {"language": u["language"]},
                        "events": [],
                    }
                )

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


@dataclass
class Live:
    url: str
    database: Database
    settings: Settings
    rasa: Any  # FakeRasa here, or tests.doubles.FakeRasa


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The whole API on a free 127.0.0.1 port against a fresh SQLite database."""
    yield from serve(tmp_path_factory)


def serve(tmp_path_factory: pytest.TempPathFactory, **overrides: Any) -> Iterator[Live]:
    """Body of a `live` fixture; `overrides` are settings (a module's own `live` passes e.g. SMTP ones)."""
    port = free_port()
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'case.sqlite3'}"
    upgrade(url)
    rasa = FakeRasa(api_url=f"http://127.0.0.1:{port}")
    rasa.start()
    settings = Settings(
        environment="test",
        database_url=url,
        port=port,
        case_api_admin_token="browser-admin-token",
        bot_service_token=BOT_TOKEN,
        session_secret="browser-session-secret",
        public_base_url=f"http://127.0.0.1:{port}",
        twilio_account_sid="",
        twilio_auth_token="",
        rasa_url=rasa.url,
        rasa_timeout_seconds=10,
        simulator_enabled=True,
        log_level="WARNING",
        **overrides,
    )
    database = Database(url)
    try:
        with serving(settings, database):
            yield Live(f"http://127.0.0.1:{port}", database, settings, rasa)
    finally:
        rasa.stop()
        database.engine.dispose()


@contextmanager
def serving(settings: Settings, database: Database) -> Iterator[None]:
    """The API with these settings in uvicorn, in a thread, on 127.0.0.1:`settings.port`."""
    import uvicorn

    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, database), host="127.0.0.1", port=settings.port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the API did not start for the browser tests")
        time.sleep(0.05)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        pytest.skip(
            "Debian's chromium is not installed; as root run `make tools` (scripts/ensure-tools.sh, "
            "or apt-get install -y chromium). Browsers are never downloaded."
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip(
            "Playwright for Python is not installed in .venv/api "
            "(pip install playwright; the browser is never downloaded)"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def staff_member(db: Any, name: str, email: str, role: str) -> Any:
    """A staff member who signs in with PASSWORD (added to the session, not committed)."""
    from api.auth import hash_password
    from api.staff.models import Staff

    member = Staff(
        name=name, email=email, role=role, phone="+31201234599", password_hash=hash_password(PASSWORD)
    )
    db.add(member)
    return member


def group_appointment(db: Any, kind: str, starts_at: Any, staff_id: int, who: list[tuple[Any, str]]) -> Any:
    """An appointment at the Stadskantoor with each participant in the given attendance status (a reported
    absence: sick, five hours before the start); added to the session."""
    from datetime import timedelta

    from api.appointments.models import Appointment, Attendance

    appointment = Appointment(
        kind=kind,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        location="Stadskantoor, Balie 3",
        checkin_code="4821",
        staff_id=staff_id,
    )
    absent = "absence_reported"
    appointment.attendances = [
        Attendance(
            inburgeraar_id=person.id,
            status=status,
            confirmed_at=starts_at - timedelta(days=1) if status in ("confirmed", "attended") else None,
            absence_reason="sick" if status == absent else None,
            reported_at=starts_at - timedelta(hours=5) if status == absent else None,
            reported_late=False if status == absent else None,
        )
        for person, status in who
    ]
    db.add(appointment)
    return appointment


def login(context: Any, live: Live, email: str, target: str = "/ui/") -> Any:
    """A new page in `context`, signed in through the login form and on `target`."""
    page = context.new_page()
    page.goto(f"{live.url}{target}")
    assert "/ui/login" in page.url
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_load_state("networkidle")
    assert "/ui/login" not in page.url, page.content()[:2000]
    return page


def wait_for(check: Any, timeout: float = 15.0) -> Any:
    """Poll `check` until it returns something truthy (what the API does in the background), or fail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


def screenshot(page: Any, name: str) -> Path:
    """Full-page screenshots kept under test-artifacts/screenshots/ (gitignored) for review."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    return target


def axe_violations(page: Any, name: str) -> list[dict[str, Any]]:
    """Run axe-core (WCAG 2.0/2.1 A and AA rules) in the page; returns serious and critical violations.

    The full report is kept under test-artifacts/axe/. axe is evaluated through the DevTools protocol,
    so the page's own Content-Security-Policy stays as strict as in production.
    """
    page.evaluate(AXE.read_text(encoding="utf-8"))
    report = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    (ARTIFACTS / "axe").mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "axe" / f"{name}.json").write_text(
        json.dumps(report["violations"], indent=2, ensure_ascii=False), encoding="utf-8"
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in report["violations"]
        if v["impact"] in ("serious", "critical")
    ]
