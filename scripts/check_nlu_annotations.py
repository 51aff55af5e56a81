"""Check entity annotations in Rasa NLU files against the way bot/data/nlu annotates them (stdlib and yaml).

    python scripts/check_nlu_annotations.py                                  # bot/data/nlu alone
    python scripts/check_nlu_annotations.py bot/data/nlu/realistic/*.yml
    python scripts/check_nlu_annotations.py --undecided FILE ...             # also what it cannot decide

The word lists come from bot/data/nlu/<lang>.yml itself: a word is a reason, time or language word of a
language when it occurs inside that language's annotated `absence_reason`, `time` or `language` spans (or
synonyms of their values), no more often outside annotations in acting lines than inside them, and is not
one of the language's `not_keywords` in nlu_annotation_exceptions.yml (people, possessives and function
words that only mean something inside a phrase). Each file is checked with the lists of its language (the
file's name, e.g. `fa_AF.yml`). Errors (exit 1):

- a reason or time word outside every annotation in a report_absence, request_reschedule,
  confirm_attendance or ask_next_appointment line (it teaches the model that the word is no entity);
- a change_language line that names a language without annotating any, or that annotates two (the bot
  switches to the first: "I don't understand Dutch, write Arabic" annotates only Arabic);
- an entity the domain does not declare; an `absence_reason` value that is no reason code of
  bot/actions/absence.py or that bot/data never uses; a value on `time` (bot/data gives none); a
  `language` value that bot/data never uses;
- the same span text annotated with two values (Rasa's synonym mapper keeps only the last);
- a time word inside an `absence_reason` span (the two are separate spans in bot/data);
- a span longer than the longest span of that entity in the language's bot/data (or MIN_LONGEST), or
  one that starts or ends with a space or punctuation.

Undecided (printed with --undecided, never an error): report_absence lines with no reason span, and spans
whose words the word lists do not know (their value cannot be compared with bot/data).
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "bot" / "data" / "nlu"
DOMAIN = ROOT / "bot" / "domain.yml"
ABSENCE_ACTIONS = ROOT / "bot" / "actions" / "absence.py"
LANGUAGES = ("nl", "en", "ar", "ti", "fa", "fa_AF", "tr", "so", "ps", "ku")
ACTING_INTENTS = frozenset(
    {"report_absence", "request_reschedule", "confirm_attendance", "ask_next_appointment"}
)
LANGUAGE_INTENT = "change_language"
REASON, TIME, LANGUAGE = "absence_reason", "time", "language"
# Spans may be as long as bot/data's longest of their entity in the language, and at least this long (a
# language whose bot/data only has short spans still gets room for "my mother is very sick").
MIN_LONGEST = defaultdict(lambda: 3, {REASON: 5, TIME: 4})

_SPAN = re.compile(r"\[(?P<text>[^\]]+)\](?:\((?P<plain>[^)]+)\)|(?P<json>\{[^}]+\}))")
# Letters, digits, Arabic marks and the zero-width (non-)joiner that Persian writes inside words.
_WORD = re.compile(r"[\w\u064b-\u065f\u0670\u200c\u200d]+")
_EDGE = re.compile(r"^[\s.,!?;:()'\"]|[\s.,!?;:()'\"]$")


# Phrases whose time words name no date: greetings ("good morning") and "the same day" / "that day"
# (bot/data leaves "die dag" and "that day" without annotation too).
IGNORED_PHRASES: dict[str, re.Pattern[str]] = {
    "en": re.compile(r"\bgood (?:morning|afternoon|evening)\b", re.IGNORECASE),
    "ar": re.compile(r"(?:ب?نفس|ف?ب?هداك|ف?ب?هذاك|ف?ب?هاد|ذاك)\s+اليوم"),
    "fa": re.compile(r"(?:صبح|عصر|شب|روز)\s+بخیر"),
    "fa_AF": re.compile(r"(?:صبح|شام|شب|روز)\s+بخیر|دیگر\s+تان\s+بخیر"),
    "ps": re.compile(r"(?:سهار|ماسپښین|ماښام|شپه)\s+مو\s+پخیر"),
    "so": re.compile(r"\b(?:subax|galab|habeen)\s+wanaagsan\b", re.IGNORECASE),
    "ku": re.compile(r"\b(?:piştî nîvro|êvar|şev|sibeh)\s+baş\b", re.IGNORECASE),
}

# The judgement the lists cannot derive from bot/data: words that are never keywords of a language, and
# lines where a word of the lists is rightly left without annotation ("my husband works nights").
EXCEPTIONS = Path(__file__).with_name("nlu_annotation_exceptions.yml")


@dataclass(frozen=True)
class LineException:
    language: str
    line: str
    words: frozenset[str]
    why: str

    def covers(self, example: Example) -> bool:
        return example.language == self.language and self.line in example.text


def _exceptions_file(path: Path = EXCEPTIONS) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def exceptions(path: Path = EXCEPTIONS) -> list[LineException]:
    return [
        LineException(lang, str(item["line"]), frozenset(item["words"]), str(item["why"]))
        for lang, items in (_exceptions_file(path).get("lines") or {}).items()
        for item in items
    ]


def not_keywords(path: Path = EXCEPTIONS) -> dict[str, frozenset[str]]:
    return {
        lang: frozenset(str(words).split()) for lang, words in _exceptions_file(path)["not_keywords"].items()
    }


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str
    entity: str
    value: str | None


@dataclass
class Example:
    path: Path
    line: int
    language: str | None
    intent: str
    raw: str
    text: str = ""
    spans: list[Span] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.text, self.spans = parse_annotations(self.raw)

    def outside(self) -> str:
        """The text with every annotated span blanked out."""
        chars = list(self.text)
        for span in self.spans:
            chars[span.start : span.end] = " " * (span.end - span.start)
        return "".join(chars)


@dataclass(frozen=True)
class Finding:
    path: Path
    line: int
    kind: str
    detail: str
    example: str

    def __str__(self) -> str:
        try:
            where = self.path.resolve().relative_to(ROOT)
        except ValueError:
            where = self.path
        return f"{where}:{self.line}: {self.kind}: {self.detail}\n    {self.example}"


def parse_annotations(raw: str) -> tuple[str, list[Span]]:
    """The plain text of a training line and its entity spans (both Rasa annotation forms)."""
    text, spans, last = [], [], 0
    for match in _SPAN.finditer(raw):
        text.append(raw[last : match.start()])
        start = sum(len(part) for part in text)
        if match["plain"]:
            entity, value = match["plain"], None
        else:
            spec = json.loads(match["json"])
            entity, value = spec.get("entity", ""), spec.get("value")
        spans.append(Span(start, start + len(match["text"]), match["text"], entity, value))
        text.append(match["text"])
        last = match.end()
    text.append(raw[last:])
    return "".join(text), spans


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def language_of(path: Path) -> str | None:
    return path.stem if path.stem in LANGUAGES else None


def read_nlu(path: Path) -> tuple[list[Example], dict[str, list[str]]]:
    """The intent examples of an NLU file (with their line numbers) and its synonym blocks."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    lines = path.read_text(encoding="utf-8").splitlines()
    examples: list[Example] = []
    synonyms: dict[str, list[str]] = defaultdict(list)
    cursor = 0
    for block in data.get("nlu") or []:
        items = [
            line[2:].strip()
            for line in str(block.get("examples") or "").splitlines()
            if line.startswith("- ")
        ]
        if "synonym" in block:
            synonyms[str(block["synonym"])].extend(items)
            continue
        if "intent" not in block:
            continue
        for item in items:
            for number in range(cursor, len(lines)):
                if lines[number].strip() == f"- {item}":
                    cursor = number
                    break
            examples.append(Example(path, cursor + 1, language_of(path), str(block["intent"]), item))
    return examples, synonyms


