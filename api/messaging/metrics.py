"""What the gateway counts for GET /metrics, durably (api.monitoring.counters; ADR 0014)."""

from __future__ import annotations

from enum import StrEnum

from api.monitoring.counters import Counter, Histogram

# The intent Rasa's FallbackClassifier gives a message it did not understand well enough (config.yml).
NLU_FALLBACK = "nlu_fallback"


class TurnOutcome(StrEnum):
    understood = "understood"  # the model gave an intent above the fallback threshold
    fallback = "fallback"  # nlu_fallback: the bot asked again or handed over
    shortcut = "shortcut"  # a reply digit after a question: no NLU involved
    unknown = "unknown"  # Rasa answered but its tracker could not be read


BOT_TURNS = Counter(
    "inburgering_bot_turns",
    "Bot turns by how the message was understood; "
    "the NLU fallback rate is fallback / (understood + fallback).",
    ("outcome",),
)
BOT_TURN_SECONDS = Histogram(
    "inburgering_bot_turn_seconds",
    "Seconds from a message stored to the bot's replies queued in the outbox (waits for Rasa included).",
    (0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0, 300.0),
)


def turn_outcome(intent: str | None, *, shortcut: bool) -> TurnOutcome:
    """How one bot turn counts towards the NLU fallback rate."""
    if shortcut:
        return TurnOutcome.shortcut
    if intent is None:
        return TurnOutcome.unknown
    return TurnOutcome.fallback if intent == NLU_FALLBACK else TurnOutcome.understood
