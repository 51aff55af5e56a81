"""Client for Rasa's gateway channel and tracker (RASA_URL), as the gateway uses them.

Rasa answers a turn in the HTTP response of `POST /webhooks/gateway/webhook`; the bot's understanding of
the person's message (intent, confidence, entities, language slot) is read from the tracker afterwards, for
the klantmanager's inbox. Both calls fail as `RasaUnavailable`, never with another exception.

Rasa knows a conversation by its sender id: a random `c_...` stored on the conversation (it cannot be
guessed or counted up to, unlike a person's id). This module is the one home of that mapping:
`sender_id` for the gateway, `conversation_for_sender` when the bot's actions call /api/v1/bot/{sender},
and `sender_ids_of` for everything Rasa keeps about a person (the tracker store, for retention and erasure).

Every call carries a JWT signed with RASA_JWT_SECRET that Rasa (`--jwt-secret`, and the gateway channel in
bot/channels.py) checks: valid for one conversation (role `user`, username = the sender id) and a few
minutes, so a token that leaks opens one person's tracker briefly, not every tracker for good.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.errors import NotFound
from api.logging import REQUEST_ID_HEADER, current_request_id
from api.messaging.models import Conversation
from api.people.models import Inburgeraar
from api.settings import Settings

# Before migration 0002 Rasa kept a person's tracker under "inb-<person id>"; no request resolves it any
# more, but the tracker store may still hold it.
LEGACY_SENDER_PREFIX = "inb-"
# Every slot a form of the bot fills (bot/domain.yml `forms`; a test in tests/rasa keeps them equal).
FORM_SLOTS = (
    "language_choice",
    "appointment_id",
    "readback",
    "absence_reason",
    "absence_details",
    "checkin_code",
)
# Rasa's input channel for the gateway (bot/channels.py): the REST channel behind a token check.
CHANNEL = "gateway"
# The sender the readiness check signs its token for (bot/gateway_channel.py STATUS_SENDER).
STATUS_SENDER = "readiness-check"
TOKEN_SECONDS = 60  # minted per call; Rasa adds three minutes of leeway for clock skew


def sender_id(conversation: Conversation) -> str:
    """The id Rasa keeps this conversation's tracker under."""
    return conversation.sender_id


def sender_ids_of(db: Session, person: Inburgeraar) -> list[str]:
    """Every sender id Rasa may keep a tracker of this person under: each of their conversations, open
    or closed, oldest first, and the id used before migration 0002.

    The retention purge and the erasure of a person delete the trackers of exactly these ids.
    """
    ids = db.scalars(
        select(Conversation.sender_id)
        .where(Conversation.inburgeraar_id == person.id)
        .order_by(Conversation.id)
    )
    return [*ids, f"{LEGACY_SENDER_PREFIX}{person.id}"]


def conversation_for_sender(db: Session, sender: str) -> Conversation:
    """The open conversation behind a sender id, of a person who still has its number.

    NotFound for anything else: an id that is not ours, a closed conversation, one on a number its person
    no longer has, or an unknown number's conversation (which never reaches Rasa).
    """
    conversation = db.scalar(
        select(Conversation)
        .join(Inburgeraar, Inburgeraar.id == Conversation.inburgeraar_id)
        .where(
            Conversation.sender_id == sender,
            Conversation.closed_at.is_(None),
            Inburgeraar.phone == Conversation.phone,
        )
    )
    if conversation is None:
        raise NotFound("unknown sender")
    return conversation


def conversation_token(secret: str, sender: str, *, now: float | None = None) -> str:
    """An HS256 JWT in the form Rasa's HTTP API expects, for this one conversation and TOKEN_SECONDS."""
    claims = {"user": {"username": sender, "role": "user"}, "exp": int(now or time.time()) + TOKEN_SECONDS}
    parts = [_b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (_JWT_HEADER, claims)]
    signing_input = ".".join(parts).encode()
    signature = hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
    return f"{signing_input.decode()}.{_b64url(signature)}"


_JWT_HEADER = {"alg": "HS256", "typ": "JWT"}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


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


@dataclass(frozen=True)
class Status:
    """Whether Rasa has a model loaded that answers a parse, and what it said (for GET /health/ready)."""

    ready: bool
    detail: str


@dataclass
class Turn:
    replies: list[str]
    understanding: Understanding


