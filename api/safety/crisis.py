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
A message word also matches when it equals the pattern word with doubled letters removed (a prefix only
when four letters or more remain), and a pattern word of six or more letters (without *) also matches one
edit away (a typo or a swapped pair) — unless the message word is listed under a file's `not_typos`: a real
word of everyday messages one letter from a vocabulary word ("intezar", waiting, is not "intehar", suicide).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import yaml

VOCABULARY = Path(__file__).with_name("crisis_vocabulary")
# An alarm: the crisis reply and an urgent escalation.
ALARM_CATEGORIES = ("suicide", "medical", "violence", "danger")
# A check: the numbers in a gentle line and a task for the klantmanager (api.safety.net). `cry` is a bare
# call for help or a service's name ("imdat!!!", "ambulance", "112"): said in a real emergency, and as often
# about a forgotten password or an ambulance that came yesterday. `signs` are the indirect warning signs of
# suicide that name no method ("this is my last message", "I gave my things away"). `hint` is a danger told
# in words that more often tell of something over or harmless: a fire in the past tense ("our house burned",
# in the war or this morning), a smell of smoke, a word of Dutch ("brand") in another language. Any of them
# may be a crisis, and the classifier may still raise it to an alarm.
CHECK_CATEGORIES = ("cry", "signs", "hint")
CATEGORIES = ALARM_CATEGORIES + CHECK_CATEGORIES
GAP = 3
FUZZY_MIN = 6
PREFIX_UNDOUBLED_MIN = 4

_ARABIC = str.maketrans(
    {
        "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ی", "ي": "ی", "ئ": "ی", "ك": "ک",
        "ة": "ه", "ؤ": "و", "ـ": None,
    }
)  # fmt: skip
# The combining diacritics of Latin letters (é, ş, ê), not the grapheme joiner U+034F; Arabic harakat are
# removed separately, Ge'ez has none.
_LATIN_MARKS = re.compile("[\u0300-\u034e\u0350-\u036f]")
_HARAKAT = re.compile("[\u064b-\u065f\u0670\u06d6-\u06ed]")
_APOSTROPHES = re.compile(r"(?<=\w)['’`´](?=\w)")
_REPEATS = re.compile(r"(.)\1{2,}")
_WORDS = re.compile(r"\w+")


