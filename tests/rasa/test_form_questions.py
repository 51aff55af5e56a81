"""The forms' questions come back after an interruption, but not forever."""

from __future__ import annotations

import pytest

from actions.questions import MAX_ASKS, ActionAskAbsenceReason, ActionAskCheckinCode, ActionAskLanguageChoice
from support import bot_event, make_tracker, run

QUESTIONS = [
    (ActionAskLanguageChoice(), "utter_language_menu"),
    (ActionAskAbsenceReason(), "utter_ask_absence_reason"),
    (ActionAskCheckinCode(), "utter_ask_checkin_code"),
]


def asked(response, times, opened_again=False):
    history = [{"event": "active_loop", "name": "some_form"}] + [bot_event(response)] * times
    if opened_again:
        history.append({"event": "active_loop", "name": "some_form"})
    return make_tracker("wat is het PIP", "ask_pip", history=history)


@pytest.mark.parametrize(("action", "response"), QUESTIONS, ids=lambda v: getattr(v, "__name__", None))
def test_the_question_is_asked_again_after_an_interruption(action, response, domain):
    assert run(action, asked(response, MAX_ASKS - 1), domain).responses == [response]


@pytest.mark.parametrize(("action", "response"), QUESTIONS)
def test_after_three_asks_the_form_lets_go_quietly(action, response, domain):
    outcome = run(action, asked(response, MAX_ASKS), domain)

    assert outcome.messages == []
    assert [(e["event"], e.get("name")) for e in outcome.events if e["event"] != "slot"] == [
        ("active_loop", None),
        ("followup", "action_listen"),
    ]


def test_a_newly_opened_form_counts_from_zero(domain):
    outcome = run(
        ActionAskAbsenceReason(), asked("utter_ask_absence_reason", MAX_ASKS, opened_again=True), domain
    )

    assert outcome.responses == ["utter_ask_absence_reason"]
