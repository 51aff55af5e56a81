"""Hand-off (on request, after two misunderstood messages in a row, on low confidence), urgent help,
opting out."""

from __future__ import annotations

import json

from actions.escalation import (
    ActionHandleNluFallback,
    ActionHandoffLowConfidence,
    ActionUrgentHelp,
    ActionRequestHuman,
)
from support import bot_event, make_tracker, run, user_event


def misunderstood(times, handed_off=False, history=()):
    """A tracker whose last `times` user messages were all nlu_fallback."""
    events = list(history)
    for n in range(times - 1):
        events.append(user_event(f"xq{n}", "nlu_fallback", 0.2))
        events.append(bot_event("utter_handoff" if handed_off and n == 1 else "utter_ask_rephrase"))
    return make_tracker("zzz", "nlu_fallback", confidence=0.2, history=events)


def test_the_first_misunderstood_message_asks_to_rephrase(case_api, domain):
    outcome = run(ActionHandleNluFallback(), misunderstood(1), domain)

    assert outcome.responses == ["utter_ask_rephrase"]
    assert case_api.requests == []


def test_the_second_in_a_row_goes_to_a_person(case_api, domain):
    case_api.on("POST", "escalations", {"id": 5}, status=201)

    outcome = run(ActionHandleNluFallback(), misunderstood(2), domain)

    assert outcome.responses == ["utter_handoff"]
    [request] = case_api.sent("POST", "escalations")
    assert (request.body["reason"], request.body["urgent"]) == ("fallback", False)


def test_an_understood_message_in_between_starts_counting_again(case_api, domain):
    history = [
        user_event("xq", "nlu_fallback", 0.2),
        bot_event("utter_ask_rephrase"),
        user_event("wat is het PIP", "ask_pip"),
        bot_event("utter_faq_pip"),
    ]

    outcome = run(ActionHandleNluFallback(), misunderstood(1, history=history), domain)

    assert outcome.responses == ["utter_ask_rephrase"] and case_api.requests == []


def test_after_a_hand_off_more_misunderstandings_do_not_escalate_again(case_api, domain):
    outcome = run(ActionHandleNluFallback(), misunderstood(3, handed_off=True), domain)

    assert outcome.responses == ["utter_handoff"]
    assert case_api.requests == []


def test_second_fallback_with_the_api_down_says_so(api_down, domain):
    assert run(ActionHandleNluFallback(), misunderstood(2), domain).responses == ["utter_api_unavailable"]


def test_a_bare_language_name_confirms_the_switch_instead_of_asking_to_rephrase(case_api, domain):
    tracker = make_tracker("Soomaali", "nlu_fallback", confidence=0.3, slots={"language": "so"})
    tracker.events.append({"event": "slot", "name": "language", "value": "so"})

    assert run(ActionHandleNluFallback(), tracker, domain).responses == ["utter_language_changed"]


def test_asking_for_a_human_escalates_and_holds(case_api, domain):
    case_api.on("POST", "escalations", {"id": 6}, status=201)

    outcome = run(ActionRequestHuman(), make_tracker("medewerker", "request_human"), domain)

    assert outcome.responses == ["utter_handoff"]
    assert case_api.sent("POST", "escalations")[0].body["reason"] == "request_human"


def test_asking_for_a_human_with_the_api_down(api_down, domain):
    assert run(ActionRequestHuman(), make_tracker("mens", "request_human"), domain).responses == [
        "utter_api_unavailable"
    ]


def test_low_confidence_escalates_with_the_intent_as_summary(case_api, domain):
    case_api.on("POST", "escalations", {"id": 7}, status=201)

    outcome = run(ActionHandoffLowConfidence(), make_tracker("hm", "ask_map", confidence=0.31), domain)

    assert outcome.responses == ["utter_handoff"]
    body = case_api.sent("POST", "escalations")[0].body
    assert body["reason"] == "low_confidence" and body["summary"] == "intent=ask_map confidence=0.31"


def test_the_model_alone_gives_the_numbers_gently_and_an_ordinary_escalation(case_api, domain):
    case_api.on("POST", "escalations", {"id": 9}, status=201)

    outcome = run(ActionUrgentHelp(), make_tracker("my son is sick", "urgent_help", confidence=0.97), domain)

    assert outcome.responses == ["utter_safety_check"]
    body = case_api.sent("POST", "escalations")[0].body
    assert (body["reason"], body["urgent"]) == ("possible_crisis", False)
    assert body["summary"] == "intent=urgent_help confidence=0.97"


def test_the_gentle_line_is_not_repeated_when_the_gateway_sent_it(case_api, domain):
    case_api.on("POST", "escalations", {"id": 9}, status=201)
    tracker = make_tracker("help", "urgent_help", metadata={"safetyLineSent": True})

    outcome = run(ActionUrgentHelp(), tracker, domain)

    assert outcome.messages == []
    assert case_api.sent("POST", "escalations")[0].body["reason"] == "possible_crisis"


def test_the_escalation_is_retried_once_and_the_numbers_are_given_when_the_api_is_down(case_api, domain):
    case_api.on("POST", "escalations", {"title": "down"}, status=503)

    outcome = run(ActionUrgentHelp(), make_tracker("help", "urgent_help"), domain)

    assert outcome.responses == ["utter_safety_check"] and outcome.events == []
    assert len(case_api.sent("POST", "escalations")) == 2


def unsure_between(*ranking):
    """A misunderstood message whose NLU ranking is `ranking` ((intent, confidence), ...)."""
    tracker = misunderstood(1)
    tracker.latest_message["intent_ranking"] = [{"name": n, "confidence": c} for n, c in ranking]
    return tracker


def test_an_unsure_guess_asks_one_numbered_question_with_the_likeliest_meanings(case_api, domain):
    tracker = unsure_between(
        ("nlu_fallback", 0.4),
        ("report_absence", 0.31),
        ("greet", 0.2),
        ("request_reschedule", 0.25),
        ("ask_fine", 0.1),
        ("ask_pvt", 0.06),
    )

    outcome = run(ActionHandleNluFallback(), tracker, domain)

    assert outcome.responses == ["utter_clarify"]
    options = ["report_absence", "request_reschedule", "ask_fine"]
    assert json.loads(outcome.message("utter_clarify")["intent_options"]) == options
    assert outcome.slots() == {"clarify_options": options}
    assert case_api.requests == []


def test_urgent_help_and_opt_out_are_never_offered_as_a_guess(case_api, domain):
    tracker = unsure_between(("urgent_help", 0.3), ("opt_out", 0.3), ("ask_knm", 0.2))

    outcome = run(ActionHandleNluFallback(), tracker, domain)

    assert outcome.responses == ["utter_ask_rephrase"]


def test_after_the_clarifying_question_the_next_misunderstanding_goes_to_a_person(case_api, domain):
    case_api.on("POST", "escalations", {"id": 5}, status=201)
    history = [user_event("xq", "nlu_fallback", 0.2), bot_event("utter_clarify")]
    tracker = make_tracker("zzz", "nlu_fallback", confidence=0.2, history=history)

    assert run(ActionHandleNluFallback(), tracker, domain).responses == ["utter_handoff"]