class RasaClient:
    """One pooled HTTP client per process; thread-safe (httpx.Client is)."""

    def __init__(self, settings: Settings, client: httpx.Client | None = None) -> None:
        self.base = settings.rasa_url.rstrip("/")
        self.secret = settings.rasa_jwt_secret
        self.status_timeout = settings.health_timeout_seconds
        self.client = client or httpx.Client(
            timeout=httpx.Timeout(
                settings.rasa_timeout_seconds, connect=min(2.0, settings.rasa_timeout_seconds)
            ),
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
        )

    def close(self) -> None:
        self.client.close()

    def headers(self, sender: str) -> dict[str, str]:
        """The conversation's token (none without a secret: Rasa then refuses) and the request id."""
        headers = {REQUEST_ID_HEADER: current_request_id() or ""}
        if self.secret:
            headers["Authorization"] = f"Bearer {conversation_token(self.secret, sender)}"
        return {name: value for name, value in headers.items() if value}

    def send(self, sender: str, text: str, metadata: dict[str, Any]) -> list[str]:
        """One turn: the texts the bot answers with, in order."""
        try:
            response = self.client.post(
                f"{self.base}/webhooks/{CHANNEL}/webhook",
                json={"sender": sender, "message": text, "metadata": metadata},
                headers=self.headers(sender),
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

    def status(self) -> Status:
        """Whether a model is loaded and parses (the gateway channel's status route); never raises."""
        try:
            response = self.client.get(
                f"{self.base}/webhooks/{CHANNEL}/status",
                headers=self.headers(STATUS_SENDER),
                timeout=self.status_timeout,
            )
        except httpx.HTTPError as exc:
            return Status(False, f"not reachable ({type(exc).__name__})")
        try:
            body = response.json()
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        if response.status_code == 200 and body.get("ready") is True:
            return Status(True, f"model {body.get('model_id')} answers")
        return Status(False, str(body.get("detail") or f"http {response.status_code}"))

    def parse(self, sender: str, text: str) -> Understanding:
        """What the model makes of a text, without a turn: the tracker is not touched, nothing is answered.

        Goes through the gateway channel's /parse with this conversation's token (Rasa's own /model/parse
        wants its admin role, which the API never holds; ADR 0013). Empty when Rasa does not answer: a
        parse only adds a reading or an offer, so failing quietly loses nothing.
        """
        try:
            response = self.client.post(
                f"{self.base}/webhooks/{CHANNEL}/parse",
                json={"sender": sender, "text": text},
                headers=self.headers(sender),
            )
            parsed = response.json() if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            return Understanding()
        return understanding_of({"latest_message": parsed}) if isinstance(parsed, dict) else Understanding()

    def end_form(self, sender: str) -> bool:
        """Close whatever form the bot was filling for this sender (True when Rasa took it).

        Used after staff handed the conversation back: a form interrupted by the hand-off must not take
        the person's next message as its answer.
        """
        events = [
            {"event": "active_loop", "name": None},
            *({"event": "slot", "name": name, "value": None} for name in ("requested_slot", *FORM_SLOTS)),
        ]
        try:
            response = self.client.post(
                f"{self.base}/conversations/{sender}/tracker/events",
                json=events,
                headers=self.headers(sender),
            )
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    def interrupted_form(self, sender: str) -> tuple[str | None, dict[str, Any]]:
        """The form the bot was filling when the conversation went to staff, and the slots it had filled.

        Asking for a human deactivates the form first (bot/data/rules.yml), so the form is the one that was
        active when the person's latest message came in (or, for a hand-off that leaves it running, the one
        active now); its slots are still set. (None, {}) when no form was running or Rasa does not answer.
        """
        tracker = self.tracker(sender, events=True)
        active: str | None = None
        before_latest: str | None = None
        for event in (tracker or {}).get("events") or []:
            if event.get("event") == "user":
                before_latest = active
            elif event.get("event") == "active_loop":
                active = str(event["name"]) if event.get("name") else None
        form = before_latest or active
        if form is None:
            return None, {}
        slots = (tracker or {}).get("slots") or {}
        return form, {name: slots[name] for name in FORM_SLOTS if slots.get(name) not in (None, "")}

    def tracker(self, sender: str, *, events: bool = False) -> dict[str, Any] | None:
        """The tracker of a conversation (None when Rasa's HTTP API does not answer)."""
        try:
            response = self.client.get(
                f"{self.base}/conversations/{sender}/tracker",
                params={"include_events": "ALL" if events else "NONE"},
                headers=self.headers(sender),
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
