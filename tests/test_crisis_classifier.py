"""The crisis net's classifier: trained on the data it says, read the same way it was trained, and in the net.

The independent evaluation set (bench/crisis_eval) is measured by bench/crisis.py; it is never training data
(tests/test_crisis_detector.py keeps the sets apart, and TRAINING_FILES below names no bench/ path).
"""

from __future__ import annotations

import pytest
import yaml

from api.safety import classifier, crisis, net

ROOT = classifier.ROOT


def _training_lines(language: str, intent: str) -> list[str]:
    lines = []
    for path in classifier.training_paths():
        if path.stem != language:
            continue
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if block.get("intent") == intent:
                lines += [
                    classifier.plain(x.strip()[2:]) for x in block["examples"].splitlines() if x.strip()
                ]
    return lines


def classifier_only_crisis_line(language: str = "nl") -> str:
    """A crisis line of the training data that only the classifier catches: no crisis word in it."""
    model = classifier.classifier()
    assert model is not None, "no trained crisis classifier: make crisis-classifier"
    for line in _training_lines(language, "urgent_help"):
        verdict = net.assess(line) if crisis.detect(line) is None else None
        if verdict is not None and verdict.level == net.Level.alarm:
            return line
    raise AssertionError(f"the classifier catches no {language} crisis line that the vocabulary misses")


def gentle_line_crisis_line(language: str = "nl") -> str:
    """A crisis line of the training data that the classifier is unsure of: the gentle line, no alarm."""
    model = classifier.classifier()
    assert model is not None, "no trained crisis classifier: make crisis-classifier"
    for line in _training_lines(language, "urgent_help"):
        verdict = net.assess(line) if crisis.detect(line) is None else None
        if verdict is not None and verdict.level == net.Level.check:
            return line
    raise AssertionError(f"no {language} crisis line between the classifier's check and alarm cut-offs")


def test_the_weights_were_trained_on_the_current_data():
    model = classifier.classifier()
    assert model is not None, "api/safety/crisis_classifier.json.gz is missing: make crisis-classifier"
    assert model.digest == classifier.training_digest(), (
        "the crisis classifier's training data changed since it was trained: make crisis-classifier"
    )


@pytest.mark.parametrize("setting", ["MAX_FALSE_ALARMS", "MAX_CHECKS", "C", "MIN_DF", "LOOKALIKE_WORDS"])
def test_a_changed_training_setting_makes_the_weights_stale(monkeypatch, setting):
    before = classifier.training_digest()
    monkeypatch.setattr(classifier, setting, getattr(classifier, setting) * 2)  # a tuple doubles, too
    assert classifier.training_digest() != before


def test_it_learns_from_no_evaluation_data():
    paths = classifier.training_paths()
    assert paths and not any("bench" in p.relative_to(ROOT).parts for p in paths)


def test_annotations_are_removed_before_training():
    assert (
        classifier.plain('ik ben [ziek](absence_reason) [morgen]{"entity": "date"}') == "ik ben ziek morgen"
    )


def test_features_are_words_word_pairs_and_character_ngrams_of_the_normalised_text():
    out = classifier.features("Hij ADEMT niet")
    assert {"w:hij", "w:ademt", "b:ademt niet", "c: hi", "c:demt ", "c: nie"} <= set(out)
    assert classifier.features("خودكشي") == classifier.features("خودکشی")  # one Arabic alphabet


def test_the_net_names_a_classifier_hit_unclear_and_a_vocabulary_hit_by_its_category():
    verdict = net.assess(classifier_only_crisis_line("nl"))
    assert verdict.level == net.Level.alarm and verdict.hit.category == net.UNCLEAR
    vocabulary = net.assess("mijn baby ademt niet meer")
    assert vocabulary.level == net.Level.alarm and vocabulary.hit.category == "medical"


def test_between_the_cut_offs_the_net_asks_for_a_gentle_line():
    verdict = net.assess(gentle_line_crisis_line("nl"))
    assert verdict.level == net.Level.check and verdict.hit.category == net.UNCLEAR


