"""Language: digit menu, named languages, detection on longer messages only, and storing the choice."""

from __future__ import annotations

import pytest

from actions.language import (
    ENDONYMS,
    MENU_ORDER,
    ActionApplyLanguage,
    ValidateLanguageForm,
    ValidateSlotMappings,
)
from support import entity, make_tracker, run


def menu_answer(text):
    return make_tracker(
        text,
        "nlu_fallback",
        slots={"requested_slot": "language_choice", "language": "nl"},
        active_loop="language_form",
        form="language_form",
    )


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("1", "nl"),
        ("2", "en"),
        ("3", "ar"),
        ("6", "fa_AF"),
        (" 7. ", "tr"),
        ("10", "ku"),
        ("٣", "ar"),
        ("۵", "fa"),
    ],
    ids=[
        "dutch",
        "english",
        "arabic",
        "dari",
        "turkish-with-dot",
        "kurmanji",
        "arabic-indic-digit",
        "persian-digit",
    ],
)
def test_a_digit_from_the_menu_picks_that_language(text, code, domain):
    assert run(ValidateLanguageForm(), menu_answer(text), domain).slots()["language_choice"] == code


@pytest.mark.parametrize("text", ["0", "11", "twee", "ok dank je"])
def test_anything_but_a_menu_number_is_left_to_the_rules(text, domain):
    assert "language_choice" not in run(ValidateLanguageForm(), menu_answer(text), domain).slots()


@pytest.mark.parametrize(("text", "code"), [("Türkçe", "tr"), ("English please", "en"), ("ትግርኛ", "ti")])
def test_a_name_from_the_menu_works_at_the_menu(text, code, domain):
    assert run(ValidateLanguageForm(), menu_answer(text), domain).slots()["language_choice"] == code


def test_asking_for_a_named_language_chooses_it_at_once(domain):
    tracker = make_tracker(
        "in het Engels graag",
        "change_language",
        entities=[entity("language", "en")],
        slots={"language": "nl"},
        after="action_deactivate_loop",
        form="language_form",
    )

    assert run(ValidateLanguageForm(), tracker, domain).slots()["language_choice"] == "en"


def test_asking_for_another_language_without_a_name_leaves_the_menu_to_ask(domain):
    tracker = make_tracker(
        "andere taal",
        "change_language",
        slots={"language": "nl"},
        after="action_deactivate_loop",
        form="language_form",
    )

    assert run(ValidateLanguageForm(), tracker, domain).slots()["language_choice"] is None


def test_applying_the_choice_switches_and_stores_it(case_api, domain):
    case_api.on("PUT", "language", {"language": "ar"})
    tracker = make_tracker("3", "nlu_fallback", slots={"language": "nl", "language_choice": "ar"})

    outcome = run(ActionApplyLanguage(), tracker, domain)

    assert outcome.slots() == {"language": "ar", "language_choice": None}
    assert case_api.sent("PUT", "language")[0].body == {"language": "ar"}


def test_applying_still_switches_when_the_api_is_down(api_down, domain):
    tracker = make_tracker("3", "nlu_fallback", slots={"language": "nl", "language_choice": "ar"})

    assert run(ActionApplyLanguage(), tracker, domain).slots()["language"] == "ar"


def detected(text, code, intent="ask_pip", entities=None, language="nl"):
    return make_tracker(
        text,
        intent,
        entities=entities,
        slots={"language": language},
        metadata={"channel": "sms", "language": language, "detectedLanguage": code},
    )


def test_a_detected_language_never_switches_the_persons_language(case_api, domain):
    # A Dari speaker writing three words is detected as Persian; the gateway offers a switch instead.
    outcome = run(ValidateSlotMappings(), detected("PIP nedir acaba", "tr"), domain)

    assert "language" not in outcome.slots()
    assert case_api.requests == []


@pytest.mark.parametrize("text", ["ok", "thank you"], ids=["one-word", "two-words"])
def test_one_or_two_words_never_switch_on_detection(text, case_api, domain):
    outcome = run(ValidateSlotMappings(), detected(text, "en", intent="thank_you"), domain)

    assert "language" not in outcome.slots()
    assert case_api.requests == []


def test_detection_of_the_current_language_changes_nothing(case_api, domain):
    outcome = run(ValidateSlotMappings(), detected("wat is het PIP", "nl"), domain)

    assert "language" not in outcome.slots() and case_api.requests == []


def test_a_language_named_in_a_short_message_switches(case_api, domain):
    case_api.on("PUT", "language", {"language": "so"})
    tracker = make_tracker(
        "Soomaali", "nlu_fallback", entities=[entity("language", "so")], slots={"language": "nl"}
    )

    assert run(ValidateSlotMappings(), tracker, domain).slots()["language"] == "so"


def test_a_language_named_inside_a_longer_question_does_not_switch(case_api, domain):
    tracker = detected(
        "I need an Arabic interpreter at the intake",
        "en",
        intent="ask_contact",
        entities=[entity("language", "ar")],
        language="nl",
    )

    outcome = run(ValidateSlotMappings(), tracker, domain)

    assert "language" not in outcome.slots()


def test_the_gateways_shortcuts_never_switch(case_api, domain):
    tracker = make_tracker(
        '/confirm_attendance{"appointment_id": "12"}',
        "confirm_attendance",
        slots={"language": "ar"},
        metadata={"detectedLanguage": "en"},
    )

    assert "language" not in run(ValidateSlotMappings(), tracker, domain).slots()


def test_the_menu_in_messages_matches_the_bots_numbering(messages):
    lines = messages.LANGUAGE_MENU.splitlines()

    assert [line.split(" ", 1)[0] for line in lines] == [str(n) for n in range(1, len(MENU_ORDER) + 1)]
    assert [ENDONYMS[line.split(" ", 1)[1].lower()] for line in lines] == list(MENU_ORDER)


def test_a_clarifying_question_is_answered_by_the_next_message_or_not_at_all(case_api, domain):
    tracker = make_tracker("hallo", "greet", slots={"language": "nl", "clarify_options": ["ask_pip", "ask_map"]})

    assert run(ValidateSlotMappings(), tracker, domain).slots() == {"clarify_options": None}
