"""The inbound pipeline: validate -> de-duplicate -> persist -> enqueue -> 2xx, then one turn per message.

The channel's webhook (api.twilio.webhooks, or the phone simulator) validates; the stages live here:

- inbound.py: `receive`/`store` de-duplicate and persist a message in the webhook's transaction;
- background.py: the bot turns start after the response (the worker replays what they did not finish);
- processing.py: `Gateway` handles a conversation's stored messages strictly in order, under a lease
  (lease.py) on its row rather than a database lock, so no transaction stays open while Rasa thinks;
- routing.py: unknown number -> STOP/START/HELP -> escalation open (bot silent) -> nothing to read -> Rasa;
- turn.py: one turn against Rasa (text.py and menu.py prepare what Rasa sees); replies.py: our own texts.
"""

from __future__ import annotations

from api.messaging.gateway.inbound import Inbound, Receipt, receive, store
from api.messaging.gateway.processing import Gateway, Outcome
from api.messaging.gateway.replies import (
    HANDOFF_HOLDING,
    HELP_TEXT,
    MEDIA_ONLY,
    NOTHING_TO_READ,
    OUTAGE_HOLDING,
    START_CONFIRMED,
    STOP_CONFIRMED,
    UNKNOWN_NUMBER,
    UNKNOWN_NUMBER_LANGUAGES,
)
from api.messaging.gateway.text import detected_language, neutralise

__all__ = [
    "HANDOFF_HOLDING",
    "HELP_TEXT",
    "MEDIA_ONLY",
    "NOTHING_TO_READ",
    "OUTAGE_HOLDING",
    "START_CONFIRMED",
    "STOP_CONFIRMED",
    "UNKNOWN_NUMBER",
    "UNKNOWN_NUMBER_LANGUAGES",
    "Gateway",
    "Inbound",
    "Outcome",
    "Receipt",
    "detected_language",
    "neutralise",
    "receive",
    "store",
]
