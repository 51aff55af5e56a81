"""Reporting an absence: reason by digit, entity or free text in any script; optional details; never
"excused"; a late report is said to be late."""

from __future__ import annotations

import pytest

from actions.absence import NO_DETAILS, REASON_MENU, ActionReportAbsence, ValidateAbsenceForm
from support import entity, make_tracker, run

STARTS_AT = "2026-03-04T14:00:00+01:00"


def answer(text, intent="nlu_fallback", requested="absence_reason", entities=None, confidence=0.95):
    return make_tracker(
        text,
        intent,
        entities=entities,
        confidence=confidence,
        form="absence_form",
        active_loop="absence_form",
        slots={"requested_slot": requested, "appointment_id": "12"},
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1", "sick"),
        ("2", "child_sick"),
        ("4", "job_interview"),
        ("10", "other"),
        ("۲", "child_sick"),
        ("٧", "transport"),
    ],
    ids=["1-sick", "2-child-sick", "4-job-interview", "10-other", "persian-2", "arabic-indic-7"],
)
def test_a_digit_picks_the_reason_from_the_menu(text, reason, domain):
    assert run(ValidateAbsenceForm(), answer(text), domain).slots()["absence_reason"] == reason


def test_a_digit_is_a_menu_answer_whatever_intent_nlu_gives_it(domain):
    assert (
        run(ValidateAbsenceForm(), answer("3", intent="ask_contact"), domain).slots()["absence_reason"]
        == "work"
    )


def test_a_reason_recognised_by_nlu_is_used(domain):
    tracker = answer("ابني مريض", intent="report_absence", entities=[entity("absence_reason", "child_sick")])

    assert run(ValidateAbsenceForm(), tracker, domain).slots()["absence_reason"] == "child_sick"


@pytest.mark.parametrize(
    "text",
    ["መኪና ተበላሽያ", "arabam bozuldu yolda kaldım", "mijn fiets is gestolen"],
    ids=["tigrinya", "turkish", "dutch"],
)
def test_free_text_nlu_cannot_map_still_reports_as_other(text, domain):
    assert run(ValidateAbsenceForm(), answer(text), domain).slots()["absence_reason"] == "other"


@pytest.mark.parametrize("intent", ["urgent_help", "request_human", "opt_out", "confirm_attendance"])
def test_asking_for_something_else_is_not_taken_as_the_reason(intent, domain):
    assert "absence_reason" not in run(ValidateAbsenceForm(), answer("...", intent=intent), domain).slots()


def test_a_confident_question_is_answered_instead_of_taken_as_the_reason(domain):
    tracker = answer("krijg ik een boete als ik niet kom?", "ask_fine", confidence=0.93)

    assert "absence_reason" not in run(ValidateAbsenceForm(), tracker, domain).slots()


def test_a_doubtful_question_intent_still_counts_as_the_reason(domain):
    tracker = answer("ik moet naar de dokter", "ask_exemption", confidence=0.55)

    assert run(ValidateAbsenceForm(), tracker, domain).slots()["absence_reason"] == "other"


def test_the_reason_in_the_opening_message_is_not_asked_again(case_api, domain):
    case_api.on(
        "GET",
        "appointments",
        {
            "contextAppointmentId": 12,
            "appointments": [
                {
                    "id": 12,
                    "kind": "voortgangsgesprek",
                    "startsAt": STARTS_AT,
                    "location": "x",
                    "staffName": None,
                }
            ],
        },
    )
    tracker = make_tracker(
        "mijn kind is ziek, ik kan niet komen",
        "report_absence",
        entities=[entity("absence_reason", "child_sick")],
        after="action_deactivate_loop",
        form="absence_form",
        slots={"absence_reason": "sick", "absence_details": "stale"},
    )

    slots = run(ValidateAbsenceForm(), tracker, domain).slots()

    assert (slots["appointment_id"], slots["absence_reason"], slots["absence_details"]) == (
        "12",
        "child_sick",
        None,
    )


@pytest.mark.parametrize(
    ("text", "intent"),
    [("0", "nlu_fallback"), ("nee", "deny"), ("ላ", "deny"), ("۰", "affirm")],
    ids=["zero", "nee", "deny-in-tigrinya", "persian-zero"],
)
def test_details_can_be_skipped(text, intent, domain):
    outcome = run(ValidateAbsenceForm(), answer(text, intent=intent, requested="absence_details"), domain)

    assert outcome.slots()["absence_details"] == NO_DETAILS


def test_details_are_kept_in_the_persons_words_with_a_bsn_masked(domain):
    outcome = run(
        ValidateAbsenceForm(),
        answer("trein viel uit, mijn bsn 123456789", requested="absence_details"),
        domain,
    )

    assert outcome.slots()["absence_details"] == "trein viel uit, mijn bsn *********"


