"""One-word messages the training data does not vouch for go to the clarifying question.

Why: DIET is as sure of a lone filler word as of a full sentence. "dus" (so) came out as
`confirm_attendance` at 0.99, "nou" as `ask_next_appointment` at 0.88, "maar" as `affirm` at 0.98: one
word gives the model a handful of n-grams, and whichever intent they lean to wins outright. A confirmation
is read back before it counts, but a confident wrong answer to "dus" is still a wrong answer.

What: for a message of exactly one word (no digit — digits are menu answers and codes, the forms read
them; no entity — "morgen" in a form is an answer), the model's intent stands only if the training data
vouches for it:
  - the word is a one-word training example of that intent ("ja", "stop", "imdat"), or one letter away
    from one (a typo, "stopp"), or
  - the word is *characteristic* of the intent: seen at least `min_count` times in its training lines and
    at least `min_share` of all its occurrences there ("boete" is a question about fines; "afspraak" is
    in every kind of request and vouches for none).
Otherwise the intent's confidence is lowered below the FallbackClassifier's threshold, which then says
`nlu_fallback`, and the bot asks one numbered question with the model's likeliest meanings (the ranking is
left as it was). `urgent_help` is never lowered: the model's crisis reading always counts.

Placed after DIETClassifier and EntitySynonymMapper, before FallbackClassifier. Plain Python over the
training lines; what it learnt is stored as JSON in the model.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections import Counter, defaultdict
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)

NEVER_LOWERED = frozenset({"urgent_help"})
# Arabic diacritics and the tatweel; the letters Arabic and Persian keyboards type differently.
_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")
_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ی", "ي": "ی", "ك": "ک", "ة": "ه"})
_NOT_WORD = re.compile(r"[^\w'’-]+")
_REPEATS = re.compile(r"(\w)\1+")
_DIGIT = re.compile(r"\d")


def normalise(text: str) -> str:
    """Lower case, one Arabic alphabet, no Latin diacritics, no punctuation or emoji, no doubled letters.

    A key for matching only: "jaaaa" and "ja", "hallooo" and "hallo" are the same word to it.
    """
    text = unicodedata.normalize("NFKD", text.lower().replace("\u200c", "").replace("\u200d", ""))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn" or "\u0600" <= ch <= "\u06ff")
    text = _ARABIC_MARKS.sub("", unicodedata.normalize("NFKC", text)).translate(_LETTERS)
    text = _NOT_WORD.sub(" ", text).strip(" '’-")
    return _REPEATS.sub(r"\1", text)


def one_word(text: str) -> str | None:
    """The message's single word, normalised; None for several words, none, a digit or a `/intent`."""
    if not text or text.lstrip().startswith("/") or _DIGIT.search(text):
        return None
    words = normalise(text).split()
    return words[0] if len(words) == 1 else None


def _one_edit_apart(a: str, b: str) -> bool:
    """True if b is a with one letter changed, added or removed."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class ShortMessageGuard(GraphComponent):
    """Sends one-word messages the training data does not vouch for to the clarifying question."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "min_count": 3,  # a characteristic word is seen at least this often in its intent's lines
            "min_share": 0.6,  # ... and this share of all its occurrences is there
            "min_typo_length": 4,  # shorter known words are matched exactly ("ja" is not one edit from "na")
            "lowered_to": 0.0,  # the intent confidence given to a word nothing vouches for
        }

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource) -> None:
        self.config = {**self.get_default_config(), **config}
        self._storage, self._resource = model_storage, resource
        self.examples: dict[str, set[str]] = {}  # a one-word training line -> its intents
        self.characteristic: dict[str, str] = {}  # a word -> the intent it vouches for

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ShortMessageGuard:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples: dict[str, set[str]] = defaultdict(set)
        seen: dict[str, Counter[str]] = defaultdict(Counter)
        for example in training_data.intent_examples:
            intent, text = example.get(INTENT), example.get(TEXT)
            if not intent or not text:
                continue
            words = normalise(text).split()
            if len(words) == 1:
                examples[words[0]].add(intent)
            for word in set(words):
                seen[word][intent] += 1
        self.examples = dict(examples)
        self.characteristic = {}
        for word, by_intent in seen.items():
            intent, count = by_intent.most_common(1)[0]
            if count >= self.config["min_count"] and count >= self.config["min_share"] * sum(
                by_intent.values()
            ):
                self.characteristic[word] = intent
        self.persist()
        return self._resource

    def vouches(self, word: str, intent: str) -> bool:
        """True if the training data backs reading this one word as this intent."""
        if intent in self.examples.get(word, ()) or self.characteristic.get(word) == intent:
            return True
        if len(word) < self.config["min_typo_length"]:
            return False
        return any(
            intent in intents
            and len(known) >= self.config["min_typo_length"]
            and _one_edit_apart(word, known)
            for known, intents in self.examples.items()
        )

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            name = intent.get("name")
            if not name or name in NEVER_LOWERED or message.get(ENTITIES):
                continue
            word = one_word(message.get(TEXT) or "")
            if word is None or self.vouches(word, name):
                continue
            lowered = min(float(intent.get("confidence") or 0.0), self.config["lowered_to"])
            message.set(INTENT, {**intent, "confidence": lowered}, add_to_output=True)
            logger.debug("short_message_lowered intent=%s", name)
        return messages

    def persist(self) -> None:
        with self._storage.write_to(self._resource) as directory:
            learnt = {
                "examples": {word: sorted(intents) for word, intents in sorted(self.examples.items())},
                "characteristic": dict(sorted(self.characteristic.items())),
            }
            (directory / "short_messages.json").write_text(json.dumps(learnt, ensure_ascii=False))

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> ShortMessageGuard:
        component = cls(config, model_storage, resource)
        try:
            with model_storage.read_from(resource) as directory:
                learnt = json.loads((directory / "short_messages.json").read_text())
        except (ValueError, OSError) as error:
            logger.warning("short_message_guard_not_loaded error=%s", error)
            return component
        component.examples = {word: set(intents) for word, intents in learnt["examples"].items()}
        component.characteristic = learnt["characteristic"]
        return component