def normalise(text: str) -> list[str]:
    """The message as the vocabulary is written: lowercase words, no Latin diacritics, one Arabic alphabet."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _APOSTROPHES.sub("", text)
    text = _LATIN_MARKS.sub("", unicodedata.normalize("NFD", text))
    text = unicodedata.normalize("NFC", text).replace("ı", "i").translate(_ARABIC)
    text = _HARAKAT.sub("", text)
    text = _REPEATS.sub(r"\1\1", text)
    return _WORDS.findall(text.replace("_", " "))


_DOUBLED_LETTER = re.compile(r"([^\W\d_])\1")


def _undouble(word: str) -> str:
    # Letters only: "112" must never become "12" (an appointment number, a day of the month).
    return _DOUBLED_LETTER.sub(r"\1", word)


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


class _Index:
    """Which vocabulary words each message word matches: looked up, never tried pattern by pattern.

    Exact words (and their undoubled form) by dictionary; prefixes by every prefix of the message word;
    one-edit typos of long words through their one-letter deletions (any two words one edit apart share
    one), confirmed with `_one_edit`.
    """

    def __init__(self) -> None:
        self.exact: dict[str, set[int]] = {}
        self.prefix: dict[str, set[int]] = {}
        self.fuzzy: dict[str, set[tuple[str, int]]] = {}
        self.not_typos: set[str] = set()  # real words: matched as written, never as a typo of another
        self.size = 0

    def add(self, alternatives: list[tuple[str, bool]]) -> int:
        """Register one pattern word (its alternatives); returns its id."""
        word_id = self.size
        self.size += 1
        for text, is_prefix in alternatives:
            table = self.prefix if is_prefix else self.exact
            for key in _keys(text, is_prefix):
                table.setdefault(key, set()).add(word_id)
            if not is_prefix and len(text) >= FUZZY_MIN:
                for key in _deletions(text):
                    self.fuzzy.setdefault(key, set()).add((text, word_id))
        return word_id

    def matching(self, word: str) -> frozenset[int]:
        found: set[int] = set()
        undoubled = _undouble(word)
        for form in {word, undoubled}:
            found |= self.exact.get(form, set())
            for end in range(1, len(form) + 1):
                found |= self.prefix.get(form[:end], set())
        if word in self.not_typos:
            return frozenset(found)
        for key in _deletions(word):
            found |= {word_id for text, word_id in self.fuzzy.get(key, ()) if _one_edit(word, text)}
        return frozenset(found)


def _keys(text: str, is_prefix: bool) -> set[str]:
    """The forms a pattern word is looked up by: itself, and without doubled letters.

    A prefix keeps its undoubled form only from four letters on: "suux*" (to faint) undoubled would be
    "sux*", which also matches "suxuurta" (the Ramadan meal before dawn), and "kill*" would be "kil*".
    From four letters on it stays ("smell*" → "smel*" still matches "smel"): measured on the six crisis
    sets, a limit of five letters lost three alarms and spared no false one.
    """
    undoubled = _undouble(text)
    if is_prefix and len(undoubled) < PREFIX_UNDOUBLED_MIN:
        return {text}
    return {text, undoubled}


def _deletions(word: str) -> set[str]:
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


@dataclass(frozen=True)
class Pattern:
    """One vocabulary entry, compiled: its words (ids in the index), with gaps allowed before some."""

    source: str
    language: str
    category: str
    words: tuple[int, ...]
    gap_before: tuple[bool, ...]

    @classmethod
    def parse(cls, source: str, language: str, category: str, index: _Index) -> Pattern:
        words: list[int] = []
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
            words.append(index.add(alternatives))
            gaps.append(gap)
            gap = False
        if not words:
            raise ValueError(f"empty crisis pattern {source!r} ({language})")
        return cls(source, language, category, tuple(words), tuple(gaps))

    def search(self, matched: list[frozenset[int]]) -> bool:
        """`matched[i]`: the ids of the vocabulary words the message's i-th word matches."""
        return any(self.starts_at(matched, start) for start in range(len(matched)))

    def starts_at(self, matched: list[frozenset[int]], at: int, index: int = 0) -> bool:
        if at >= len(matched) or self.words[index] not in matched[at]:
            return False
        if index + 1 == len(self.words):
            return True
        reach = 1 + (GAP if self.gap_before[index + 1] else 0)
        return any(self.starts_at(matched, at + step, index + 1) for step in range(1, reach + 1))


@dataclass(frozen=True)
class Hit:
    """Why a message was taken for a crisis: the category, the vocabulary's language and the pattern."""

    category: str
    language: str
    pattern: str
    laughing: bool = False  # the message laughs at itself: an alarm word is taken as a check

    @property
    def alarm(self) -> bool:
        return self.category not in CHECK_CATEGORIES and not self.laughing


@dataclass(frozen=True)
class Vocabulary:
    index: _Index
    patterns: tuple[Pattern, ...]
    unless: tuple[Pattern, ...]

    def detect(self, text: str) -> Hit | None:
        """The first crisis pattern the message contains, or None: an alarm category's before a check's."""
        words = normalise(text or "")
        matched = [self.index.matching(word) for word in words]
        if not any(matched):
            return None
        if any(p.search(matched) for p in self.unless):
            matched = _without_unless(matched, self.unless)
        present = frozenset().union(*matched)
        for pattern in self.patterns:
            if pattern.words[0] in present and pattern.search(matched):
                return Hit(pattern.category, pattern.language, pattern.source, _laughing(text))
        return None


