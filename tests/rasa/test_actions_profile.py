"""Answers from the person's own file: term deadline, progress and contact."""

from __future__ import annotations

import pytest

from actions.profile_answers import ActionContact, ActionProgress, ActionTermDeadline
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
    "klantmanager": {"name": "Sanne de Vries", "phone": "06 1234 5678", "email": "s@x"},
    "municipalityPhone": "14 020",
    "optedOut": False,
}


@pytest.fixture
def ask(case_api, domain):
    """Run an action against a profile that differs from PROFILE in the given fields."""

    def asking(action, **profile):
        case_api.on("GET", "profile", {**PROFILE, **profile})
        return run(action, make_tracker("vraag", "ask_term_deadline"), domain)

    return asking


@pytest.mark.parametrize(
    ("profile", "response"),
    [
        ({}, "utter_term_deadline"),
        ({"pipDate": None, "termEndsOn": None}, "utter_term_no_pip"),
        ({"law": "wi2013"}, "utter_term_wi2013"),
        ({"law": "unknown"}, "utter_term_unknown"),
        ({"termEndsOn": None}, "utter_term_unknown"),
    ],
    ids=["term-end-date", "no-pip-yet", "old-law", "law-unknown", "pip-without-end-date"],
)
def test_term_deadline(profile, response, ask):
    assert ask(ActionTermDeadline(), **profile).responses == [response]


def test_term_deadline_passes_the_date_for_the_api_to_format(ask):
    assert ask(ActionTermDeadline()).message("utter_term_deadline")["date"] == "2029-01-11"


def test_progress_gives_route_pvt_hours_and_map_status(ask):
    message = ask(ActionProgress()).message("utter_progress")

    assert (
        message["leerroute"],
        message["pvt_hours_done"],
        message["pvt_hours_required"],
        message["map_status"],
    ) == ("b1", 4, 12, "in_progress")


@pytest.mark.parametrize(
    ("profile", "response"),
    [({"leerroute": None}, "utter_progress_no_route"), ({"law": "wi2013"}, "utter_progress_wi2013")],
)
def test_progress_without_a_route_or_under_the_old_law(profile, response, ask):
    assert ask(ActionProgress(), **profile).responses == [response]


def test_contact_gives_the_klantmanager_and_the_municipality(ask):
    message = ask(ActionContact()).message("utter_contact")

    assert (message["klantmanager_name"], message["klantmanager_phone"], message["municipality_phone"]) == (
        "Sanne de Vries",
        "06 1234 5678",
        "14 020",
    )


@pytest.mark.parametrize(
    ("profile", "response"),
    [
        ({"klantmanager": {"name": "Sanne", "phone": None, "email": None}}, "utter_contact_no_phone"),
        ({"klantmanager": None}, "utter_contact_municipality"),
        ({"klantmanager": None, "municipalityPhone": None}, "utter_contact_unknown"),
    ],
)
def test_contact_variants(profile, response, ask):
    assert ask(ActionContact(), **profile).responses == [response]


@pytest.mark.parametrize(
    "action", [ActionTermDeadline(), ActionProgress(), ActionContact()], ids=["term", "progress", "contact"]
)
def test_with_the_api_down_every_file_answer_says_so(action, api_down, domain):
    assert run(action, make_tracker("vraag", "ask_progress"), domain).responses == ["utter_api_unavailable"]