def test_the_cut_offs_were_chosen_in_cross_validation_with_the_gentle_line_below_the_alarm():
    model = classifier.classifier()
    assert 0.3 <= model.check <= model.threshold < 1
    assert model.training["alarm"]["cv_lookalike_hits"] <= classifier.MAX_FALSE_ALARMS
    assert model.training["check"]["cv_lookalike_hits"] <= classifier.MAX_CHECKS


def test_one_or_two_words_are_left_to_the_vocabulary():
    assert net.assess("Caawimo") is None and net.assess("hulp nodig") is None
    assert net.assess("help") is None  # the HELP keyword: its reply carries the emergency line
    assert net.assess("wil dood").level == net.Level.alarm  # the vocabulary's


def test_ordinary_messages_that_look_alarming_stay_ordinary():
    for text in (
        "ik moet morgen met mijn moeder naar het ziekenhuis voor controle",
        "can you help me with the letter from the gemeente",
        "ik ben ziek, ik kan morgen niet komen",
    ):
        assert net.assess(text) is None, text


def test_a_sick_child_with_nobody_to_look_after_him_raises_no_alarm():
    verdict = net.assess("my son is also sick and nobody can look after him")
    assert verdict is None or verdict.level == net.Level.check


def test_without_weights_the_vocabulary_still_answers(monkeypatch):
    line = classifier_only_crisis_line("nl")
    monkeypatch.setattr(classifier, "classifier", lambda: None)
    assert net.assess("mijn baby ademt niet meer") is not None
    assert net.assess(line) is None


def test_a_long_message_is_also_read_in_windows_of_a_few_words():
    assert classifier.windows("mijn zoon is ziek") == ["mijn zoon is ziek"]
    words = [f"w{i}" for i in range(13)]
    pieces = classifier.windows(" ".join(words))
    assert pieces[0] == " ".join(words)  # the whole message first
    assert pieces[1:] == [" ".join(words[0:8]), " ".join(words[4:12]), " ".join(words[5:13])]
    assert all(len(p.split()) == classifier.WINDOW for p in pieces[1:])
    # Sentences are read on their own; a piece of one or two words is not.
    assert classifier.windows("de bus kwam niet. hij bedreigt mij. ok") == [
        "de bus kwam niet. hij bedreigt mij. ok",
        "de bus kwam niet.",
        "hij bedreigt mij.",
    ]


def test_a_crisis_told_at_the_end_of_a_story_raises_the_alarm_as_it_would_alone():
    line = classifier_only_crisis_line("nl")
    story = (
        "goedemorgen, de bus kwam vanochtend weer niet en mijn taalschool belde over de toets van "
        f"volgende week. {line}"
    )
    model = classifier.classifier()
    assert model.probability(story) >= model.score(line) - 0.05
    assert net.assess(story).level == net.Level.alarm


def test_a_bare_cry_for_help_or_a_services_name_is_a_check_not_an_alarm():
    for text in ("imdat!!! şifremi yine unuttum", "the ambulance came for my neighbour yesterday", "112"):
        verdict = net.assess(text)
        assert verdict is not None and verdict.level == net.Level.check, text
        assert verdict.hit.category == "cry", text
    # With a crisis word beside it the alarm category wins, wherever the cry stands in the message.
    assert net.assess("imdat kocam beni dövüyor").hit.category == "violence"
    assert net.assess("my baby is not breathing, ambulance!").level == net.Level.alarm


def test_an_indirect_warning_sign_gets_the_gentle_line_with_the_numbers():
    for text in (
        "sorry for everything, this is my last message",
        "dit is mijn laatste bericht aan jullie",
        "how many paracetamol is too much",
        "bu son mesajım, herkese veda ediyorum",
    ):
        assert net.assess(text) is not None, text
    assert crisis.detect("hoeveel paracetamol is te veel").category == "signs"


def test_the_classifier_raises_a_check_category_hit_to_an_alarm(monkeypatch):
    model = classifier.classifier()
    monkeypatch.setattr(model.__class__, "probability", lambda self, text: 0.99)
    verdict = net.assess("112 please, he is lying there")
    assert verdict.level == net.Level.alarm and verdict.hit.category == net.UNCLEAR
    monkeypatch.setattr(model.__class__, "probability", lambda self, text: 0.0)
    assert net.assess("112 please, he is lying there").level == net.Level.check
