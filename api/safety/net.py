"""The crisis net's verdict on one message: the vocabulary first, then the classifier.

Either layer is enough for an alarm; the model's `urgent_help`, in the bot, only ever gives the gentle line
(ADR 0021). A vocabulary hit names its category; a classifier hit has none: the message reads like a crisis
without a crisis word. A hit of a check category (a bare cry for help, an indirect warning sign:
crisis.CHECK_CATEGORIES) is a check unless the classifier reaches its alarm cut-off.
Below the classifier's alarm cut-off and above its check cut-off, a message might be one: it gets the
numbers in a gentle line and a klantmanager looks, without the alarm that frightens a parent whose child
is merely ill.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache

import structlog

from api.safety import classifier, crisis

log = structlog.get_logger()

UNCLEAR = "unclear"  # the category of a classifier hit: the way it is written, no crisis word
# One or two words are too little for the classifier ("help", "hulp", "Caawimo" are the HELP keyword, and
# its reply carries the emergency line); short crises are the vocabulary's ("wil dood", "hij slaat").
CLASSIFIER_MIN_WORDS = 3


class Level(StrEnum):
    alarm = "alarm"  # the crisis reply and an urgent escalation
    check = "check"  # a gentle line with the numbers, and a task for the klantmanager to look


@dataclass(frozen=True)
class Verdict:
    level: Level
    hit: crisis.Hit


def assess(text: str) -> Verdict | None:
    """What the net makes of `text`: an alarm, a check, or nothing (None)."""
    hit = crisis.detect(text)
    if hit is not None and hit.alarm:
        return Verdict(Level.alarm, hit)
    model, probability = _classifier(), 0.0
    if model is not None and len(crisis.normalise(text or "")) >= CLASSIFIER_MIN_WORDS:
        probability = model.probability(text)
    read = crisis.Hit(UNCLEAR, "classifier", f"p={probability:.2f}")
    if model is not None and probability >= model.threshold:
        return Verdict(Level.alarm, read)
    if hit is not None:
        return Verdict(Level.check, hit)
    if model is not None and probability >= model.check:
        return Verdict(Level.check, read)
    return None


def warm() -> None:
    """Load the vocabulary and the classifier now (at start-up), so that neither the first message nor the
    first readiness probe waits the two seconds they take."""
    crisis.vocabulary()
    _classifier()


def _classifier() -> classifier.Classifier | None:
    model = classifier.classifier()
    if model is None:
        _missing()
    return model


@cache
def _missing() -> None:
    # Once per process (GET /health/ready reports it too): a line per message would bury the rest.
    log.error("crisis_classifier_missing", hint="make crisis-classifier")
