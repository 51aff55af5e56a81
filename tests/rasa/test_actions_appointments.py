"""Appointments: which one the person means, the numbered choice, and confirm / reschedule / check-in."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from actions import appointments
from actions.appointments import (
    ActionAskAppointmentId,
    ActionAskReadback,
    ActionCheckIn,
    ActionConfirmAttendance,
    ActionNextAppointment,
    ActionRequestReschedule,
    ValidateCheckinForm,
    ValidateConfirmForm,
    ValidateRescheduleForm,
    resolve_appointment,
)
from support import bot_event, entity, make_tracker, run

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def appointment(id_, starts_at, kind="voortgangsgesprek", staff="Sanne de Vries"):
    return {
        "id": id_,
        "kind": kind,
        "startsAt": starts_at,
        "endsAt": None,
        "location": "Stadhuis, kamer 2",
        "staffName": staff,
        "attendanceStatus": "pending",
    }


SOON = appointment(12, "2026-03-04T14:00:00+01:00")
LATER = appointment(13, "2026-03-25T10:00:00+01:00", kind="pvt_bijeenkomst", staff=None)
ALSO_SOON = appointment(14, "2026-03-06T10:00:00+01:00", kind="map_activiteit")


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setattr(appointments, "utcnow", lambda: NOW)


# --- which appointment ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("listing", "expected"),
    [
        ({"contextAppointmentId": 13, "appointments": [SOON, LATER]}, 13),
        ({"contextAppointmentId": None, "appointments": [LATER]}, 13),
        ({"contextAppointmentId": None, "appointments": [SOON, LATER]}, 12),
        ({"contextAppointmentId": None, "appointments": [SOON, ALSO_SOON, LATER]}, None),
        (
            {
                "contextAppointmentId": None,
                "appointments": [LATER, appointment(15, "2026-04-01T10:00:00+02:00")],
            },
            None,
        ),
        ({"contextAppointmentId": 99, "appointments": [SOON, ALSO_SOON]}, None),
        (
            {"contextAppointmentId": None, "appointments": [appointment(16, "2026-03-03T13:00:00Z"), LATER]},
            16,
        ),
    ],
    ids=[
        "latest-reminder-wins",
        "only-upcoming",
        "only-one-within-14-days",
        "two-within-14-days",
        "none-within-14-days",
        "stale-context-is-ignored",
        "utc-z-suffix",
    ],
)
def test_the_appointment_meant_without_saying(listing, expected):
    chosen = resolve_appointment(listing, NOW)
    assert (chosen["id"] if chosen else None) == expected


def opening(text, intent, entities=None, form="confirm_form"):
    return make_tracker(text, intent, entities=entities, after="action_deactivate_loop", form=form)


def test_a_gateway_shortcut_names_the_appointment_without_asking_the_api(case_api, domain):
    tracker = opening(
        '/confirm_attendance{"appointment_id": "12"}', "confirm_attendance", [entity("appointment_id", "12")]
    )

    outcome = run(ValidateConfirmForm(), tracker, domain)

    assert outcome.slots()["appointment_id"] == "12"
    assert case_api.requests == []


def test_an_appointment_id_in_typed_text_is_not_trusted(case_api, domain):
    case_api.on("GET", "appointments", {"contextAppointmentId": None, "appointments": [SOON, ALSO_SOON]})
    tracker = opening("confirm appointment 99", "confirm_attendance", [entity("appointment_id", "99")])

    outcome = run(ValidateConfirmForm(), tracker, domain)

    assert outcome.slots()["appointment_id"] is None  # ambiguous: the form will ask


def test_the_latest_reminders_appointment_is_used(case_api, domain):
    case_api.on("GET", "appointments", {"contextAppointmentId": 14, "appointments": [SOON, ALSO_SOON]})

    outcome = run(ValidateConfirmForm(), opening("ik kom", "confirm_attendance"), domain)

    assert outcome.slots()["appointment_id"] == "14"


def test_with_nothing_upcoming_the_form_ends_with_no_appointment(case_api, domain):
    case_api.on("GET", "appointments", {"contextAppointmentId": None, "appointments": []})

    outcome = run(ValidateConfirmForm(), opening("ik kom", "confirm_attendance"), domain)

    assert outcome.responses == ["utter_no_appointment"]
    assert outcome.slots()["requested_slot"] is None and outcome.slots()["appointment_id"] is None


def test_with_the_api_down_the_form_ends_with_api_unavailable(api_down, domain):
    outcome = run(ValidateConfirmForm(), opening("ik kom", "confirm_attendance"), domain)

    assert outcome.responses == ["utter_api_unavailable"]
    assert outcome.slots()["requested_slot"] is None


def test_ambiguous_appointments_are_listed_with_numbers(case_api, domain):
    case_api.on("GET", "appointments", {"contextAppointmentId": None, "appointments": [SOON, ALSO_SOON]})

    outcome = run(ActionAskAppointmentId(), make_tracker("ik kan niet komen", "report_absence"), domain)

    listed = json.loads(outcome.message("utter_ask_which_appointment")["appointment_list"])
    assert listed == [
        {"n": 1, "kind": "voortgangsgesprek", "starts_at": SOON["startsAt"]},
        {"n": 2, "kind": "map_activiteit", "starts_at": ALSO_SOON["startsAt"]},
    ]
    assert outcome.slots()["appointment_choices"] == ["12", "14"]


def test_the_list_is_not_repeated_forever(case_api, domain):
    case_api.on("GET", "appointments", {"contextAppointmentId": None, "appointments": [SOON, ALSO_SOON]})
    asked_three_times = [{"event": "active_loop", "name": "absence_form"}] + [
        bot_event("utter_ask_which_appointment")
    ] * 3

    outcome = run(
        ActionAskAppointmentId(), make_tracker("wat is het PIP", "ask_pip", history=asked_three_times), domain
    )

    assert outcome.messages == []
    kinds = {e["event"] for e in outcome.events}
    assert {"active_loop", "followup"} <= kinds


def choice(text, choices=("12", "14")):
    return make_tracker(
        text,
        "nlu_fallback",
        form="confirm_form",
        active_loop="confirm_form",
        slots={"requested_slot": "appointment_id", "appointment_choices": list(choices)},
    )


@pytest.mark.parametrize(
    ("text", "expected"), [("1", "12"), ("2", "14"), ("٢", "14")], ids=["first", "second", "arabic-indic-two"]
)
def test_a_digit_picks_from_the_list(text, expected, domain):
    assert run(ValidateConfirmForm(), choice(text), domain).slots()["appointment_id"] == expected


@pytest.mark.parametrize("text", ["3", "0", "de eerste"])
def test_anything_but_a_listed_number_is_left_to_the_rules(text, domain):
    assert "appointment_id" not in run(ValidateConfirmForm(), choice(text), domain).slots()


# --- reading back before recording -----------------------------------------------------------------


def test_a_typed_confirmation_is_read_back_before_anything_is_recorded(case_api, domain):
    case_api.on("GET", "appointments", {"contextAppointmentId": 14, "appointments": [SOON, ALSO_SOON]})

    slots = run(ValidateConfirmForm(), opening("kan zijn", "confirm_attendance"), domain).slots()

    assert slots["appointment_id"] == "14" and slots["readback"] is None  # the form asks next
    assert case_api.sent("POST", "attendance") == []


def test_the_reminders_menu_answer_needs_no_readback(case_api, domain):
    tracker = opening(
        '/confirm_attendance{"appointment_id": "12"}', "confirm_attendance", [entity("appointment_id", "12")]
    )

    assert run(ValidateConfirmForm(), tracker, domain).slots()["readback"] == "yes"


def answering_readback(text, intent, form="confirm_form"):
    return make_tracker(
        text,
        intent,
        form=form,
        active_loop=form,
        slots={"requested_slot": "readback", "appointment_id": "12"},
    )


@pytest.mark.parametrize(
    ("text", "intent", "expected"),
    [("ja", "affirm", "yes"), ("nee", "deny", "no"), ("ja hoor", "affirm", "yes")],
    ids=["yes", "no", "yes-in-words"],
)
@pytest.mark.parametrize(
    "validator", [ValidateConfirmForm, ValidateRescheduleForm], ids=["confirm", "reschedule"]
)
def test_yes_or_no_answers_the_readback(validator, text, intent, expected, domain):
    form = "confirm_form" if validator is ValidateConfirmForm else "reschedule_form"
    assert run(validator(), answering_readback(text, intent, form), domain).slots()["readback"] == expected


def test_anything_but_yes_or_no_is_left_to_the_rules_and_the_question_comes_back(domain):
    assert (
        "readback"
        not in run(ValidateConfirmForm(), answering_readback("wat is pvt", "ask_pvt"), domain).slots()
    )


@pytest.mark.parametrize(
    ("form", "response"),
    [("confirm_form", "utter_readback_confirm"), ("reschedule_form", "utter_readback_reschedule")],
)
def test_the_readback_names_the_chosen_appointment(case_api, domain, form, response):
    case_api.on("GET", "appointments", {"contextAppointmentId": None, "appointments": [SOON, ALSO_SOON]})
    tracker = make_tracker("kan zijn", "confirm_attendance", active_loop=form, slots={"appointment_id": "14"})

    outcome = run(ActionAskReadback(), tracker, domain)

    message = outcome.message(response)
    assert (message["kind"], message["starts_at"]) == ("map_activiteit", ALSO_SOON["startsAt"])


@pytest.mark.parametrize("action", [ActionConfirmAttendance, ActionRequestReschedule])
def test_no_to_the_readback_records_nothing_and_says_so(case_api, domain, action):
    outcome = run(action(), attended(readback="no"), domain)

    assert outcome.responses == ["utter_nothing_changed"]
    assert case_api.sent("POST", "attendance") == []
    assert outcome.slots()["readback"] is None and outcome.slots()["appointment_id"] is None


# --- next appointment -----------------------------------------------------------------------------


def test_next_appointment_gives_kind_time_place_and_staff(case_api, domain):
    case_api.on("GET", "appointments", {"contextAppointmentId": None, "appointments": [SOON, LATER]})

    outcome = run(
        ActionNextAppointment(), make_tracker("wanneer is mijn afspraak", "ask_next_appointment"), domain
    )

    message = outcome.message("utter_next_appointment")
    assert (message["kind"], message["starts_at"], message["location"], message["staff"]) == (
        "voortgangsgesprek",
        SOON["startsAt"],
        "Stadhuis, kamer 2",
        "Sanne de Vries",
    )


def test_next_appointment_without_staff_uses_its_own_reply(case_api, domain):
    case_api.on("GET", "appointments", {"contextAppointmentId": None, "appointments": [LATER]})

    outcome = run(ActionNextAppointment(), make_tracker("afspraak?", "ask_next_appointment"), domain)

    assert outcome.responses == ["utter_next_appointment_no_staff"]


def test_no_upcoming_appointment(case_api, domain):
    case_api.on("GET", "appointments", {"contextAppointmentId": None, "appointments": []})

    outcome = run(ActionNextAppointment(), make_tracker("afspraak?", "ask_next_appointment"), domain)

    assert outcome.responses == ["utter_no_appointment"]


def test_next_appointment_with_the_api_down(api_down, domain):
    outcome = run(ActionNextAppointment(), make_tracker("afspraak?", "ask_next_appointment"), domain)

    assert outcome.responses == ["utter_api_unavailable"]


# --- confirm, reschedule, check in ------------------------------------------------------------------


def attended(appointment_id="12", readback="yes", **slots):
    slots = {"appointment_id": appointment_id, "readback": readback, **slots}
    return make_tracker("...", "nlu_fallback", slots=slots)


def posted(case_api):
    [request] = case_api.sent("POST", "attendance")
    return request.body


def test_confirming_posts_and_thanks(case_api, domain):
    case_api.on(
        "POST",
        "attendance",
        {
            "appointmentId": 12,
            "kind": "voortgangsgesprek",
            "startsAt": SOON["startsAt"],
            "status": "confirmed",
            "late": False,
        },
    )

    outcome = run(ActionConfirmAttendance(), attended(), domain)

    assert posted(case_api)["action"] == "confirm" and posted(case_api)["appointmentId"] == 12
    assert outcome.message("utter_attendance_confirmed")["starts_at"] == SOON["startsAt"]
    assert outcome.slots()["appointment_id"] is None  # the flow is done


@pytest.mark.parametrize(
    ("status", "code", "response"),
    [
        (409, "cancelled", "utter_appointment_cancelled"),
        (409, "already_past", "utter_appointment_past"),
        (404, None, "utter_appointment_not_found"),
        (400, None, "utter_api_unavailable"),
    ],
)
def test_refusals_get_a_reply_that_says_why(status, code, response, case_api, domain):
    case_api.on("POST", "attendance", {"status": status, "code": code}, status=status)

    assert run(ActionConfirmAttendance(), attended(), domain).responses == [response]


def test_confirming_with_the_api_down(api_down, domain):
    assert run(ActionConfirmAttendance(), attended(), domain).responses == ["utter_api_unavailable"]


def test_without_an_appointment_the_submit_stays_silent(case_api, domain):
    """The form's validator has already said there is no appointment."""
    outcome = run(ActionConfirmAttendance(), attended(appointment_id=None), domain)

    assert outcome.messages == [] and case_api.requests == []


