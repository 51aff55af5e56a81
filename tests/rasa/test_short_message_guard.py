"""The one-word guard (bot/components/short_message.py): a lone word the training data does not vouch for
loses its intent's confidence, so the FallbackClassifier sends it to the clarifying question."""

from __future__ import annotations

from pathlib import Path

import pytest
from components.short_message import ShortMessageGuard, normalise, one_word
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

TRAINING = {
    "affirm": ["ja", "jazeker", "oké", "klopt", "ja dus dat klopt"],
    "opt_out": ["stop", "afmelden voor berichten"],
    "ask_fine": ["krijg ik een boete", "hoe hoog is de boete", "boete als ik niet kom?", "wat is een boete"],
    "confirm_attendance": ["ik kom morgen naar de afspraak", "ik kom dus", "ik kom"],
    "report_absence": ["ik kan niet naar de afspraak", "afspraak gaat niet, ik ben ziek"],
    "ask_next_appointment": ["wanneer is mijn afspraak", "afspraak?"],
    "urgent_help": ["help mijn man slaat mij"],
}


def guard(tmp_path: Path, **config: object) -> ShortMessageGuard:
    storage = LocalModelStorage(tmp_path)
    component = ShortMessageGuard.create(config, storage, Resource("guard"), None)  # type: ignore[arg-type]
    examples = [Message.build(text=t, intent=i) for i, texts in TRAINING.items() for t in texts]
    component.train(TrainingData(examples))
    return component


def parsed(text: str, intent: str, confidence: float = 0.99, **data: object) -> Message:
    ranking = [{"name": intent, "confidence": confidence}, {"name": "affirm", "confidence": 1 - confidence}]
    return Message(
        data={
            TEXT: text,
            INTENT: {"name": intent, "confidence": confidence},
            INTENT_RANKING_KEY: ranking,
            **data,
        }
    )


def confidence_after(component: ShortMessageGuard, message: Message) -> float:
    component.process([message])
    return message.get(INTENT)["confidence"]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("ja", "affirm"),  # a one-word training line
        ("JA!!", "affirm"),  # case and punctuation
        ("jaaaa", "affirm"),  # repeated letters
        ("Oke", "affirm"),  # no diacritics
        ("stopp", "opt_out"),  # one letter from a one-word training line
        ("boete?", "ask_fine"),  # seen in four of its intent's lines and nowhere else
        ("ik kom", "confirm_attendance"),  # two words: not the guard's business
        ("morgen", "confirm_attendance"),  # ... nor a word with an entity (below)
        ("2", "confirm_attendance"),  # a digit is a menu answer
        ("/confirm_attendance", "confirm_attendance"),  # the gateway's trusted shortcut
        ("hulp", "urgent_help"),  # the model's crisis reading is never lowered
    ],
)
def test_vouched_or_other_messages_keep_their_confidence(
    tmp_path: Path, text: str, intent: str
) -> None:
    entities = [{"entity": "time", "value": "morgen"}] if text == "morgen" else []
    assert confidence_after(guard(tmp_path), parsed(text, intent, **{ENTITIES: entities})) == 0.99


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("dus", "confirm_attendance"),  # a filler seen in affirm and confirm lines: vouches for neither
        ("afspraak", "report_absence"),  # in every kind of request, characteristic of none
        ("ja", "confirm_attendance"),  # a known word, but not a known confirmation
        ("jo", "affirm"),  # one edit from "ja", but too short to count as a typo of it
        ("blablabla", "affirm"),  # never seen
    ],
)
def test_unvouched_one_word_messages_are_lowered(tmp_path: Path, text: str, intent: str) -> None:
    assert confidence_after(guard(tmp_path), parsed(text, intent)) == 0.0


def test_the_fallback_classifier_then_says_nlu_fallback_and_the_ranking_keeps_the_options(
    tmp_path: Path,
) -> None:
    message = parsed("dus", "confirm_attendance")
    guard(tmp_path).process([message])
    FallbackClassifier({"threshold": 0.4, "ambiguity_threshold": 0.1}).process([message])

    assert message.get(INTENT)["name"] == "nlu_fallback"
    assert [r["name"] for r in message.get(INTENT_RANKING_KEY)][1:] == ["confirm_attendance", "affirm"]


def test_what_it_learnt_survives_persist_and_load(tmp_path: Path) -> None:
    trained = guard(tmp_path)
    loaded = ShortMessageGuard.load({}, trained._storage, Resource("guard"), None)  # type: ignore[arg-type]

    assert loaded.examples == trained.examples and loaded.characteristic == trained.characteristic
    assert confidence_after(loaded, parsed("dus", "confirm_attendance")) == 0.0
    assert confidence_after(loaded, parsed("boete", "ask_fine")) == 0.99


def test_a_missing_file_leaves_the_guard_vouching_for_nothing_but_does_not_fail(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    loaded = ShortMessageGuard.load({}, storage, Resource("never-trained"), None)  # type: ignore[arg-type]

    assert confidence_after(loaded, parsed("ja", "affirm")) == 0.0


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("  Ja!! 👍", "ja"),
        ("شكراً", "شکرا"),  # tanwin off, one Arabic alphabet
        ("أهلاً", "اهلا"),
        ("می\u200cخواهم", "میخواهم"),  # the Persian half-space joins, as people often type it
        ("Erê", "ere"),
        ("ik kom", None),
        ("12", None),
        ("", None),
        ("?!", None),
    ],
)
def test_one_word_normalises_like_the_training_lines(text: str, word: str | None) -> None:
    assert one_word(text) == word
    if word:
        assert normalise(text) == word
