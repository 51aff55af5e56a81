"""Reporting an absence: the reason (a menu digit, an entity, or free text in any script), optional
details, then POST /attendance. The reply never says the absence is excused; the klantmanager decides."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import conversation
from actions.appointments import AppointmentFormValidation, AttendanceAction

# Menu order of utter_ask_absence_reason (api/bot_endpoints/messages.py): the digit picks the code at that
# position.
REASON_MENU = (
    "sick",
    "child_sick",
    "work",
    "job_interview",
    "medical_appointment",
    "exam_or_school",
    "transport",
    "family_emergency",
    "religious_holiday",
    "other",
)
REASON_CODES = frozenset(REASON_MENU)
# Stands for "nothing to add" in the details slot, which a form cannot leave empty.
NO_DETAILS = "-"
SKIP_WORDS = frozenset({"-", "nee", "no", "geen", "niets", "skip"})
MAX_DETAILS = 1000  # the API's limit
# Exactly nine digits looks like a BSN, which must never travel through chat into the file.
_BSN_LIKE = re.compile(r"(?<!\d)\d{9}(?!\d)")


# Words that put the absence in the past ("I was sick yesterday", "I missed it"), per language and as people
# type them (Arabizi, Finglish, Turkish without ı/ş). Only clear markers: "was" alone is not one.
PAST_MARKERS = frozenset(
    {
        # nl
        "gisteren", "eergisteren", "gemist", "vorige", "afgelopen", "vanochtend", "vanmorgen",
        # en
        "yesterday", "missed", "last",
        # ar
        "امس", "أمس", "مبارح", "البارحه", "البارحة", "فاتني", "فاتتني", "ams", "mbare7", "mbareh", "embare7",
        # fa, fa_AF
        "دیروز", "دیشب", "پریروز", "diroz", "dirooz", "diruz",
        # tr
        "dün", "dun", "kaçırdım", "kacirdim", "gelemedim", "gidemedim", "geçen", "gecen",
        # so
        "shalay", "doraad", "seegay",
        # ps
        "پرون", "parun", "paroon",
        # ku
        "duh", "doh", "pêr", "nehatim",
        # ti (and in Latin letters)
        "ትማሊ", "ቅድሚ ትማሊ", "tmali", "temali",
    }
)  # fmt: skip
_WORDS = re.compile(r"\w+")


def speaks_of_the_past(text: str) -> bool:
    """True when the message says the appointment has been (yesterday, missed, last week ...)."""
    lowered = text.lower()
    return any(word in PAST_MARKERS for word in _WORDS.findall(lowered)) or "ቅድሚ ትማሊ" in lowered


def latest_recent(listing: dict[str, Any]) -> dict[str, Any] | None:
    """The most recent appointment that has been (the API lists the last week's, latest first)."""
    recent = listing.get("recent") or []
    return recent[0] if recent else None


def reason_from_entities(tracker: Tracker) -> str | None:
    for value in conversation.entity_values(tracker, "absence_reason"):
        code = value.strip().lower()
        if code in REASON_CODES:
            return code
    return None


class ValidateAbsenceForm(AppointmentFormValidation):
    """Fills the absence form: appointment, reason, details."""

    def name(self) -> str:
        return "validate_absence_form"

    def _past_appointment(self, tracker: Tracker, listing: dict[str, Any]) -> str | None:
        """ "I was sick yesterday" is a late report on the appointment that has been, never on the next one.

        With no upcoming appointment, a recent past one is the only one it can be about.
        """
        past = latest_recent(listing)
        if past is None:
            return None
        if speaks_of_the_past(conversation.latest_text(tracker)) or not listing.get("appointments"):
            return str(past["id"])
        return None

    async def extract_absence_reason(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if conversation.is_opening(tracker):
            # "My child is sick, I can't come" gives the reason at once; otherwise the form asks.
            return {"absence_reason": reason_from_entities(tracker)}
        if not self._answering(tracker, "absence_reason"):
            return {}
        # A lone digit is a menu answer whatever intent NLU gives it ("1" can look like anything).
        number = conversation.parse_choice(conversation.latest_text(tracker), len(REASON_MENU))
        if number:
            return {"absence_reason": REASON_MENU[number - 1]}
        code = reason_from_entities(tracker)
        if code:
            return {"absence_reason": code}
        if not self._free_text_answer(tracker):
            return {}
        # Free text we cannot map still reports the absence; the person can explain in the next step.
        return {"absence_reason": "other"}

    async def extract_absence_details(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if conversation.is_opening(tracker):
            return {"absence_details": None}
        if not self._answering(tracker, "absence_details"):
            return {}
        text = conversation.latest_text(tracker).strip()
        intent = conversation.latest_intent(tracker)
        if conversation.is_zero(text) or text.lower() in SKIP_WORDS or intent == "deny":
            return {"absence_details": NO_DETAILS}
        if not self._free_text_answer(tracker):
            return {}
        if intent == "affirm" and conversation.word_count(text) <= 2:
            # "Yes" without the explanation itself: ask again rather than store "yes".
            return {"absence_details": None}
        return {"absence_details": _BSN_LIKE.sub("*********", text)[:MAX_DETAILS]}

    @staticmethod
    def _answering(tracker: Tracker, slot: str) -> bool:
        """True when the latest message may answer the question for `slot` (a gateway shortcut never does)."""
        return tracker.get_slot("requested_slot") == slot and not conversation.is_trusted_shortcut(tracker)

    @staticmethod
    def _free_text_answer(tracker: Tracker) -> bool:
        """Free text answers the question unless the person clearly asks for something else."""
        answered = bool(conversation.latest_text(tracker).strip())
        return answered and not conversation.asks_something_else(tracker)

    def validate_absence_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:
            return {"absence_reason": None}
        return {"absence_reason": value if value in REASON_CODES else "other"}

    def validate_absence_details(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"absence_details": value if isinstance(value, str) and value.strip() else None}


class ActionReportAbsence(AttendanceAction):
    """Reports the absence and says the klantmanager is informed and will decide."""

    action = "report_absence"

    def name(self) -> str:
        return "action_report_absence"

    def payload(self, tracker: Tracker) -> dict[str, Any]:
        details = tracker.get_slot("absence_details")
        return {
            "reason": tracker.get_slot("absence_reason") or "other",
            "details": None if details in (None, NO_DETAILS) else details,
        }

    def answer(self, result: dict[str, Any], dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        response = "utter_absence_recorded_late" if result.get("late") else "utter_absence_recorded"
        dispatcher.utter_message(
            response=response,
            kind=result.get("kind"),
            starts_at=result.get("startsAt"),
            reason=tracker.get_slot("absence_reason") or "other",
        )
