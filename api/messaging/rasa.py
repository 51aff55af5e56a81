"""Client for Rasa's REST channel and tracker (127.0.0.1:5005), as the gateway uses them.

Rasa answers a turn in the HTTP response of `POST /webhooks/rest/webhook`; the bot's understanding of the
person's message (intent, confidence, entities, language slot) is read from the tracker afterwards, for
the klantmanager's inbox. Both calls fail as `RasaUnavailable`, never with another exception.

Rasa knows a person by a sender id ("inb-<id>"): `sender_id` makes it for the gateway,
`person_for_sender` reads it back when the bot's actions call /api/v1/bot/{sender}, and `sender_ids_of`
lists every id a person's trackers may be kept under (for the purge and erasure).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy.orm import Session

from api.errors import NotFound
from api.people.models import Inburgeraar
from api.settings import Settings

SENDER_PREFIX = "inb-"


def sender_id(person: Inburgeraar) -> str:
    """The id Rasa keeps this person's conversation (tracker) under."""
    return f"{SENDER_PREFIX}{person.id}"


def sender_ids_of(db: Session, person: Inburgeraar) -> list[str]:
    """Every sender id Rasa may keep a tracker of this person under (past conversations included).

    The one way to find a person's trackers: the purge and erasure delete Rasa's tracker events by these
    ids, so a change in how sender ids are made (random ids per conversation) belongs here too. Call it
    before the person's rows are deleted: it may read them.
    """
    return [sender_id(person)]


def person_for_sender(db: Session, sender: str) -> Inburgeraar:
    """The person behind a sender id (NotFound for anything that is not one of ours)."""
    if not sender.startswith(SENDER_PREFIX) or not sender[len(SENDER_PREFIX) :].isdigit():
        raise NotFound(f"unknown sender {sender!r}")
    person = db.get(Inburgeraar, int(sender[len(SENDER_PREFIX) :]))
    if person is None:
        raise NotFound(f"unknown sender {sender!r}")
    return person


class RasaUnavailable(Exception):
    """Rasa did not answer (down, slow or broken). `ambiguous` when it may have handled the turn anyway."""

    def __init__(self, reason: str, *, ambiguous: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.ambiguous = ambiguous


@dataclass
class Understanding:
    intent: str | None = None
    confidence: float | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    language: str | None = None
    # The intents the bot's clarifying question offers this turn, in its numbering (slot clarify_options).
    clarify_options: list[str] = field(default_factory=list)


@dataclass
class Turn:
    replies: list[str]
    understanding: Understanding


class RasaClient:
    """One pooled HTTP client per process; thread-safe (httpx.Client is)."""

    def __init__(self, settings: Settings, client: httpx.Client | None = None) -> None:
        self.base = settings.rasa_url.rstrip("/")
        self.client = client or httpx.Client(
            timeout=httpx.Timeout(
                settings.rasa_timeout_seconds, connect=min(2.0, settings.rasa_timeout_seconds)
            ),
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
        )

    def close(self) -> None:
        self.client.close()

    def send(self, sender: str, text: str, metadata: dict[str, Any]) -> list[str]:
        """One turn: the texts the bot answers with, in order."""
        try:
            response = self.client.post(
                f"{self.base}/webhooks/rest/webhook",
                json={"sender": sender, "message": text, "metadata": metadata},
            )
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise RasaUnavailable(type(exc).__name__) from exc
        except httpx.HTTPError as exc:  # read timeout, broken connection: Rasa may have done the turn
            raise RasaUnavailable(type(exc).__name__, ambiguous=True) from exc
        if response.status_code >= 500:
            raise RasaUnavailable(f"http_{response.status_code}", ambiguous=True)
        if response.status_code >= 400:
            raise RasaUnavailable(f"http_{response.status_code}")
        try:
            payload = response.json()
        except ValueError as exc:
            raise RasaUnavailable("bad_json", ambiguous=True) from exc
        return [str(item["text"]) for item in payload or [] if isinstance(item, dict) and item.get("text")]

    def tracker(self, sender: str, *, events: bool = False) -> dict[str, Any] | None:
        """The tracker of a conversation (None when Rasa's HTTP API does not answer)."""
        try:
            response = self.client.get(
                f"{self.base}/conversations/{sender}/tracker",
                params={"include_events": "ALL" if events else "NONE"},
            )
        except httpx.HTTPError:
            return None
        if response.status_code != 200:
            return None
        try:
            return response.json()
        except ValueError:
            return None

    def understanding(self, sender: str) -> Understanding:
        """What Rasa made of the latest message of this sender (empty when the tracker is unavailable)."""
        return understanding_of(self.tracker(sender))

    def replies_already_given(self, sender: str, message_id: int) -> list[str] | None:
        """After an ambiguous failure: the bot's answers to `message_id` if Rasa did that turn, else None.

        The REST channel returns replies only in its HTTP response, but they are also bot events in the
        tracker, after the user event that carries our `messageId` in its metadata.
        """
        tracker = self.tracker(sender, events=True)
        if tracker is None:
            raise RasaUnavailable("tracker_unavailable")
        found = False
        replies: list[str] = []
        for event in tracker.get("events") or []:
            kind = event.get("event")
            if kind == "user":
                if found:
                    break
                found = (event.get("metadata") or {}).get("messageId") == message_id
            elif found and kind == "bot" and event.get("text"):
                replies.append(str(event["text"]))
        return replies if found else None


def understanding_of(tracker: dict[str, Any] | None) -> Understanding:
    if not tracker:
        return Understanding()
    latest = tracker.get("latest_message") or {}
    intent = latest.get("intent") or {}
    slots = tracker.get("slots") or {}
    entities = [
        {
            k: e.get(k)
            for k in ("entity", "value", "role", "group", "confidence_entity")
            if e.get(k) is not None
        }
        for e in latest.get("entities") or []
        if isinstance(e, dict)
    ]
    confidence = intent.get("confidence")
    return Understanding(
        intent=intent.get("name"),
        confidence=float(confidence) if isinstance(confidence, int | float) else None,
        entities=entities,
        language=slots.get("language") if isinstance(slots.get("language"), str) else None,
        clarify_options=[str(o) for o in slots.get("clarify_options") or [] if isinstance(o, str)],
    )
