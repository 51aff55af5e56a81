"""The crisis net's verdict on one message: the vocabulary first, then the classifier.

Either layer is enough (the model's `urgent_help`, in the bot, counts as well). A vocabulary hit names its
category; a classifier hit has none: it says the message reads like a crisis without naming a crisis word.
"""

from __future__ import annotations

import structlog

from api.safety import classifier, crisis

log = structlog.get_logger()

UNCLEAR = "unclear"  # the category of a classifier hit: the way it is written, no crisis word


def assess(text: str) -> crisis.Hit | None:
    """A crisis hit for `text` from the vocabulary, else from the classifier, else None."""
    hit = crisis.detect(text)
    if hit is not None:
        return hit
    model = classifier.classifier()
    if model is None:
        log.error("crisis_classifier_missing", hint="make crisis-classifier")
        return None
    probability = model.probability(text)
    if probability >= model.threshold:
        return crisis.Hit(UNCLEAR, "classifier", f"p={probability:.2f}")
    return None