def test_a_bare_yes_to_details_asks_again(domain):
    outcome = run(ValidateAbsenceForm(), answer("ja", intent="affirm", requested="absence_details"), domain)

    assert outcome.slots()["absence_details"] is None


def reported(reason="sick", details=NO_DETAILS):
    return make_tracker(
        "0",
        "nlu_fallback",
        slots={"appointment_id": "12", "absence_reason": reason, "absence_details": details},
    )


def test_absence_is_posted_and_the_klantmanager_will_decide(case_api, domain):
    case_api.on(
        "POST",
        "attendance",
        {
            "appointmentId": 12,
            "kind": "voortgangsgesprek",
            "startsAt": STARTS_AT,
            "status": "absence_reported",
            "late": False,
        },
    )

    outcome = run(ActionReportAbsence(), reported(), domain)

    [request] = case_api.sent("POST", "attendance")
    assert request.body == {
        "appointmentId": 12,
        "action": "report_absence",
        "reason": "sick",
        "details": None,
        "checkInCode": None,
    }
    message = outcome.message("utter_absence_recorded")
    assert (message["kind"], message["starts_at"], message["reason"]) == (
        "voortgangsgesprek",
        STARTS_AT,
        "sick",
    )


def test_details_are_sent_along(case_api, domain):
    case_api.on(
        "POST", "attendance", {"appointmentId": 12, "kind": "x", "startsAt": STARTS_AT, "late": False}
    )

    run(ActionReportAbsence(), reported("transport", "de trein reed niet"), domain)

    assert case_api.sent("POST", "attendance")[0].body["details"] == "de trein reed niet"


def test_a_late_report_gets_the_late_reply(case_api, domain):
    case_api.on(
        "POST",
        "attendance",
        {
            "appointmentId": 12,
            "kind": "voortgangsgesprek",
            "startsAt": STARTS_AT,
            "status": "absence_reported",
            "late": True,
        },
    )

    assert run(ActionReportAbsence(), reported(), domain).responses == ["utter_absence_recorded_late"]


def test_reporting_with_the_api_down(api_down, domain):
    outcome = run(ActionReportAbsence(), reported(), domain)

    assert outcome.responses == ["utter_api_unavailable"]
    assert outcome.slots()["absence_reason"] is None


def test_the_reason_menu_in_messages_matches_the_bots_numbering(messages):
    lines = [
        line for line in messages.RESPONSES["utter_ask_absence_reason"].splitlines() if line[:1].isdigit()
    ]

    assert [int(line.split(" ", 1)[0]) for line in lines] == list(range(1, len(REASON_MENU) + 1))


def _listing(upcoming: list[int], recent: list[int]) -> dict:
    def item(n: int) -> dict:
        return {"id": n, "kind": "knm_les", "startsAt": STARTS_AT, "location": "x", "staffName": None}

    return {
        "contextAppointmentId": None,
        "appointments": [item(n) for n in upcoming],
        "recent": [item(n) for n in recent],
    }


def _opening(text: str):
    return make_tracker(text, "report_absence", after="action_deactivate_loop", form="absence_form")


@pytest.mark.parametrize(
    "text",
    [
        "ik was gisteren ziek",
        "I missed the class yesterday",
        "كنت مريض امس",
        "dün hastaydım",
        "ana kont ta3ban ams",
        "tmali hmum neyre",
    ],
    ids=["nl", "en", "ar", "tr", "arabizi", "ti-latin"],
)
def test_an_absence_told_afterwards_is_about_the_appointment_that_has_been(case_api, domain, text):
    case_api.on("GET", "appointments", _listing(upcoming=[40], recent=[31, 30]))

    assert run(ValidateAbsenceForm(), _opening(text), domain).slots()["appointment_id"] == "31"


def test_an_absence_for_now_is_about_the_next_appointment_not_the_past_one(case_api, domain):
    case_api.on("GET", "appointments", _listing(upcoming=[40], recent=[31]))

    assert run(ValidateAbsenceForm(), _opening("ik ben ziek, ik kan niet komen"), domain).slots()["appointment_id"] == "40"


def test_with_nothing_ahead_a_recent_appointment_is_used_instead_of_no_appointment(case_api, domain):
    case_api.on("GET", "appointments", _listing(upcoming=[], recent=[31]))

    outcome = run(ValidateAbsenceForm(), _opening("ik was ziek"), domain)

    assert outcome.slots()["appointment_id"] == "31"
    assert "utter_no_appointment" not in outcome.responses
