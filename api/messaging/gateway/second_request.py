"""Two requests in one message: the bot handles the message as a whole, then offers the other one.

"I can't come tomorrow. Will I get a fine?" is an absence (the bot records it) and a question. The whole
message goes to the bot as usual; its sentences are also read one by one, and when one of them asks
something else that the bot can answer, the person gets one numbered offer for it ("1 = boete"). A digit
answers it like the clarifying question. The offer never acts by itself: it is only ever a question.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from api.i18n.intent_labels import INTENT_LABELS

# What may be offered: what a numbered question may name (api.i18n.intent_labels), except what records
# something or changes the conversation (absence, reschedule, confirmation, check-in, language): that must
# be the person's own words.
OFFERABLE = frozenset(INTENT_LABELS) - {
    "confirm_attendance",
    "report_absence",
    "request_reschedule",
    "check_in",
    "change_language",
}
# A sentence counts only when the model is this sure of it (chosen on bench/nlu_realistic, see
# bench/second_request.py and docs/benchmarks.md).
MIN_CONFIDENCE = 0.7
MIN_WORDS = 2
_SENTENCE_END = re.compile(r"(?<=[.!?؟۔።])\s+|[\n\r]+|\s*[.!?؟۔።]{2,}\s*")


def sentences(text: str) -> list[str]:
    """The message's sentences of at least two words (none when it is one sentence)."""
    parts = [p.strip(" ,;،") for p in _SENTENCE_END.split(text or "") if p and p.strip()]
    parts = [p for p in parts if len(p.split()) >= MIN_WORDS]
    return parts if len(parts) >= 2 else []


def other_request(
    handled: str | None,
    text: str,
    parse: Callable[[str], tuple[str | None, float]],
    *,
    min_confidence: float = MIN_CONFIDENCE,
) -> str | None:
    """The intent of a sentence that asks something other than what the bot handled, if any.

    `parse` gives the model's intent and confidence for one sentence; it is called only for messages of
    two or more sentences.
    """
    if not handled or handled in {"urgent_help", "nlu_fallback", "opt_out"}:
        return None
    for sentence in sentences(text):
        intent, confidence = parse(sentence)
        if intent in OFFERABLE and intent != handled and confidence >= min_confidence:
            return intent
    return None