# "This grammar is killing me 😅", "ik ga dood hahaha": a message that laughs at itself is a hyperbole far
# more often than a crisis. Its alarm words still give the numbers, in the gentle line (a check), and the
# classifier may still raise it to an alarm; only the alarm that frightens is held back.
_LAUGHING = re.compile(
    "[\U0001f601\U0001f602\U0001f604\U0001f605\U0001f606\U0001f923\U0001f639]"  # 😁 😂 😄 😅 😆 🤣 😹
    r"|(?<!\w)(?:ha(?:ha)+|hihi+|lol|xd|(?:ه){3,}|(?:خ){3,})(?!\w)",
    re.IGNORECASE,
)


def _laughing(text: str) -> bool:
    return _LAUGHING.search(text) is not None


def _without_unless(matched: list[frozenset[int]], unless: tuple[Pattern, ...]) -> list[frozenset[int]]:
    """Drop the words an `unless` phrase covers ("dying to see"), so the rest is still checked."""
    kept: list[frozenset[int] | None] = list(matched)
    for pattern in unless:
        for start in range(len(matched)):
            if pattern.starts_at(matched, start):
                for i in range(start, min(len(kept), start + len(pattern.words) + GAP)):
                    kept[i] = None
    # Only the covered words go; words that match nothing stay, so gaps keep their length.
    return [ids for ids in kept if ids is not None]


_GROUP = re.compile(r"\(([^()]*)\)")


def expand(source: str) -> list[str]:
    """The plain patterns a source with groups stands for: "a (b c|d) e" is "a b c e" and "a d e"."""
    group = _GROUP.search(source)
    if group is None:
        if "(" in source or ")" in source:
            raise ValueError(f"unbalanced group in crisis pattern {source!r}")
        return [source]
    head, tail = source[: group.start()], source[group.end() :]
    out = []
    for alternative in group.group(1).split("|"):
        if not alternative.strip():
            raise ValueError(f"empty alternative in crisis pattern {source!r}")
        out += expand(f"{head} {alternative.strip()} {tail}")
    return out


def _compiled(entry: object, path: Path, language: str, category: str, index: _Index) -> list[Pattern]:
    """One entry of a file: a pattern for each combination of its groups, all named by the entry's text."""
    source = _source(entry, path)
    try:
        plain = expand(source)
    except ValueError as exc:
        raise ValueError(f"{path.name}: {exc}") from None
    return [replace(Pattern.parse(p, language, category, index), source=source) for p in plain]


def load(directory: Path = VOCABULARY) -> Vocabulary:
    """Read and compile every language's file; a malformed file fails loudly at start-up."""
    index = _Index()
    patterns: list[Pattern] = []
    unless: list[Pattern] = []
    for path in sorted(directory.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        language = data.get("language") or path.stem
        for category, sources in (data.get("patterns") or {}).items():
            if category not in CATEGORIES:
                raise ValueError(f"{path.name}: unknown crisis category {category!r}")
            for entry in sources or []:
                patterns += _compiled(entry, path, language, category, index)
        for entry in data.get("unless") or []:
            unless += _compiled(entry, path, language, "unless", index)
        for entry in data.get("not_typos") or []:
            index.not_typos.update(normalise(_source(entry, path)))
    patterns.sort(key=lambda p: p.category in CHECK_CATEGORIES)  # stable: file order within each level
    return Vocabulary(index, tuple(patterns), tuple(unless))


def _source(entry: object, path: Path) -> str:
    # A stray "-" in the YAML makes a list of one pattern; its text would still half-match, unnoticed.
    if not isinstance(entry, str):
        raise ValueError(f"{path.name}: a crisis pattern must be a string, not {entry!r}")
    return entry


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    return load()


def detect(text: str) -> Hit | None:
    """Is this message a crisis? The hit says which category and which language's vocabulary matched."""
    return vocabulary().detect(text)
