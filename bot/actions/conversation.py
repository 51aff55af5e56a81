"""What the person just sent, and what came before it in this session (read-only helpers for actions)."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker

# While a form waits for free text (an absence reason, details), these intents mean the person wants
# something else, so the form lets go of the message and the rules answer it instead.
INTERRUPTING_INTENTS = frozenset(
    {
        "urgent_help",
        "request_human",
        "opt_out",
        "change_language",
        "confirm_attendance",
        "request_reschedule",
        "check_in",
        "ask_next_appointment",
        "ask_contact",
    }
)

# A confident question in the middle of a form is answered rather than taken as the requested free text.
QUESTION_INTENTS = frozenset(
    {
        "ask_term_deadline",
        "ask_pip",
        "ask_learning_route",
        "ask_pvt",
        "ask_map",
        "ask_knm",
        "ask_fine",
        "ask_exemption",
        "ask_progress",
    }
)
CONFIDENT = 0.8

# Actions after which a form is opened by the person's message itself (rules may close a form first).
OPENING_ACTIONS = frozenset({"action_listen", "action_deactivate_loop"})

# `\d` also matches Arabic-Indic and Persian digits, which people on Arabic and Persian keyboards send.
_CHOICE = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")
_ZERO = re.compile(r"^\s*(\d)\s*$")
_CODE = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def latest_intent(tracker: Tracker) -> str | None:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def latest_confidence(tracker: Tracker) -> float:
    return float(((tracker.latest_message or {}).get("intent") or {}).get("confidence") or 0.0)


def asks_something_else(tracker: Tracker) -> bool:
    """True if the latest message is a request or a confident question rather than an answer."""
    intent = latest_intent(tracker)
    if intent in INTERRUPTING_INTENTS:
        return True
    return intent in QUESTION_INTENTS and latest_confidence(tracker) >= CONFIDENT


def latest_metadata(tracker: Tracker) -> dict[str, Any]:
    """The gateway's metadata of the latest user message (channel, language, detectedLanguage, ...)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return event.get("metadata") or {}
    return (tracker.latest_message or {}).get("metadata") or {}


def entity_values(tracker: Tracker, entity: str) -> list[str]:
    return [
        str(e["value"])
        for e in (tracker.latest_message or {}).get("entities") or []
        if e.get("entity") == entity and e.get("value") is not None
    ]


def word_count(text: str) -> int:
    return len(text.split())


def is_trusted_shortcut(tracker: Tracker) -> bool:
    """True for `/intent{...}` messages, which only the gateway can send (it neutralises a typed `/`)."""
    return latest_text(tracker).lstrip().startswith("/")


def action_before_form(tracker: Tracker) -> str | None:
    """The last action that ran before the form now running.

    Rasa inserts the running form's own `ActionExecuted` into the tracker it sends to the form's validation
    action, so form runs (all named `*_form`) are skipped.
    """
    for event in reversed(tracker.events):
        if event.get("event") == "action" and not str(event.get("name")).endswith("_form"):
            return event.get("name")
    return None


def is_opening(tracker: Tracker) -> bool:
    """True when a form is being opened by the person's latest message.

    A form opened by a follow-up action (e.g. asking a check-in code again) must not re-read that message.
    """
    return tracker.get_slot("requested_slot") is None and action_before_form(tracker) in OPENING_ACTIONS


def parse_choice(text: str, maximum: int) -> int | None:
    """The menu number in `text` ("2", " 2.", "٢"), if it is between 1 and `maximum`."""
    match = _CHOICE.match(text)
    if not match:
        return None
    number = int(match.group(1))
    return number if 1 <= number <= maximum else None


def is_zero(text: str) -> bool:
    """True for a lone 0 in any script (the "nothing to add" answer)."""
    match = _ZERO.match(text)
    return bool(match) and int(match.group(1)) == 0


def find_code(text: str) -> str | None:
    """The first group of exactly four digits in `text`, as ASCII digits."""
    match = _CODE.search(text)
    return "".join(str(int(digit)) for digit in match.group(1)) if match else None


def user_events_this_session(tracker: Tracker) -> list[dict[str, Any]]:
    """The user messages since the session started, oldest first."""
    events: list[dict[str, Any]] = []
    for event in reversed(tracker.events):
        if event.get("event") == "session_started":
            break
        if event.get("event") == "user":
            events.append(event)
    return list(reversed(events))


def fallback_streak(tracker: Tracker) -> int:
    """How many of the latest user messages in a row NLU could not understand (nlu_fallback)."""
    streak = 0
    for event in reversed(user_events_this_session(tracker)):
        if ((event.get("parse_data") or {}).get("intent") or {}).get("name") != "nlu_fallback":
            break
        streak += 1
    return streak


def uttered_since_user_messages(tracker: Tracker, response: str, user_messages: int) -> bool:
    """True if the bot sent `response` after the last `user_messages` user messages began."""
    seen_users = 0
    for event in reversed(tracker.events):
        if event.get("event") == "session_started":
            return False
        if event.get("event") == "user":
            seen_users += 1
            if seen_users >= user_messages:
                return False
        if event.get("event") == "bot" and (event.get("metadata") or {}).get("utter_action") == response:
            return True
    return False


def slot_set_this_turn(tracker: Tracker, slot: str) -> bool:
    """True if `slot` was set after the latest user message (e.g. by the slot-mapping action)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "slot" and event.get("name") == slot:
            return True
    return False