def reason_codes() -> frozenset[str]:
    """REASON_MENU of bot/actions/absence.py, read without importing the actions (no rasa_sdk needed)."""
    tree = ast.parse(ABSENCE_ACTIONS.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            getattr(t, "id", None) == "REASON_MENU" for t in node.targets
        ):
            return frozenset(ast.literal_eval(node.value))
    raise SystemExit(f"REASON_MENU not found in {ABSENCE_ACTIONS}")


def domain_entities() -> frozenset[str]:
    domain = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))
    return frozenset(next(iter(e)) if isinstance(e, dict) else str(e) for e in domain.get("entities") or [])


@dataclass
class Lexicon:
    """What bot/data/nlu/<lang>.yml annotates: the keywords of each entity and its longest span (in words)."""

    keywords: dict[str, frozenset[str]]
    longest: dict[str, int]

    @classmethod
    def build(
        cls, examples: list[Example], synonyms: dict[str, list[str]], values: dict[str, set[str]]
    ) -> Lexicon:
        inside: dict[str, Counter[str]] = defaultdict(Counter)
        outside_acting: Counter[str] = Counter()
        longest: dict[str, int] = defaultdict(int)
        for example in examples:
            for span in example.spans:
                inside[span.entity].update(words(span.text))
                longest[span.entity] = max(longest[span.entity], len(words(span.text)))
            if example.intent in ACTING_INTENTS or example.intent == LANGUAGE_INTENT:
                outside_acting.update(words(example.outside()))
        for name, items in synonyms.items():
            for entity in (REASON, LANGUAGE):
                if name in values[entity]:
                    for item in items:
                        inside[entity].update(words(item))
        keywords = {
            entity: frozenset(
                word
                for word, count in counts.items()
                if not word.isdigit() and len(word) > 1 and outside_acting[word] <= count
            )
            for entity, counts in inside.items()
        }
        return cls(keywords, dict(longest))

    def without(self, words_: frozenset[str]) -> Lexicon:
        return Lexicon(
            {entity: keywords - words_ for entity, keywords in self.keywords.items()}, self.longest
        )

    def get(self, entity: str) -> frozenset[str]:
        return self.keywords.get(entity, frozenset())


