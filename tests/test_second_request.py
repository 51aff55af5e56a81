"""The rule that offers a message's second request (api/messaging/gateway/second_request.py)."""

from __future__ import annotations

import pytest

from api.messaging.gateway.second_request import other_request, sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ik kan morgen niet komen", []),
        ("Ik ben ziek. Krijg ik een boete?", ["Ik ben ziek.", "Krijg ik een boete?"]),
        ("ana mareed\nshu el ghrame?", ["ana mareed", "shu el ghrame?"]),
        ("ما اقدر اجي بكرة. هل في غرامة؟", ["ما اقدر اجي بكرة.", "هل في غرامة؟"]),
        ("ok. dank je wel", []),  # a one-word sentence is not a request
        ("ik kom!!! waar is het gemeentehuis", ["ik kom", "waar is het gemeentehuis"]),
    ],
)
def test_sentences_split_on_ends_and_lines_and_skip_single_words(text, expected):
    assert sentences(text) == expected


def _parser(table):
    return lambda sentence: table.get(sentence, ("out_of_scope", 0.3))


def test_a_confident_question_in_another_sentence_is_offered():
    parse = _parser({"Krijg ik een boete?": ("ask_fine", 0.93), "Ik ben ziek.": ("report_absence", 0.97)})
    assert other_request("report_absence", "Ik ben ziek. Krijg ik een boete?", parse) == "ask_fine"


@pytest.mark.parametrize(
    ("handled", "sentence_intent", "confidence"),
    [
        ("report_absence", "ask_fine", 0.5),  # not sure enough
        ("report_absence", "report_absence", 0.99),  # the same request twice
        ("ask_fine", "request_reschedule", 0.99),  # an acting intent is never offered
        ("ask_fine", "opt_out", 0.99),
        ("urgent_help", "ask_fine", 0.99),  # a crisis reply stands alone
        ("nlu_fallback", "ask_fine", 0.99),  # the clarifying question covers it
    ],
)
def test_nothing_is_offered_that_the_person_did_not_clearly_ask(handled, sentence_intent, confidence):
    text = "Eerste zin hier. Tweede zin daar."
    parse = _parser({"Tweede zin daar.": (sentence_intent, confidence)})
    assert other_request(handled, text, parse) is None
