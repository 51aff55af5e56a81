"""The translation provider seam and its LibreTranslate implementation.

A provider turns texts from one language into another and says which pairs it can do. It gets the texts
and the two language codes, nothing else: no name, number or id of anyone (docs/privacy.md). Every
failure (down, slow, refused, an answer we cannot read) is `TranslationUnavailable`, so callers keep the
original text or the draft and never lose work to a provider.

LibreTranslate (open source, self-hosted inside the municipality or reached with its own key):
`POST /translate` with `{q, source, target, format, api_key}` (`q` a string or a list of strings) answers
`{translatedText}` (a string or a list); `GET /languages` lists `{code, name, targets}`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any, Protocol

import httpx
import structlog

from api.settings import Settings

log = structlog.get_logger()


class TranslationUnavailable(Exception):
    """The provider did not translate (down, slow, refused or answered nonsense)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Translator(Protocol):
    """What the case API needs from a translation service."""

    name: str

    def supports(self, source: str | None, target: str) -> bool:
        """Whether texts in `source` (None: detect it) can be translated into `target` (our codes)."""
        ...

    def translate(self, texts: Sequence[str], *, source: str | None, target: str) -> list[str]:
        """The texts in `target`, in order; raises TranslationUnavailable."""
        ...

    def close(self) -> None: ...


class LibreTranslate:
    """A LibreTranslate server: one pooled client per process, the language list cached for an hour."""

    name = "libretranslate"
    # Our language codes where LibreTranslate's differ: Dari is written Persian, LibreTranslate's `fa`.
    CODES = {"fa_AF": "fa"}
    BATCH = 20  # texts per request; LibreTranslate servers limit batches (--batch-limit)
    LANGUAGES_TTL = 3600.0

    def __init__(
        self, url: str, api_key: str = "", *, timeout: float = 5.0, client: httpx.Client | None = None
    ) -> None:
        self.base = url.rstrip("/")
        self.api_key = api_key
        self.client = client or httpx.Client(timeout=httpx.Timeout(timeout, connect=min(2.0, timeout)))
        self._pairs: dict[str, frozenset[str]] | None = None
        self._pairs_at = 0.0
        self._lock = threading.Lock()

    def close(self) -> None:
        self.client.close()

    def code(self, language: str) -> str:
        return self.CODES.get(language, language)

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self.client.request(method, f"{self.base}{path}", **kwargs)
        except httpx.HTTPError as exc:
            raise TranslationUnavailable(type(exc).__name__) from exc
        if response.status_code != 200:
            raise TranslationUnavailable(f"http_{response.status_code}")
        try:
            return response.json()
        except ValueError as exc:
            raise TranslationUnavailable("bad_json") from exc

    def pairs(self) -> dict[str, frozenset[str]]:
        """Source code -> the target codes the server translates it into (GET /languages)."""
        with self._lock:
            if self._pairs is not None and time.monotonic() - self._pairs_at < self.LANGUAGES_TTL:
                return self._pairs
        listed = self._call("GET", "/languages")
        if not isinstance(listed, list):
            raise TranslationUnavailable("bad_languages")
        pairs = {
            str(item["code"]): frozenset(str(t) for t in item.get("targets") or [])
            for item in listed
            if isinstance(item, dict) and item.get("code")
        }
        with self._lock:
            self._pairs, self._pairs_at = pairs, time.monotonic()
        return pairs

    def supports(self, source: str | None, target: str) -> bool:
        try:
            pairs = self.pairs()
        except TranslationUnavailable:
            return False
        if source is None:  # detected by the server: any language it has that translates into `target`
            return any(self.code(target) in targets for targets in pairs.values())
        return self.code(target) in pairs.get(self.code(source), frozenset())

    def translate(self, texts: Sequence[str], *, source: str | None, target: str) -> list[str]:
        out: list[str] = []
        for start in range(0, len(texts), self.BATCH):
            batch = list(texts[start : start + self.BATCH])
            payload = {
                "q": batch,
                "source": self.code(source) if source else "auto",
                "target": self.code(target),
                "format": "text",
                "api_key": self.api_key,
            }
            answer = self._call("POST", "/translate", json=payload)
            translated = answer.get("translatedText") if isinstance(answer, dict) else None
            if isinstance(translated, str) and len(batch) == 1:
                translated = [translated]
            if not isinstance(translated, list) or len(translated) != len(batch):
                raise TranslationUnavailable("bad_answer")
            out.extend(str(t) for t in translated)
        log.info("translated", provider=self.name, texts=len(texts), source=source or "auto", target=target)
        return out


def translator_for(settings: Settings) -> Translator | None:
    """The configured provider, or None when translation is off (then nothing leaves the API)."""
    if settings.translation_provider == "libretranslate":
        return LibreTranslate(
            settings.translation_url,
            settings.translation_api_key,
            timeout=settings.translation_timeout_seconds,
        )
    return None
