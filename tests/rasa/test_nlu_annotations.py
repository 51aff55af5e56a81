"""Entity annotations follow bot/data's style in every language (scripts/check_nlu_annotations.py).

A reason or date word left without annotation teaches DIET that it is no entity: the absence reason of
"mijn fiets is kapot kan niet komen" was lost that way when the staged realistic lines were first tried.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from support import ROOT

_spec = importlib.util.spec_from_file_location(
    "check_nlu_annotations", ROOT / "scripts" / "check_nlu_annotations.py"
)
checker = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = checker  # dataclasses look their module up
_spec.loader.exec_module(checker)

REFERENCE = checker.Reference.load()
# The realistic lines in bot/data (stories, indirect requests, two intents, …): realistic/, realistic_more/,
# realistic2/, … — every one written apart from bench/. WRITTEN adds the crisis lines and their look-alikes
# (urgent/): every folder of bot/data/nlu, checked like bot/data's own files.
REALISTIC = sorted((ROOT / "bot" / "data" / "nlu").glob("realistic*/*.yml"))
WRITTEN = sorted((ROOT / "bot" / "data" / "nlu").glob("*/*.yml"))

# Each language's bot/data annotates these as `time` (today, tomorrow, the day after, yesterday, weekdays,
# and the Latin spellings people type: Arabizi, Finglish, Turkish and Kurdish without accents).
DATES = {
    "nl": ["vandaag", "morgen", "overmorgen", "gisteren", "maandag", "dinsdag", "donderdag", "vrijdag"],
    "en": ["today", "tomorrow", "the day after tomorrow", "yesterday", "monday", "tuesday", "friday", "tmrw"],
    "ar": ["اليوم", "بكرا", "بعد بكرا", "مبارح", "الخميس", "يوم الاثنين", "bukra", "bokra", "el yom"],
    "ti": ["ሎሚ", "ጽባሕ", "ድሕሪ ጽባሕ", "ትማሊ", "ሰኑይ", "ሰሉስ", "ሓሙስ", "ዓርቢ", "tsbah", "lomi"],
    "fa": ["امروز", "فردا", "پس‌فردا", "دیروز", "دوشنبه", "سه‌شنبه", "پنجشنبه", "farda", "emruz"],
    "fa_AF": ["امروز", "صبا", "فردا", "پس فردا", "دیروز", "سه شنبه", "پنجشنبه", "saba", "farda", "imroz"],
    "tr": ["bugün", "yarın", "öbür gün", "dün", "pazartesi", "salı", "perşembe", "yarin", "bugun"],
    "so": ["maanta", "berri", "saadambe", "shalay", "isniinta", "talaadada", "khamiista", "beri"],
    "ps": ["نن", "سبا", "بل سبا", "پرون", "دوشنبه", "سه شنبه", "پنجشنبه", "saba", "nan"],
    "ku": ["îro", "sibê", "dusibê", "duh", "duşemê", "sêşemê", "pêncşemê", "iro", "sibe"],
}


NL, TR = '[Nederlands]{"entity": "language", "value": "nl"}', '[Turks]{"entity": "language", "value": "tr"}'


def examples_of(paths: list[Path]) -> list:
    return [example for path in paths for example in checker.read_nlu(path)[0]]


def errors(examples: list) -> list:
    return [f for f in checker.check(examples, REFERENCE) if f.kind != "undecided"]


def line(raw: str, intent: str = "report_absence", language: str = "nl"):
    return checker.Example(Path(f"{language}.yml"), 1, language, intent, raw)


@pytest.mark.parametrize("paths", [[], WRITTEN], ids=["bot-data", "written"])
def test_reason_and_date_words_are_annotated_with_the_values_bot_data_uses(paths):
    found = errors([*REFERENCE.examples, *examples_of(paths)])
    assert not found, "\n".join(map(str, found[:20]))


def test_every_language_has_realistic_lines_for_every_acting_intent():
    assert len(REALISTIC) >= 3 * len(checker.LANGUAGES) and len(REALISTIC) % len(checker.LANGUAGES) == 0
    acting_intents = checker.ACTING_INTENTS | {"check_in", "change_language"}
    for language in checker.LANGUAGES:
        lines = examples_of([p for p in REALISTIC if p.stem == language])
        assert len(lines) >= 300, language
        assert {e.intent for e in lines} >= acting_intents, language


def test_no_realistic_line_is_there_twice():
    """The realistic folders add new lines: none repeats another training line ("ok", "bye" aside)."""
    counts: dict[str, int] = {}
    for path in sorted((ROOT / "bot" / "data" / "nlu").rglob("*.yml")):
        for key in {" ".join(e.text.lower().split()) for e in checker.read_nlu(path)[0]}:
            counts[key] = counts.get(key, 0) + 1
    twice = [
        e.text
        for e in examples_of(WRITTEN)
        if len(e.text.split()) > 2 and counts[" ".join(e.text.lower().split())] > 1
    ]
    assert not twice, twice[:20]


@pytest.mark.parametrize("language", checker.LANGUAGES)
def test_every_language_annotates_dates_reasons_and_languages(language):
    examples = checker.read_nlu(ROOT / "bot" / "data" / "nlu" / f"{language}.yml")[0]

    def having(entity: str) -> list:
        return [e for e in examples if any(s.entity == entity for s in e.spans)]

    dates = {s.text.lower() for e in having("time") for s in e.spans if s.entity == "time"}
    assert len(having("time")) >= 8 and len(having("absence_reason")) >= 8 and len(having("language")) >= 8
    assert not [d for d in DATES[language] if d not in dates]
    reasons = {s.value for e in having("absence_reason") for s in e.spans if s.entity == "absence_reason"}
    assert reasons == checker.reason_codes()


def test_a_reason_or_date_left_unannotated_is_caught():
    kinds = {f.kind for f in errors([line("mijn fiets is kapot, ik kan morgen niet komen")])}
    assert kinds == {"unannotated absence_reason", "unannotated time"}
    annotated = line('mijn [fiets is kapot]{"entity": "absence_reason", "value": "transport"} [morgen](time)')
    assert errors([annotated]) == []


@pytest.mark.parametrize(
    ("raw", "intent", "kind"),
    [
        ('ik ben [ziek]{"entity": "absence_reason", "value": "ill"}', "report_absence", "reason value"),
        (
            '[ziek]{"entity": "absence_reason", "value": "work"} ik kom niet',
            "report_absence",
            "synonym conflict",
        ),
        ('ik kom [morgen]{"entity": "time", "value": "tomorrow"}', "confirm_attendance", "time value"),
        (
            'ik ben [ziek morgen]{"entity": "absence_reason", "value": "sick"}',
            "report_absence",
            "time inside reason",
        ),
        ("ik kan [ morgen](time) niet", "report_absence", "span edge"),
        (f"geen {NL} maar {TR}", "change_language", "two languages"),
        ("kan het in het Arabisch", "change_language", "unannotated language"),
    ],
)
def test_a_value_or_span_that_bot_data_would_not_use_is_caught(raw, intent, kind):
    assert kind in {f.kind for f in errors([line(raw, intent)])}


def test_a_listed_exception_only_covers_its_own_line():
    assert errors([line("ill be there [tomorrow](time)", "confirm_attendance", "en")]) == []
    assert errors([line("i was ill [yesterday](time) but i will come", "confirm_attendance", "en")])


def test_every_exception_still_matches_a_line():
    everything = [*REFERENCE.examples, *examples_of(WRITTEN)]
    unused = [e for e in checker.exceptions() if not any(e.covers(x) for x in everything)]
    assert not unused


def test_spans_start_and_end_on_rasas_tokens():
    from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
    from rasa.shared.nlu.training_data.message import Message

    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    misaligned = []
    for example in [*REFERENCE.examples, *examples_of(WRITTEN)]:
        if not example.spans:
            continue
        tokens = tokenizer.tokenize(Message(data={"text": example.text}), "text")
        starts, ends = {t.start for t in tokens}, {t.end for t in tokens}
        misaligned += [
            (example.raw, s.text) for s in example.spans if s.start not in starts or s.end not in ends
        ]
    assert not misaligned
