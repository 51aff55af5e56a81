"""Fixtures for the bot's actions: a fake case API over real HTTP on 127.0.0.1, and the real domain.

The fake answers the contract's endpoints (docs/bot-contract.md) from a table the test fills in, and
records every request, so a test can check both what the bot said and what it sent.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from typing import Any

import pytest
import yaml

from support import MESSAGES, ROOT, TOKEN, FakeCaseApi, handler_for


@pytest.fixture
def case_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeCaseApi]:
    """A running fake case API; CASE_API_URL and BOT_SERVICE_TOKEN point the actions at it."""
    api = FakeCaseApi()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(api))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("CASE_API_URL", api.url)
    monkeypatch.setenv("BOT_SERVICE_TOKEN", TOKEN)
    yield api
    server.shutdown()
    server.server_close()


@pytest.fixture
def api_down(monkeypatch: pytest.MonkeyPatch) -> str:
    """CASE_API_URL points at a port nobody listens on: every call is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("CASE_API_URL", url)
    return url


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    """The bot's real domain, as the action server receives it."""
    return yaml.safe_load((ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def messages() -> Any:
    """api/bot_endpoints/messages.py (reply texts by response name)."""
    return MESSAGES