@dataclass
class Reference:
    """bot/data/nlu: its examples, the values it gives each entity, and one lexicon per language."""

    examples: list[Example]
    values: dict[str, set[str]]
    lexicons: dict[str, Lexicon]

    @classmethod
    def load(cls, directory: Path = REFERENCE) -> Reference:
        per_language: dict[str, tuple[list[Example], dict[str, list[str]]]] = {}
        everything: list[Example] = []
        for path in sorted(directory.glob("*.yml")):
            examples, synonyms = read_nlu(path)
            everything.extend(examples)
            if language_of(path):
                per_language[path.stem] = (examples, synonyms)
        values: dict[str, set[str]] = defaultdict(set)
        for example in everything:
            for span in example.spans:
                if span.value is not None:
                    values[span.entity].add(str(span.value))
        never = not_keywords()
        lexicons = {
            lang: Lexicon.build(ex, syn, values).without(never.get(lang, frozenset()))
            for lang, (ex, syn) in per_language.items()
        }
        return cls(everything, values, lexicons)


def unannotated(example: Example, keywords: frozenset[str], allowed: list[LineException]) -> list[str]:
    text = example.outside()
    if (ignored := IGNORED_PHRASES.get(example.language or "")) is not None:
        text = ignored.sub(" ", text)
    found = {word for word in words(text) if word in keywords}
    for exception in allowed:
        if exception.covers(example):
            found -= exception.words
    return sorted(found)


