"""Local stand-ins for Rasa and Twilio, as real HTTP servers on 127.0.0.1 (tests and benchmarks).

`FakeRasa` behaves like Rasa's REST channel and tracker API: it answers a turn with
`[{"recipient_id": ..., "text": ...}]`, records the user and bot events with their metadata, and can be
down, failing, slow or up without a model loaded yet (as bot/gateway_channel.py answers then).
`ActionServerDouble` answers the action server's open GET /health. `TwilioDouble` accepts
`POST .../Messages.json` and lists messages like Twilio's API, and can answer with Twilio's errors (21610,
63016, 429, 500) or time out after accepting a message. `prism_mock` serves an OpenAPI document with Prism,
which answers from the document and refuses (422) a request the document does not allow (the Twilio and
Klantinteracties doubles).
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import socket
import subprocess
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from api.localstack import free_port
from api.settings import ROOT

PRISM = ROOT / "node_modules" / ".bin" / "prism"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def handle_error(self, request: Any, client_address: Any) -> None:  # clients dying mid-request: expected
        return


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    owner: Any = None

    def setup(self) -> None:
        super().setup()
        # Headers and body go out as two writes; without this, Nagle plus delayed ACKs add 40 ms a request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args: Any) -> None:  # quiet
        return

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(length) if length else b""
        if len(data) < length:  # the client died mid-request: like Twilio, accept nothing
            raise ConnectionAbortedError("truncated request")
        return data

    def _send(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass


class _Background:
    def __init__(self) -> None:
        self.server: _Server | None = None
        self.thread: threading.Thread | None = None
        self.port = 0

    def _start(self, handler: type[_Handler], port: int = 0) -> None:
        self.server = _Server(("127.0.0.1", port), handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


# --- Rasa -------------------------------------------------------------------------------------------


def default_brain(text: str, metadata: dict[str, Any]) -> tuple[str, float, list[dict[str, Any]], list[str]]:
    """A tiny rule-based stand-in for the trained model: (intent, confidence, entities, replies)."""
    match = re.match(r"^/(\w+)(\{.*\})?$", text)
    if match:
        entities = [{"entity": k, "value": v} for k, v in json.loads(match.group(2) or "{}").items()]
        return match.group(1), 1.0, entities, [f"ok:{match.group(1)}"]
    low = text.lower()
    if "ziek" in low or "sick" in low:
        return (
            "report_absence",
            0.93,
            [{"entity": "reason", "value": "sick"}],
            ["Beterschap. Welke afspraak?"],
        )
    if "afspraak" in low or "appointment" in low:
        return "ask_next_appointment", 0.88, [], ["Je volgende afspraak is dinsdag."]
    if "boete" in low or "fine" in low:
        return "ask_fine", 0.91, [], ["Een boete is het laatste middel."]
    if low.startswith(("hallo", "hoi", "hello", "hi")):
        return "greet", 0.97, [], ["Hallo! Waarmee kan ik helpen?"]
    return "out_of_scope", 0.41, [], ["Daar kan ik niet mee helpen."]


class FakeRasa(_Background):
    def __init__(self, brain: Callable[..., Any] = default_brain) -> None:
        super().__init__()
        self.brain = brain
        self.mode = "ok"  # ok | error | slow | slow_after_turn | no_model
        self.delay = 0.0
        self.turns: list[dict[str, Any]] = []
        self.parses: list[str] = []  # texts read through the gateway channel's /parse (no turn)
        self.appended: list[tuple[str, Any]] = []  # (sender, events) appended through the HTTP API
        self.headers: list[dict[str, str]] = []  # of every request, in order (authentication, request ids)
        # Slots the next turn sets (as an action would), e.g. {"clarify_options": [...]}; cleared each turn.
        self.next_slots: dict[str, Any] = {}
        self.trackers: dict[str, dict[str, Any]] = defaultdict(
            lambda: {"events": [], "latest_message": {}, "slots": {}}
        )
        self.lock = threading.Lock()

    def start(self, port: int = 0) -> FakeRasa:
        owner = self

        class Handler(_Handler):
            def do_POST(self) -> None:  # noqa: N802
                payload = json.loads(self._body() or b"{}")
                owner.headers.append(dict(self.headers))
                if owner.mode == "error":
                    return self._send(500, {"error": "boom"})
                if owner.mode == "no_model":  # the gateway channel before the model is loaded
                    return self._send(409, {"error": "no_model"})
                events_path = re.match(r"^/conversations/([^/]+)/tracker/events$", urlparse(self.path).path)
                if events_path:
                    owner.appended.append((events_path.group(1), payload))
                    return self._send(200, owner.trackers[events_path.group(1)])
                if urlparse(self.path).path == "/webhooks/gateway/parse":  # a reading, no turn, no tracker
                    intent, confidence, entities, _ = owner.brain(payload.get("text", ""), {})
                    owner.parses.append(payload.get("text", ""))
                    return self._send(
                        200,
                        {
                            "text": payload.get("text", ""),
                            "intent": {"name": intent, "confidence": confidence},
                            "entities": entities,
                        },
                    )
                if owner.mode == "slow":
                    time.sleep(owner.delay)
                replies = owner.turn(
                    payload["sender"], payload.get("message", ""), payload.get("metadata") or {}
                )
                if owner.mode == "slow_after_turn":
                    time.sleep(owner.delay)
                self._send(200, [{"recipient_id": payload["sender"], "text": r} for r in replies])

            def do_GET(self) -> None:  # noqa: N802
                path = urlparse(self.path).path
                owner.headers.append(dict(self.headers))
                if path == "/webhooks/gateway/status":
                    if owner.mode == "no_model":
                        return self._send(503, {"ready": False, "detail": "no model loaded"})
                    return self._send(200, {"ready": True, "model_id": "fake-model", "intent": "greet"})
                match = re.match(r"^/conversations/([^/]+)/tracker$", path)
                if not match:
                    return self._send(404 if path != "/status" else 200, {})
                with owner.lock:
                    tracker = json.loads(json.dumps(owner.trackers[match.group(1)]))
                if "include_events=NONE" in self.path:
                    tracker["events"] = None
                self._send(200, tracker)

        self._start(Handler, port)
        return self

    def turn(self, sender: str, text: str, metadata: dict[str, Any]) -> list[str]:
        intent, confidence, entities, replies = self.brain(text, metadata)
        with self.lock:
            self.turns.append({"sender": sender, "text": text, "metadata": metadata})
            tracker = self.trackers[sender]
            tracker["latest_message"] = {
                "text": text,
                "intent": {"name": intent, "confidence": confidence},
                "entities": entities,
            }
            # Like the bot: the person's language stays; a detected one is only offered by the gateway.
            tracker["slots"]["language"] = metadata.get("language")
            tracker["slots"]["clarify_options"] = None
            tracker["slots"].update(self.next_slots)
            self.next_slots = {}
            tracker["events"].append({"event": "user", "text": text, "metadata": metadata})
            tracker["events"].extend({"event": "bot", "text": r} for r in replies)
        return replies


class ActionServerDouble(_Background):
    """The action server's open GET /health (200), for the API's readiness check."""

    def start(self, port: int = 0) -> ActionServerDouble:
        class Handler(_Handler):
            def do_GET(self) -> None:  # noqa: N802
                found = urlparse(self.path).path == "/health"
                self._send(200 if found else 404, {"status": "ok"} if found else {})

        self._start(Handler, port)
        return self


# --- Twilio -----------------------------------------------------------------------------------------

TWILIO_ERRORS = {
    "21610": (400, "Attempt to send to unsubscribed recipient"),
    "63016": (400, "Failed to send freeform message because you are outside the allowed window."),
    "21211": (400, "The 'To' number is not a valid phone number."),
    "20429": (429, "Too Many Requests"),
    "20500": (500, "Internal Server Error"),
}


@dataclass
class Created:
    sid: str
    to: str
    body: str | None
    content_sid: str | None
    status_callback: str | None
    form: dict[str, str]
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))


class TwilioDouble(_Background):
    """A hand-written Twilio Messages API. `script` is consumed one entry per POST:

    "ok"; an error code from TWILIO_ERRORS; "timeout" (accepts the message, then answers too late);
    "lost" (answers too late without accepting). Once the script is empty every POST is "ok".
    """

    def __init__(self, *, answer_delay: float = 0.0) -> None:
        super().__init__()
        self.script: list[str] = []
        self.created: list[Created] = []
        self.posts = 0
        self.answer_delay = answer_delay
        self.accept_before_delay = False  # a killed client may then leave accepted messages behind
        self.timeout_delay = 2.0
        self.lock = threading.Lock()

    def start(self, port: int = 0) -> TwilioDouble:
        owner = self

        class Handler(_Handler):
            def do_POST(self) -> None:  # noqa: N802
                if not self.headers.get("Authorization", "").startswith("Basic "):
                    return self._send(401, {"code": 20003, "message": "Authenticate", "status": 401})
                form = {k: v[-1] for k, v in parse_qs(self._body().decode(), keep_blank_values=True).items()}
                with owner.lock:
                    owner.posts += 1
                    step = owner.script.pop(0) if owner.script else "ok"
                early = owner.accept(form) if owner.accept_before_delay and step == "ok" else None
                if owner.answer_delay:
                    time.sleep(owner.answer_delay)
                if early is not None:
                    return self._send(201, owner.resource(early))
                if step in TWILIO_ERRORS:
                    status, text = TWILIO_ERRORS[step]
                    return self._send(
                        status,
                        {
                            "code": int(step),
                            "message": text,
                            "status": status,
                            "more_info": f"https://www.twilio.com/docs/errors/{step}",
                        },
                    )
                if step == "lost":
                    time.sleep(owner.timeout_delay)
                    return self._send(500, {"code": 20500, "message": "lost", "status": 500})
                created = owner.accept(form)
                if step == "timeout":
                    time.sleep(owner.timeout_delay)
                self._send(201, owner.resource(created))

            def do_GET(self) -> None:  # noqa: N802
                query = parse_qs(urlparse(self.path).query)
                to = (query.get("To") or [None])[0]
                with owner.lock:
                    found = [c for c in reversed(owner.created) if to is None or c.to == to][:50]
                self._send(
                    200,
                    {
                        "messages": [owner.resource(c) for c in found],
                        "next_page_uri": None,
                        "page": 0,
                        "page_size": 50,
                        "uri": self.path,
                    },
                )

        self._start(Handler, port)
        return self

    def accept(self, form: dict[str, str]) -> Created:
        created = Created(
            sid="SM" + secrets.token_hex(16),
            to=form.get("To", ""),
            body=form.get("Body"),
            content_sid=form.get("ContentSid"),
            status_callback=form.get("StatusCallback"),
            form=form,
        )
        with self.lock:
            self.created.append(created)
        return created

    @staticmethod
    def resource(created: Created) -> dict[str, Any]:
        return {
            "sid": created.sid,
            "to": created.to,
            "body": created.body or "",
            "status": "queued",
            "direction": "outbound-api",
            "date_created": format_datetime(created.created_at),
            "date_sent": None,
            "date_updated": format_datetime(created.created_at),
            "error_code": None,
            "error_message": None,
            "num_segments": "1",
            "account_sid": "AC" + "0" * 32,
        }

    def bodies_to(self, to: str) -> list[str | None]:
        with self.lock:
            return [c.body for c in self.created if c.to == to]


# --- Prism ------------------------------------------------------------------------------------------


@contextmanager
def prism_mock(spec: Path, log_name: str, *extra: str) -> Iterator[str]:
    """`prism mock` of `spec` on a free port; yields its base URL. Skips when node or Prism is missing."""
    import pytest  # only the tests serve Prism; the benchmarks run the other doubles without pytest

    if shutil.which("node") is None:
        pytest.skip("node is not installed: the Prism double cannot run")
    if not PRISM.exists():
        pytest.skip("Prism is not installed: run `npm ci` at the repository root (make test does)")
    port = free_port()
    log = ROOT / "var" / log_name
    log.parent.mkdir(exist_ok=True)
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(port), *extra, str(spec)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"Prism exited; see {log}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("Prism did not start within 90 s")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main(argv: list[str] | None = None) -> int:
    """Serve one double on its own (benchmarks run it in a separate process): `rasa|twilio PORT`."""
    import sys

    args = argv if argv is not None else sys.argv[1:]
    kind, port = args[0], int(args[1])
    server = FakeRasa().start(port) if kind == "rasa" else TwilioDouble().start(port)
    print(f"{kind} double on {server.url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