def test_reschedule_request_is_posted_and_the_klantmanager_will_propose(case_api, domain):
    case_api.on(
        "POST",
        "attendance",
        {
            "appointmentId": 12,
            "kind": "voortgangsgesprek",
            "startsAt": SOON["startsAt"],
            "status": "reschedule_requested",
        },
    )

    outcome = run(ActionRequestReschedule(), attended(), domain)

    assert posted(case_api)["action"] == "request_reschedule"
    assert outcome.responses == ["utter_reschedule_requested"]


def test_check_in_code_in_the_opening_message(case_api, domain):
    case_api.on("GET", "appointments", {"contextAppointmentId": 12, "appointments": [SOON]})
    tracker = opening("ik ben er, code ٤٨٢١", "check_in", form="checkin_form")

    slots = run(ValidateCheckinForm(), tracker, domain).slots()

    assert (slots["appointment_id"], slots["checkin_code"]) == ("12", "4821")


@pytest.mark.parametrize(("text", "code"), [("4821", "4821"), ("de code is 0042.", "0042"), ("12345", None)])
def test_check_in_code_answer(text, code, domain):
    tracker = make_tracker(
        text,
        "nlu_fallback",
        form="checkin_form",
        active_loop="checkin_form",
        slots={"requested_slot": "checkin_code", "appointment_id": "12"},
    )

    assert run(ValidateCheckinForm(), tracker, domain).slots().get("checkin_code") == code