def check(examples: Iterable[Example], reference: Reference, undecided: bool = False) -> list[Finding]:
    """Every error in `examples` (and, with `undecided`, what the lists cannot decide)."""
    examples = list(examples)
    entities, codes, allowed = domain_entities(), reason_codes(), exceptions()
    findings: list[Finding] = []

    def flag(example: Example, kind: str, detail: str) -> None:
        findings.append(Finding(example.path, example.line, kind, detail, example.raw))

    for example in examples:
        lexicon = reference.lexicons.get(example.language or "")
        for span in example.spans:
            if span.entity not in entities:
                flag(example, "unknown entity", span.entity)
            if span.entity == REASON and (
                span.value not in codes or span.value not in reference.values[REASON]
            ):
                flag(
                    example,
                    "reason value",
                    f"{span.value!r} for [{span.text}] is no reason code used in bot/data",
                )
            if span.entity == TIME and span.value is not None:
                flag(
                    example, "time value", f"[{span.text}] has value {span.value!r}; bot/data gives time none"
                )
            if span.entity == LANGUAGE and span.value not in reference.values[LANGUAGE]:
                flag(example, "language value", f"{span.value!r} for [{span.text}] is not used in bot/data")
            if _EDGE.search(span.text):
                flag(example, "span edge", f"[{span.text}] starts or ends with a space or punctuation")
            if lexicon is None:
                continue
            size = len(words(span.text))
            limit = max(lexicon.longest.get(span.entity, 0), MIN_LONGEST[span.entity])
            if size > limit:
                flag(
                    example,
                    "span length",
                    f"[{span.text}] has {size} words; {span.entity} spans have at most {limit} here "
                    f"(bot/data's longest in this language, at least {MIN_LONGEST[span.entity]})",
                )
            if span.entity == REASON and (inner := set(words(span.text)) & lexicon.get(TIME)):
                flag(example, "time inside reason", f"[{span.text}] holds {', '.join(sorted(inner))}")
            if (
                undecided
                and span.entity in (REASON, LANGUAGE)
                and not set(words(span.text)) & lexicon.get(span.entity)
            ):
                flag(example, "undecided", f"no known {span.entity} word in [{span.text}] ({span.value})")
        if lexicon is None:
            continue
        if example.intent in ACTING_INTENTS:
            for entity in (REASON, TIME):
                if missed := unannotated(example, lexicon.get(entity), allowed):
                    flag(example, f"unannotated {entity}", ", ".join(missed))
            if (
                undecided
                and example.intent == "report_absence"
                and not any(s.entity == REASON for s in example.spans)
            ):
                flag(example, "undecided", "report_absence line without a reason span")
        if example.intent == LANGUAGE_INTENT:
            named = {str(s.value) for s in example.spans if s.entity == LANGUAGE}
            if not named and (missed := unannotated(example, lexicon.get(LANGUAGE), allowed)):
                flag(example, "unannotated language", ", ".join(missed))
            if len(named) > 1:
                flag(
                    example,
                    "two languages",
                    f"{', '.join(sorted(named))}: the bot switches to the first one "
                    "named; annotate only the language asked for",
                )
    findings.extend(synonym_conflicts([*reference.examples, *examples]))
    return findings


def synonym_conflicts(examples: Iterable[Example]) -> list[Finding]:
    """Span texts annotated with two different values (Rasa's EntitySynonymMapper lowercases the text)."""
    seen: dict[str, tuple[str, Example]] = {}
    findings: list[Finding] = []
    reported: set[tuple[str, str, str]] = set()
    for example in examples:
        for span in example.spans:
            if span.value is None:
                continue
            key = span.text.lower()
            first = seen.setdefault(key, (str(span.value), example))
            if first[0] != str(span.value) and (key, first[0], str(span.value)) not in reported:
                reported.add((key, first[0], str(span.value)))
                findings.append(
                    Finding(
                        example.path,
                        example.line,
                        "synonym conflict",
                        f"[{span.text}] is {span.value!r} here but {first[0]!r} in {first[1].path.name}:"
                        f"{first[1].line}",
                        example.raw,
                    )
                )
    return findings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, help="NLU files to check besides bot/data/nlu")
    parser.add_argument(
        "--undecided", action="store_true", help="also print what the word lists cannot decide"
    )
    parser.add_argument("--words", metavar="LANG", help="print the word lists of one language and stop")
    args = parser.parse_args(argv)
    reference = Reference.load()
    if args.words:
        for entity, keywords in sorted(reference.lexicons[args.words].keywords.items()):
            print(f"{entity}: {' '.join(sorted(keywords))}")
        return 0
    examples = [*reference.examples]
    for path in args.paths:
        examples.extend(read_nlu(path)[0])
    findings = check(examples, reference, undecided=args.undecided)
    if args.paths:  # what bot/data leaves undecided is only shown when it is checked alone
        checked = {path.resolve() for path in args.paths}
        findings = [f for f in findings if f.kind != "undecided" or f.path.resolve() in checked]
    errors = [f for f in findings if f.kind != "undecided"]
    for finding in sorted(findings, key=lambda f: (f.kind == "undecided", str(f.path), f.line)):
        print(finding)
    print(
        f"{len(examples)} examples, {len(errors)} errors, {len(findings) - len(errors)} undecided",
        file=sys.stderr,
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
