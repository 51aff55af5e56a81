"""The crisis net: a deterministic detector that every inbound message passes before anything else.

The vocabulary is data, one file per language in `crisis_vocabulary/`, and every language's patterns run
over every message (people mix languages and write Arabic or Persian in Latin letters). It aims for
recall: a missed crisis costs far more than a klantmanager reading a false alarm. The model's
`urgent_help` intent counts as well (either one is enough); see api/messaging/gateway.

Pattern language (documented for the people who write the vocabulary):
    words in order        "not breath*"        consecutive words of the normalised message
    word*                 prefix               bleed* matches bleeding
    a|b                   alternatives         hits|beats
    ~                     a gap                up to three other words
A message word also matches when it equals the pattern word with doubled letters removed, and a pattern
word of six or more letters (without *) also matches one edit away (a typo or a swapped pair).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

VOCABULARY = Path(__file__).with_name("crisis_vocabulary")
CATEGORIES = ("suicide", "medical", "violence", "danger")
GAP = 3
FUZZY_MIN = 6

_ARABIC = str.maketrans(
    {
        "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ی", "ي": "ی", "ئ": "ی", "ك": "ک",
        "ة": "ه", "ؤ": "و", "ـ": None,
    }
)  # fmt: skip
_HARAKAT = re.compile("[\u064b-\u065f\u0670\u06d6-\u06ed]")
_APOSTROPHES = re.compile(r"(?<=\w)['’`´](?=\w)")
_REPEATS = re.compile(r"(.)\1{2,}")
_WORDS = re.compile(r"\w+")


def normalise(text: str) -> list[str]:
    """The message as the vocabulary is written: lowercase words, no Latin diacritics, one Arabic alphabet."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _APOSTROPHES.sub("", text)
    decomposed = unicodedata.normalize("NFD", text)
    text = "".join(
        ch for ch in decomposed if not (unicodedata.combining(ch) and _is_latin_mark_base(decomposed, ch))
    )
    text = unicodedata.normalize("NFC", text).replace("ı", "i").translate(_ARABIC)
    text = _HARAKAT.sub("", text)
    text = _REPEATS.sub(r"\1\1", text)
    return _WORDS.findall(text.replace("_", " "))


def _is_latin_mark_base(_: str, mark: str) -> bool:
    # Combining marks after Latin letters are diacritics (é, ş); Ge'ez and Arabic carry none we strip here.
    return "\u0300" <= mark <= "\u036f"


def _undouble(word: str) -> str:
    return re.sub(r"(.)\1", r"\1", word)


def _one_edit(a: str, b: str) -> bool:
    """True when a and b differ by one insertion, deletion, substitution or swap of neighbours."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return a == b
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        i, j = diff[0], diff[-1]
        return len(diff) == 2 and j == i + 1 and a[i] == b[j] and a[j] == b[i]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


@dataclass(frozen=True)
class _Word:
    alternatives: tuple[tuple[str, bool], ...]  # (text, is_prefix)

    def matches(self, word: str) -> bool:
        for text, prefix in self.alternatives:
            if prefix:
                if word.startswith(text) or _undouble(word).startswith(_undouble(text)):
                    return True
            elif word == text or _undouble(word) == _undouble(text):
                return True
            elif len(text) >= FUZZY_MIN and _one_edit(word, text):
                return True
        return False


@dataclass(frozen=True)
class Pattern:
    """One vocabulary entry, compiled: words, with gaps allowed before some of them."""

    source: str
    language: str
    category: str
    words: tuple[_Word, ...]
    gap_before: tuple[bool, ...]

    @classmethod
    def parse(cls, source: str, language: str, category: str) -> Pattern:
        words: list[_Word] = []
        gaps: list[bool] = []
        gap = False
        for token in source.split():
            if token == "~":
                gap = True
                continue
            alternatives = []
            for alt in token.split("|"):
                prefix = alt.endswith("*")
                stem = alt.rstrip("*")
                for part in normalise(stem) or [stem]:
                    alternatives.append((part, prefix))
            words.append(_Word(tuple(alternatives)))
            gaps.append(gap)
            gap = False
        if not words:
            raise ValueError(f"empty crisis pattern {source!r} ({language})")
        return cls(source, language, category, tuple(words), tuple(gaps))

    def search(self, words: list[str]) -> bool:
        return any(self._from(words, start, 0) for start in range(len(words)))

    def _from(self, words: list[str], at: int, index: int) -> bool:
        if at >= len(words) or not self.words[index].matches(words[at]):
            return False
        if index + 1 == len(self.words):
            return True
        reach = 1 + (GAP if self.gap_before[index + 1] else 0)
        return any(self._from(words, at + step, index + 1) for step in range(1, reach + 1))


@dataclass(frozen=True)
class Hit:
    """Why a message was taken for a crisis: the category, the vocabulary's language and the pattern."""

    category: str
    language: str
    pattern: str


@dataclass(frozen=True)
class Vocabulary:
    patterns: tuple[Pattern, ...]
    unless: tuple[Pattern, ...]

    def detect(self, text: str) -> Hit | None:
        """The first crisis pattern that the message contains, or None."""
        words = normalise(text or "")
        if not words:
            return None
        if any(p.search(words) for p in self.unless):
            words = _without_unless(words, self.unless)
        for pattern in self.patterns:
            if pattern.search(words):
                return Hit(pattern.category, pattern.language, pattern.source)
        return None


def _without_unless(words: list[str], unless: tuple[Pattern, ...]) -> list[str]:
    """Blank out the words an `unless` phrase covers ("dying to see"), so the rest is still checked."""
    kept = list(words)
    for pattern in unless:
        size = len(pattern.words)
        for start in range(len(words)):
            if pattern._from(words, start, 0):
                for i in range(start, min(len(kept), start + size + GAP)):
                    kept[i] = ""
    return [w for w in kept if w]


def load(directory: Path = VOCABULARY) -> Vocabulary:
    """Read and compile every language's file; a malformed file fails loudly at start-up."""
    patterns: list[Pattern] = []
    unless: list[Pattern] = []
    for path in sorted(directory.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        language = data.get("language") or path.stem
        for category, sources in (data.get("patterns") or {}).items():
            if category not in CATEGORIES:
                raise ValueError(f"{path.name}: unknown crisis category {category!r}")
            patterns.extend(Pattern.parse(str(s), language, category) for s in sources or [])
        unless.extend(Pattern.parse(str(s), language, "unless") for s in data.get("unless") or [])
    return Vocabulary(tuple(patterns), tuple(unless))


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    return load()


def detect(text: str) -> Hit | None:
    """Is this message a crisis? The hit says which category and which language's vocabulary matched."""
    return vocabulary().detect(text)
