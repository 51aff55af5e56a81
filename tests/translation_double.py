"""A local double of LibreTranslate's HTTP API, as a real server on 127.0.0.1 (tests and browser tests).

`POST /translate` takes JSON or a form with `q` (a string or a list of strings), `source` (a code or
"auto"), `target`, `format` and `api_key`, and answers `{"translatedText": ...}` in the same shape as `q`
(with `detectedLanguage` when the source was "auto"), or `{"error": ...}` with 400 (bad request,
unsupported language), 403 (wrong API key), 429 or 500, as LibreTranslate does. `GET /languages` lists
`{code, name, targets}`. By default it knows the languages a stock LibreTranslate has of ours (not
Tigrinya, Somali, Pashto or Kurmanji).

Translations come from `phrases` ((source, target, text) -> translation); anything else becomes
"[target] text", so a test can always tell what was translated. Every request is kept in `requests`, so a
test can check what left the API, and that nothing did when translation is off.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlparse

from tests.doubles import _Background, _Handler

STOCK = {"nl": "Dutch", "en": "English", "ar": "Arabic", "fa": "Persian", "tr": "Turkish"}


@dataclass
class Request:
    method: str
    path: str
    payload: dict[str, Any]


class LibreTranslateDouble(_Background):
    def __init__(self, *, api_key: str = "", languages: dict[str, str] | None = None) -> None:
        super().__init__()
        self.api_key = api_key
        self.languages = dict(languages or STOCK)
        self.phrases: dict[tuple[str, str, str], str] = {}
        self.mode = "ok"  # ok | error (500) | slow (answers after `delay`) | garbage (not JSON)
        self.delay = 0.0
        self.requests: list[Request] = []
        self.lock = threading.Lock()

    def start(self, port: int = 0) -> LibreTranslateDouble:
        owner = self

        class Handler(_Handler):
            def do_GET(self) -> None:  # noqa: N802
                path = urlparse(self.path).path
                owner.record("GET", path, {})
                if path != "/languages":
                    return self._send(404, {"error": "Not Found"})
                codes = sorted(owner.languages)
                listed = [
                    {"code": c, "name": owner.languages[c], "targets": [t for t in codes if t != c]}
                    for c in codes
                ]
                self._send(200, listed)

            def do_POST(self) -> None:  # noqa: N802
                path = urlparse(self.path).path
                raw = self._body().decode()
                if (self.headers.get("Content-Type") or "").startswith("application/json"):
                    payload = json.loads(raw or "{}")
                else:
                    payload = {k: v[-1] for k, v in parse_qs(raw).items()}
                owner.record("POST", path, payload)
                if path != "/translate":
                    return self._send(404, {"error": "Not Found"})
                if owner.mode == "slow":
                    time.sleep(owner.delay)
                if owner.mode == "error":
                    return self._send(500, {"error": "Cannot translate text: internal error"})
                if owner.mode == "garbage":
                    self.send_response(200)
                    self.send_header("Content-Length", "9")
                    self.end_headers()
                    self.wfile.write(b"not json!")
                    return None
                status, answer = owner.translate(payload)
                self._send(status, answer)

        self._start(Handler, port)
        return self

    def record(self, method: str, path: str, payload: dict[str, Any]) -> None:
        with self.lock:
            self.requests.append(Request(method, path, payload))

    def translations(self) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.path == "/translate"]

    def detect(self, text: str) -> str:
        for source, _, known in self.phrases:
            if known == text:
                return source
        return "ar" if any("\u0600" <= ch <= "\u06ff" for ch in text) else "en"

    def translate(self, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if self.api_key and payload.get("api_key") != self.api_key:
            return 403, {"error": "Invalid API key"}
        q, source, target = payload.get("q"), payload.get("source"), payload.get("target")
        if q is None or not target or not source:
            return 400, {"error": "Invalid request: missing q, source or target parameter"}
        texts = q if isinstance(q, list) else [q]
        for code in (source, target):
            if code != "auto" and code not in self.languages:
                return 400, {"error": f"{code} is not supported"}
        out, detected = [], []
        for text in texts:
            lang = self.detect(text) if source == "auto" else source
            detected.append({"confidence": 90.0, "language": lang})
            out.append(self.phrases.get((lang, target, text), f"[{target}] {text}"))
        answer: dict[str, Any] = {"translatedText": out if isinstance(q, list) else out[0]}
        if source == "auto":
            answer["detectedLanguage"] = detected if isinstance(q, list) else detected[0]
        return 200, answer
