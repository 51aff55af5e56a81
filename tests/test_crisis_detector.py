"""The crisis detector: its pattern language, and per language its own development set (tests/safety_dev).

The independent evaluation set (bench/crisis_eval) is measured by bench/crisis.py, never used here or in
the vocabulary; a test keeps the three apart.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from api.i18n.languages import CODES
from api.safety import crisis

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "tests" / "safety_dev"
EVAL = ROOT / "bench" / "crisis_eval"


def _vocabulary(tmp_path: Path, patterns: dict, unless: list[str] | None = None) -> crisis.Vocabulary:
    (tmp_path / "xx.yml").write_text(
        yaml.safe_dump({"language": "en", "patterns": patterns, "unless": unless or []})
    )
    return crisis.load(tmp_path)


@pytest.mark.parametrize(
    ("pattern", "text", "hit"),
    [
        ("not breath*", "my baby is NOT breathing!!", True),
        ("not breath*", "he is breathing not well", False),
        ("want|wanna ~ die", "i really want to just die", True),
        ("want|wanna ~ die", "i want to go to the dierentuin", False),
        ("bewusteloos", "hij is bewustelos", True),  # a doubled letter left out
        ("unconscious", "she is unconcious", True),  # one edit in a long word
        ("unconscious", "she is conscious", False),  # two edits
        ("can't breathe", "i cant breathe", True),  # apostrophes inside words go
        ("انتحر*", "بدي انتحر", True),
        ("خودکشی", "خودكشي ميكنم", True),  # Arabic kaf and yeh read as Persian
        ("olmek istiyorum", "ölmek istiyorum", True),  # Latin diacritics go
        ("help", "heeeeelp", True),  # a held key is one letter
        ("help", "helpdesk", False),  # a whole word, unless the pattern says help*
        ("112", "bericht 12", False),  # digits are never undoubled
        ("112", "ik heb 112 gebeld", True),
    ],
)
def test_the_pattern_language(tmp_path, pattern, text, hit):
    vocabulary = _vocabulary(tmp_path, {"medical": [pattern]})
    assert (vocabulary.detect(text) is not None) == hit


def test_an_unless_phrase_covers_only_its_own_words(tmp_path):
    vocabulary = _vocabulary(tmp_path, {"suicide": ["dying"]}, unless=["dying to"])
    assert vocabulary.detect("i am dying to see you") is None
    assert vocabulary.detect("i am dying to see you, but i am dying") is not None


def test_an_unknown_category_fails_at_load(tmp_path):
    with pytest.raises(ValueError, match="unknown crisis category"):
        _vocabulary(tmp_path, {"sadness": ["sad"]})


def _dev(code: str) -> dict[str, list[str]]:
    """The language's development set: `<code>.yml` and, where written, `<code>.more.yml`."""
    out: dict[str, list[str]] = {"crisis": [], "ordinary": []}
    for path in (DEV / f"{code}.yml", DEV / f"{code}.more.yml"):
        if path.exists():
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            for part in out:
                out[part] += [str(t) for t in data.get(part) or []]
    return out


@pytest.mark.parametrize("code", CODES)
def test_every_language_finds_its_crises_and_leaves_ordinary_messages_alone(code):
    data = _dev(code)
    missed = [text for text in data["crisis"] if crisis.detect(text) is None]
    alarms = [text for text in data["ordinary"] if crisis.detect(text) is not None]
    assert len(missed) <= 0.02 * len(data["crisis"]), missed
    assert len(alarms) <= 0.03 * len(data["ordinary"]), alarms


def test_a_sick_child_help_with_a_letter_and_a_hospital_appointment_are_not_a_crisis():
    for text in (
        "my son is also sick and nobody can look after him",
        "help ik begrijp de brief van DUO niet",
        "ik heb morgen een afspraak in het ziekenhuis",
        "mijn dochter heeft koorts, ik kan niet komen",
    ):
        assert crisis.detect(text) is None, text


def test_the_evaluation_set_stays_apart_from_the_vocabulary_and_the_development_set():
    evaluation = {
        item["text"].strip().lower()
        for path in EVAL.glob("*.yml")
        for part in ("crisis", "ordinary")
        for item in yaml.safe_load(path.read_text(encoding="utf-8")).get(part) or []
    }
    development = {t.strip().lower() for code in CODES for part in _dev(code).values() for t in part}
    vocabulary = {p.source.lower() for p in crisis.vocabulary().patterns}
    assert evaluation and not evaluation & development and not evaluation & vocabulary


def test_an_alarm_category_is_found_before_a_check_category_whatever_the_file_order(tmp_path):
    vocabulary = _vocabulary(tmp_path, {"cry": ["help"], "medical": ["not breath*"]})
    assert vocabulary.detect("help he is not breathing").category == "medical"
    assert vocabulary.detect("help with my form").category == "cry"
    assert not vocabulary.detect("help with my form").alarm


SIGNS = {  # one indirect warning sign per language, written for this test (no evaluation line)
    "nl": "hoeveel paracetamol is dodelijk",
    "en": "i gave away all my things this week",
    "ar": "وزعت كل اغراضي على الجيران",
    "fa": "همه وسایلم رو به دوستام بخشیدم",
    "fa_AF": "لباس و سامانم را بخشیدم به همسایه ها",
    "tr": "bu size son mesajım olacak",
    "so": "kani waa fariinta ugu dambeysa ee aan idiin soo diro",
    "ps": "دا به زما وروستی پیغام وي",
    "ku": "ev mesaja min a dawiye ji we re",
    "ti": "መወዳእታ መልእኽተይ ንዓኹም እዩ",
}


@pytest.mark.parametrize("code", CODES)
def test_every_language_reads_an_indirect_warning_sign_as_a_check(code):
    hit = crisis.detect(SIGNS[code])
    assert hit is not None and hit.category == "signs" and not hit.alarm, (SIGNS[code], hit)
    assert hit.language == code
