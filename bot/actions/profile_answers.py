"""Answers from the person's own file: term deadline, progress, and who to contact."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.case_api import CaseApi, CaseApiError, CaseApiUnavailable


async def fetch_profile(dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any] | None:
    """GET the profile fresh (the file may have changed since the session started), or say the API is down."""
    try:
        return await CaseApi(tracker.sender_id).profile()
    except (CaseApiUnavailable, CaseApiError):
        dispatcher.utter_message(response="utter_api_unavailable")
        return None


class ActionTermDeadline(Action):
    """When does my integration term end? Only the file's date, and only under the Wi2021; Wi2013 people
    are sent to DUO's letter, people whose law is unknown to their klantmanager or Mijn Inburgering."""

    def name(self) -> str:
        return "action_term_deadline"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        profile = await fetch_profile(dispatcher, tracker)
        if profile is None:
            return []
        if profile.get("law") == "wi2013":
            dispatcher.utter_message(response="utter_term_wi2013")
        elif profile.get("law") not in ("wi2021", None):
            # No start date in the file: which law applies is not known, so no date is given.
            dispatcher.utter_message(response="utter_term_unknown")
        elif profile.get("termEndsOn"):
            dispatcher.utter_message(response="utter_term_deadline", date=profile["termEndsOn"])
        elif not profile.get("pipDate"):
            dispatcher.utter_message(response="utter_term_no_pip")
        else:
            # A PIP but no end date in the file: we do not calculate one ourselves.
            dispatcher.utter_message(response="utter_term_unknown")
        return []


class ActionProgress(Action):
    """How far am I? Learning route, PVT hours and MAP status from the file."""

    def name(self) -> str:
        return "action_progress"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        profile = await fetch_profile(dispatcher, tracker)
        if profile is None:
            return []
        hours = {
            "pvt_hours_done": profile.get("pvtHoursDone") or 0,
            "pvt_hours_required": profile.get("pvtHoursRequired") or 12,
        }
        if profile.get("law") == "wi2013":
            dispatcher.utter_message(response="utter_progress_wi2013")
        elif not profile.get("leerroute"):
            dispatcher.utter_message(response="utter_progress_no_route", **hours)
        else:
            dispatcher.utter_message(
                response="utter_progress",
                leerroute=profile["leerroute"],
                map_status=profile.get("mapStatus") or "not_started",
                **hours,
            )
        return []


class ActionContact(Action):
    """Who is my klantmanager and how do I reach the municipality?"""

    def name(self) -> str:
        return "action_contact"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        profile = await fetch_profile(dispatcher, tracker)
        if profile is None:
            return []
        klantmanager = profile.get("klantmanager") or {}
        municipality_phone = profile.get("municipalityPhone")
        if klantmanager.get("name") and klantmanager.get("phone"):
            dispatcher.utter_message(
                response="utter_contact",
                klantmanager_name=klantmanager["name"],
                klantmanager_phone=klantmanager["phone"],
                municipality_phone=municipality_phone or "",
            )
        elif municipality_phone and klantmanager.get("name"):
            dispatcher.utter_message(
                response="utter_contact_no_phone",
                klantmanager_name=klantmanager["name"],
                municipality_phone=municipality_phone,
            )
        elif municipality_phone:
            dispatcher.utter_message(
                response="utter_contact_municipality", municipality_phone=municipality_phone
            )
        else:
            dispatcher.utter_message(response="utter_contact_unknown")
        return []
