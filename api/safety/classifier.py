"""The crisis net's second layer: a small linear classifier for what the vocabulary cannot list.

The vocabulary (api.safety.crisis) catches crisis words; people in distress often write none: a story that
ends in "I can't go on", a relative "who fell and does not answer", a threat told indirectly, Arabic or
Persian in Latin letters. This layer scores the message's character n-grams and words with a logistic
regression trained on crisis messages and on ordinary messages that only look alike (sick children,
hospital visits, "help me with this letter"), written apart from every evaluation set.

A crisis is often one sentence inside a story ("... the bus was late again. my husband hit me and took the
children"): scored over the whole message, its words are a small share of many. A message of more than one
sentence or more than WINDOW words is therefore also scored per sentence, a long sentence in windows of
WINDOW words (half a window apart), and the highest score counts — at inference and in the
cross-validation that chooses the cut-offs alike.

Inference is plain Python over a dictionary of weights, so the API needs no numerical library; training runs
in the bot environment, where scikit-learn ships with Rasa (`scripts/train_crisis_classifier.py`, `make
crisis-classifier`). The trained weights are committed beside this module with a digest of the data they
were trained on; a test fails when the data changed and the weights were not retrained.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from api.safety.crisis import normalise

ROOT = Path(__file__).resolve().parents[2]
WEIGHTS = Path(__file__).with_name("crisis_classifier.json.gz")
# What it learns from: the bot's training data and the staged sets written for this net (bot/data_staging).
TRAINING_FILES = ("bot/data/nlu/**/*.yml", "bot/data_staging/urgent*/*.yml")
CHAR_NGRAMS = (2, 5)
WINDOW = 8  # words; a message longer than this is also scored in windows of this many words
# How scripts/train_crisis_classifier.py fits and cuts (ADR 0021). Here, not in the script, so that the digest
# covers them: a changed setting makes the committed weights stale, as changed data does.
MAX_FALSE_ALARMS = 0.0075  # alarms on the look-alike ordinary lines, in cross-validation
MAX_CHECKS = 0.16  # gentle lines on the look-alike ordinary lines, in cross-validation (ADR 0021)
C = 4.0  # the logistic regression's inverse regularisation
MIN_DF = 2  # a feature counts from this many training lines
# An ordinary training line with one of these words is a look-alike: the cut-offs count their hits.
LOOKALIKE_WORDS = (
    "sick", "ill", "hospital", "doctor", "child", "son", "daughter", "baby", "help", "police", "died", "ziek",
    "ziekenhuis", "huisarts", "kind", "zoon", "dochter", "hulp", "politie", "overleden", "مريض", "مستشفى",
    "ابني", "بنتي", "مساعدة", "بیمار", "بیمارستان", "پسرم", "دخترم", "کمک", "hasta", "hastane", "oğlum",
    "kızım", "yardım", "xanuun", "isbitaal", "wiilkeyga", "caawin", "nexweş", "alîkarî", "ناروغ", "روغتون",
    "مرسته", "ሕማም", "ሆስፒታል", "ሓገዝ",
)  # fmt: skip
_SENTENCE_END = re.compile(r"(?<=[.!?؟۔።])\s+|[\n\r]+")
_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


def features(text: str) -> list[str]:
    """Word unigrams and bigrams, and character 2- to 5-grams inside each padded word."""
    words = normalise(text)
    out = [f"w:{w}" for w in words]
    out += [f"b:{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    low, high = CHAR_NGRAMS
    for word in words:
        padded = f" {word} "
        for n in range(low, high + 1):
            out += [f"c:{padded[i : i + n]}" for i in range(max(1, len(padded) - n + 1))]
    return out


def windows(text: str) -> list[str]:
    """The message itself, and when it is longer: its sentences, each in windows of at most WINDOW words."""
    whole = text or ""
    pieces = []
    for sentence in _SENTENCE_END.split(whole):
        words = sentence.split()
        if len(words) <= WINDOW:
            pieces.append(" ".join(words))
            continue
        starts = range(0, len(words) - WINDOW + 1, WINDOW // 2)
        pieces += [" ".join(words[i : i + WINDOW]) for i in starts]
        pieces.append(" ".join(words[-WINDOW:]))
    # A piece of one or two words ("ok.", "help!") is too little to judge, as a whole message is (net.py).
    pieces = [p for p in dict.fromkeys(pieces) if len(p.split()) >= 3 and p != whole.strip()]
    return [whole, *pieces] if len(whole.split()) > WINDOW or len(pieces) > 1 else [whole]


def plain(example: str) -> str:
    """A training line without its entity annotations: "[ziek](absence_reason)" is "ziek"."""
    return _ANNOTATION.sub(r"\1", example).strip()


def example_lines(path: Path) -> Iterator[tuple[str | None, str]]:
    """Every example of a Rasa NLU file, as (its block's intent, or None for a synonym, regex or lookup
    block; the line without its "- " and its entity annotations). Read the same way by the classifier's
    trainer, the test that keeps evaluation sets apart, and scripts/crisis_read.py."""
    for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
        for line in str(block.get("examples") or "").splitlines():
            text = plain(line.strip().removeprefix("- "))
            if text:
                yield block.get("intent"), text


def training_paths(root: Path = ROOT) -> list[Path]:
    return sorted({p for pattern in TRAINING_FILES for p in root.glob(pattern)})


def files_digest(root: Path, paths: list[Path]) -> hashlib._Hash:
    """A running digest of these files' names and bytes: a weights file records what it was trained on."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest


def training_digest(root: Path = ROOT) -> str:
    digest = files_digest(root, training_paths(root))
    digest.update(repr((CHAR_NGRAMS, WINDOW, "sentences")).encode())  # how a message is read, too
    # and how it is fitted and cut
    digest.update(repr((MAX_FALSE_ALARMS, MAX_CHECKS, C, MIN_DF, LOOKALIKE_WORDS)).encode())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Classifier:
    """`weights[f] = (idf, coefficient)`; the message vector is tf-idf, L2-normalised, like the trainer's."""

    weights: dict[str, tuple[float, float]]
    intercept: float
    threshold: float  # from here: an alarm
    check: float  # from here to the alarm: the numbers in a gentle line, and a person looks
    digest: str
    training: dict

    def probability(self, text: str) -> float:
        """The highest score of the message and of its windows (see `windows`)."""
        return max(self.score(piece) for piece in windows(text))

    def score(self, text: str) -> float:
        counts: dict[str, int] = {}
        for feature in features(text or ""):
            if feature in self.weights:
                counts[feature] = counts.get(feature, 0) + 1
        if not counts:
            return 1 / (1 + math.exp(-self.intercept))
        values = {f: (1 + math.log(n)) * self.weights[f][0] for f, n in counts.items()}  # sublinear tf
        norm = math.sqrt(sum(v * v for v in values.values()))
        score = self.intercept + sum(v / norm * self.weights[f][1] for f, v in values.items())
        return 1 / (1 + math.exp(-score))


def from_payload(data: dict) -> Classifier:
    weights = {f: (idf, coef) for f, idf, coef in data["features"]}
    return Classifier(
        weights, data["intercept"], data["threshold"], data["check"], data["digest"], data.get("training", {})
    )


def load(path: Path = WEIGHTS) -> Classifier | None:
    if not path.exists():
        return None
    return from_payload(json.loads(gzip.decompress(path.read_bytes())))


@lru_cache(maxsize=1)
def classifier() -> Classifier | None:
    return load()
