"""Session start: profile into slots, sticky language, and Rasa's session protocol kept intact."""

from __future__ import annotations

from actions.session import ActionSessionStart
from support import make_tracker, run

PROFILE = {
    "inburgeraarId": 12,
    "name": "Amina",
    "language": "ar",
    "law": "wi2021",
    "pipDate": "2026-01-10",
    "termEndsOn": "2029-01-11",
    "leerroute": "b1",
    "pvtHoursDone": 4,
    "pvtHoursRequired": 12,
    "mapStatus": "in_progress",
    "klantmanager": None,
    "municipalityPhone": "14 020",
    "optedOut": False,
}


def session_tracker(slots=None, metadata=None):
    slots = dict(slots or {})
    if metadata is not None:
        slots["session_started_metadata"] = metadata
    return make_tracker("hallo", "greet", slots=slots)


def test_session_starts_with_profile_language_and_law_and_ends_listening(case_api, domain):
    case_api.on("GET", "profile", PROFILE)

    outcome = run(ActionSessionStart(), session_tracker(metadata={"language": "nl"}), domain)

    kinds = [e["event"] for e in outcome.events]
    assert kinds[0] == "session_started" and set(kinds[1:-1]) == {"slot"}
    assert (outcome.events[-1]["event"], outcome.events[-1]["name"]) == ("action", "action_listen")
    slots = outcome.slots()
    assert (slots["language"], slots["law"], slots["inburgeraar_id"]) == ("ar", "wi2021", 12)
    assert slots["session_started_metadata"] == {"language": "nl"}
    assert outcome.messages == []


def test_language_chosen_last_session_survives_an_api_outage(api_down, domain):
    outcome = run(ActionSessionStart(), session_tracker({"language": "ti"}, {"language": "nl"}), domain)

    assert outcome.slots()["language"] == "ti"
    assert outcome.events[-1]["name"] == "action_listen"


def test_without_api_or_history_the_gateways_language_is_used(api_down, domain):
    outcome = run(
        ActionSessionStart(), session_tracker(metadata={"language": "so", "inburgeraarId": 12}), domain
    )

    assert outcome.slots()["language"] == "so"
    assert outcome.slots()["inburgeraar_id"] == 12


def test_half_finished_flows_are_not_carried_into_a_new_session(case_api, domain):
    case_api.on("GET", "profile", PROFILE)
    stale = {
        "appointment_id": "7",
        "absence_reason": "sick",
        "requested_slot": "absence_details",
        "law": "wi2013",
    }

    slots = run(ActionSessionStart(), session_tracker(stale), domain).slots()

    assert "appointment_id" not in slots and "absence_reason" not in slots and "requested_slot" not in slots
    assert slots["law"] == "wi2021"  # carried, then refreshed from the profile


def test_unknown_profile_language_falls_back_to_dutch(case_api, domain):
    case_api.on("GET", "profile", {**PROFILE, "language": "xx"})

    assert run(ActionSessionStart(), session_tracker(), domain).slots()["language"] == "nl"
