"""Helpers for the bot's action tests: the fake case API, tracker builders and an action runner."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import string
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

ROOT = Path(__file__).resolve().parents[2]
SENDER = "inb-12"
TOKEN = "test-bot-token"
ACTION_SECRET = "test-action-server-secret-0123456789ab"


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Route:
    status: int = 200
    body: Any = None
    delay: float = 0.0
    raw: bytes | None = None


@dataclass
class FakeCaseApi:
    """The case API as the actions see it: routes keyed by (method, last path segment)."""

    url: str = ""
    routes: dict[tuple[str, str], Route] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    # Replies Rasa asked the NLG endpoint (POST /nlg) to render: (response, language, arguments).
    rendered: list[tuple[str, str | None, dict[str, Any]]] = field(default_factory=list)

    def on(
        self,
        method: str,
        endpoint: str,
        body: Any = None,
        status: int = 200,
        delay: float = 0.0,
        raw: bytes | None = None,
    ) -> None:
        self.routes[(method, endpoint)] = Route(status, body, delay, raw)

    def sent(self, method: str, endpoint: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path.endswith(f"/{endpoint}")]


def handler_for(api: FakeCaseApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if self.path == "/nlg":
                return self._render(json.loads(raw))
            api.requests.append(
                Recorded(self.command, self.path, dict(self.headers), json.loads(raw) if raw else None)
            )
            route = api.routes.get((self.command, self.path.rsplit("/", 1)[-1]))
            if route is None:
                route = Route(404, {"type": "about:blank", "title": "Not Found", "status": 404})
            if route.delay:
                time.sleep(route.delay)
            payload = route.raw if route.raw is not None else json.dumps(route.body).encode()
            try:
                self.send_response(route.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):  # the client timed out first
                pass

        def _render(self, request: dict[str, Any]) -> None:
            """Rasa's NLG protocol: the text says which response, in which language."""
            language = ((request.get("tracker") or {}).get("slots") or {}).get("language")
            api.rendered.append((request["response"], language, request.get("arguments") or {}))
            payload = json.dumps(
                {
                    "text": f"{language}|{request['response']}",
                    "buttons": [],
                    "image": None,
                    "elements": [],
                    "attachments": [],
                    "custom": {},
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = _serve

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


def user_event(
    text: str,
    intent: str,
    confidence: float = 0.95,
    entities: list[dict] | None = None,
    metadata: dict | None = None,
) -> dict[str, Any]:
    return {
        "event": "user",
        "text": text,
        "parse_data": {
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "entities": entities or [],
        },
        "metadata": metadata or {},
    }


def bot_event(response: str) -> dict[str, Any]:
    return {"event": "bot", "text": "...", "metadata": {"utter_action": response}}


def make_tracker(
    text: str = "",
    intent: str = "nlu_fallback",
    entities: list[dict] | None = None,
    slots: dict[str, Any] | None = None,
    history: list[dict[str, Any]] | None = None,
    metadata: dict[str, Any] | None = None,
    active_loop: str | None = None,
    after: str | None = None,
    form: str | None = None,
    confidence: float = 0.95,
) -> Tracker:
    """A tracker whose latest user message is `text` (classified as `intent`), after `history`.

    `after` is an action that already ran in this turn (e.g. action_deactivate_loop before a form opens).
    `form` is the form whose validation action runs: Rasa appends that form's own ActionExecuted.
    """
    latest = user_event(text, intent, confidence, entities, metadata)
    events = [{"event": "session_started"}, {"event": "action", "name": "action_listen"}]
    events += list(history or []) + [latest]
    if after:
        events.append({"event": "action", "name": after})
    if form:
        events.append({"event": "action", "name": form})
    return Tracker(
        SENDER,
        dict(slots or {}),
        {**latest["parse_data"], "metadata": latest["metadata"]},
        events,
        False,
        None,
        {"name": active_loop} if active_loop else {},
        form or after or "action_listen",
    )


def entity(name: str, value: str) -> dict[str, Any]:
    return {"entity": name, "value": value, "start": 0, "end": 1}


@dataclass
class Outcome:
    events: list[dict[str, Any]]
    messages: list[dict[str, Any]]

    @property
    def responses(self) -> list[str]:
        return [m["response"] for m in self.messages]

    def slots(self) -> dict[str, Any]:
        return {e["name"]: e["value"] for e in self.events if e.get("event") == "slot"}

    def message(self, response: str) -> dict[str, Any]:
        return next(m for m in self.messages if m["response"] == response)


def load_messages() -> Any:
    """api/bot_endpoints/messages.py, loaded by path: the API's package is not importable in the bot environment."""
    spec = importlib.util.spec_from_file_location("bot_messages", ROOT / "api" / "bot_endpoints" / "messages.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MESSAGES = load_messages()


def missing_arguments(message: dict[str, Any]) -> set[str]:
    """Placeholders of the reply's text that the action did not fill (the NLG would render them empty)."""
    text = MESSAGES.RESPONSES[message["response"]]
    wanted = {name for _, name, _, _ in string.Formatter().parse(text) if name}
    return wanted - set(MESSAGES.PLACEHOLDER_DEFAULTS) - {k for k, v in message.items() if v is not None}


def run(action: Any, tracker: Tracker, domain: dict[str, Any]) -> Outcome:
    """Run one action as the action server would, and collect its events and replies.

    Every reply must name a known response and fill all of that response's placeholders.
    """
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain))
    for message in dispatcher.messages:
        assert message["response"] in MESSAGES.RESPONSES, message["response"]
        assert not missing_arguments(message), (message["response"], missing_arguments(message))
    return Outcome(events, dispatcher.messages)