def test_check_in_posts_the_code(case_api, domain):
    case_api.on(
        "POST",
        "attendance",
        {
            "appointmentId": 12,
            "kind": "voortgangsgesprek",
            "startsAt": SOON["startsAt"],
            "status": "checked_in",
        },
    )

    outcome = run(ActionCheckIn(), attended(checkin_code="4821"), domain)

    assert posted(case_api)["checkInCode"] == "4821"
    assert outcome.responses == ["utter_checked_in"]


def test_a_wrong_code_asks_again_for_the_same_appointment(case_api, domain):
    case_api.on("POST", "attendance", {"status": 409, "code": "wrong_code"}, status=409)

    outcome = run(ActionCheckIn(), attended(checkin_code="1111"), domain)

    assert outcome.responses == ["utter_checkin_wrong_code"]
    assert outcome.slots() == {"checkin_code": None}
    assert {"event": "followup", "name": "checkin_form"}.items() <= outcome.events[-1].items()


def test_too_many_wrong_codes_end_the_check_in_and_say_where_to_go(case_api, domain):
    case_api.on("POST", "attendance", {"status": 429, "code": "too_many_attempts"}, status=429)

    outcome = run(ActionCheckIn(), attended(checkin_code="1111"), domain)

    assert outcome.responses == ["utter_checkin_too_many_attempts"]
    assert outcome.slots()["checkin_code"] is None  # the form is not asked again
    assert not any(event.get("event") == "followup" for event in outcome.events)


def test_the_reopened_check_in_form_does_not_reuse_the_wrong_code(domain):
    tracker = make_tracker(
        "1111", "nlu_fallback", after="action_check_in", form="checkin_form", slots={"appointment_id": "12"}
    )

    slots = run(ValidateCheckinForm(), tracker, domain).slots()

    assert slots.get("checkin_code") is None and slots.get("appointment_id", "12") == "12"


def test_too_early_to_check_in(case_api, domain):
    case_api.on("POST", "attendance", {"status": 409, "code": "too_early"}, status=409)

    assert run(ActionCheckIn(), attended(checkin_code="4821"), domain).responses == [
        "utter_checkin_too_early"
    ]
