"""Appointments: the next one, which one the person means, and confirm / reschedule / check-in.

Which appointment a message is about, in order: the gateway's trusted shortcut (`appointment_id`), the
API's `contextAppointmentId` (latest reminder), the only upcoming one or the only one in the next 14 days.
Otherwise the form asks, with a numbered list, and the person answers with a digit.
"""

from __future__ import annotations

import json
import logging
from abc import ABC, abstractmethod
from datetime import datetime, timedelta, timezone
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions import conversation
from actions.case_api import CaseApi, CaseApiError, CaseApiUnavailable
from actions.questions import MAX_ASKS, let_go, times_asked

logger = logging.getLogger(__name__)

HORIZON = timedelta(days=14)
MAX_CHOICES = 9  # one digit per line keeps the SMS short and the answer unambiguous
# Sentinels the extractor hands to the validator, which answers and ends the form.
NO_APPOINTMENT = "none"
API_DOWN = "unavailable"
FLOW_SLOTS = (
    "appointment_id",
    "appointment_choices",
    "absence_reason",
    "absence_details",
    "checkin_code",
    "readback",
)
YES, NO = "yes", "no"

# Replies for the API's refusals (409 and 429 codes, 404), per docs/bot-contract.md.
REFUSALS = {
    "cancelled": "utter_appointment_cancelled",
    "already_past": "utter_appointment_past",
    "too_early": "utter_checkin_too_early",
    "wrong_code": "utter_checkin_wrong_code",
    "too_many_attempts": "utter_checkin_too_many_attempts",  # 429: wrong codes are rate-limited
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def starts_at(appointment: dict[str, Any]) -> datetime | None:
    """The appointment's start as an aware datetime (Python 3.10 parses neither "Z" nor missing offsets)."""
    try:
        value = datetime.fromisoformat(str(appointment.get("startsAt")).replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def resolve_appointment(listing: dict[str, Any], now: datetime) -> dict[str, Any] | None:
    """The appointment a message is about when the person did not say, or None if it is not clear.

    Args:
        listing: The API's GET /appointments answer (upcoming, soonest first).
        now: The current time (aware).

    Returns:
        The context appointment, else the only upcoming one, else the only one within 14 days.
    """
    items = listing.get("appointments") or []
    context_id = listing.get("contextAppointmentId")
    if context_id is not None:
        for item in items:
            if str(item.get("id")) == str(context_id):
                return item
    if len(items) == 1:
        return items[0]
    soon = [item for item in items if (start := starts_at(item)) is not None and start - now <= HORIZON]
    return soon[0] if len(soon) == 1 else None


def trusted_appointment_id(tracker: Tracker) -> str | None:
    """The appointment id of a gateway shortcut; never taken from text a person typed."""
    if not conversation.is_trusted_shortcut(tracker):
        return None
    values = conversation.entity_values(tracker, "appointment_id")
    return values[0] if values and values[0].isdigit() else None


def refusal_response(error: CaseApiError) -> str:
    if error.status == 404:
        return "utter_appointment_not_found"
    return REFUSALS.get(error.code or "", "utter_api_unavailable")


def reset_flow() -> list[EventType]:
    return [SlotSet(name, None) for name in FLOW_SLOTS]


class AppointmentFormValidation(FormValidationAction):
    """Fills `appointment_id` for the appointment forms (confirm, reschedule, absence, check-in)."""

    @abstractmethod
    def name(self) -> str:
        """Each appointment form has its own validate_<form> action."""

    async def extract_appointment_id(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        requested = tracker.get_slot("requested_slot")
        if conversation.is_opening(tracker):
            # The person's message opens the form: resolve afresh, a value left by an abandoned flow is stale.
            return {"appointment_id": await self._resolve(tracker)}
        if requested != "appointment_id" or tracker.get_slot("appointment_id"):
            return {}
        choices = tracker.get_slot("appointment_choices") or []
        number = conversation.parse_choice(conversation.latest_text(tracker), len(choices))
        # No valid number: reject, so the rules answer the message and the question comes back.
        return {"appointment_id": str(choices[number - 1])} if number else {}

    async def _resolve(self, tracker: Tracker) -> str | None:
        shortcut = trusted_appointment_id(tracker)
        if shortcut:
            return shortcut
        try:
            listing = await CaseApi(tracker.sender_id).appointments()
        except (CaseApiUnavailable, CaseApiError):
            return API_DOWN
        past = self._past_appointment(tracker, listing)
        if past is not None:
            return past
        if not listing.get("appointments"):
            return NO_APPOINTMENT
        chosen = resolve_appointment(listing, utcnow())
        return str(chosen["id"]) if chosen else None

    def _past_appointment(self, tracker: Tracker, listing: dict[str, Any]) -> str | None:
        """A form about an appointment that has been (the absence form) may pick a recent past one."""
        return None

    def validate_appointment_id(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value in (NO_APPOINTMENT, API_DOWN):
            dispatcher.utter_message(
                response="utter_no_appointment" if value == NO_APPOINTMENT else "utter_api_unavailable"
            )
            # Ending the form here leaves appointment_id empty, so the submit action stays silent.
            return {"appointment_id": None, "requested_slot": None}
        return {"appointment_id": None if value is None else str(value)}


class ReadbackFormValidation(AppointmentFormValidation):
    """Also fills `readback` for the forms that record something from one message (confirm, reschedule).

    A gateway shortcut (the reminder's menu) needs no readback. Typed text is read back once and recorded
    only after a yes: the model takes vague or mistyped words for these intents with high confidence
    (docs/benchmarks.md, "Typed nonsense"), and the form may have picked the appointment from context.
    """

    async def extract_readback(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if conversation.is_opening(tracker):
            return {"readback": YES if conversation.is_trusted_shortcut(tracker) else None}
        if tracker.get_slot("requested_slot") != "readback" or conversation.is_trusted_shortcut(tracker):
            return {}
        intent = conversation.latest_intent(tracker)
        if intent == "affirm":
            return {"readback": YES}
        if intent == "deny":
            return {"readback": NO}
        # Anything else: reject, so the rules answer it and the question comes back.
        return {}

    def validate_readback(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"readback": value if value in (YES, NO) else None}


class ValidateConfirmForm(ReadbackFormValidation):
    def name(self) -> str:
        return "validate_confirm_form"


class ValidateRescheduleForm(ReadbackFormValidation):
    def name(self) -> str:
        return "validate_reschedule_form"


class ValidateCheckinForm(AppointmentFormValidation):
    """Also fills `checkin_code`: four digits, from the opening message or the answer to the question."""

    def name(self) -> str:
        return "validate_checkin_form"

    async def extract_checkin_code(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        requested = tracker.get_slot("requested_slot")
        if conversation.is_opening(tracker):
            return {"checkin_code": self._code(tracker)}
        if requested != "checkin_code":
            return {}
        code = self._code(tracker)
        return {"checkin_code": code} if code else {}

    @staticmethod
    def _code(tracker: Tracker) -> str | None:
        for value in conversation.entity_values(tracker, "checkin_code"):
            code = conversation.find_code(value)
            if code:
                return code
        return conversation.find_code(conversation.latest_text(tracker))

    def validate_checkin_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        code = conversation.find_code(str(value)) if value is not None else None
        return {"checkin_code": code}


class ActionAskAppointmentId(Action):
    """Asks which appointment is meant, as a numbered list, and remembers the numbering."""

    def name(self) -> str:
        return "action_ask_appointment_id"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if times_asked(tracker, "utter_ask_which_appointment") >= MAX_ASKS:
            return let_go()
        try:
            listing = await CaseApi(tracker.sender_id).appointments()
        except (CaseApiUnavailable, CaseApiError):
            dispatcher.utter_message(response="utter_api_unavailable")
            return let_go()
        items = (listing.get("appointments") or [])[:MAX_CHOICES]
        if not items:
            dispatcher.utter_message(response="utter_no_appointment")
            return let_go()
        menu = [
            {"n": n, "kind": item.get("kind"), "starts_at": item.get("startsAt")}
            for n, item in enumerate(items, 1)
        ]
        dispatcher.utter_message(response="utter_ask_which_appointment", appointment_list=json.dumps(menu))
        return [SlotSet("appointment_choices", [str(item["id"]) for item in items])]


class ActionAskReadback(Action):
    """Reads the chosen appointment back: "You are coming to <kind> on <date>? Answer yes or no." """

    def name(self) -> str:
        return "action_ask_readback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reschedule = (tracker.active_loop or {}).get("name") == "reschedule_form"
        response = "utter_readback_reschedule" if reschedule else "utter_readback_confirm"
        if times_asked(tracker, response) >= MAX_ASKS:
            return let_go()
        try:
            items = (await CaseApi(tracker.sender_id).appointments()).get("appointments") or []
        except (CaseApiUnavailable, CaseApiError):
            dispatcher.utter_message(response="utter_api_unavailable")
            return let_go()
        chosen = next(
            (item for item in items if str(item.get("id")) == tracker.get_slot("appointment_id")), None
        )
        if chosen is None:
            dispatcher.utter_message(response="utter_appointment_not_found")
            return let_go()
        dispatcher.utter_message(response=response, kind=chosen.get("kind"), starts_at=chosen.get("startsAt"))
        return []


class ActionNextAppointment(Action):
    """Answers "when is my next appointment?" from the case API."""

    def name(self) -> str:
        return "action_next_appointment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        try:
            items = (await CaseApi(tracker.sender_id).appointments()).get("appointments") or []
        except (CaseApiUnavailable, CaseApiError):
            dispatcher.utter_message(response="utter_api_unavailable")
            return []
        if not items:
            dispatcher.utter_message(response="utter_no_appointment")
            return []
        item = items[0]
        details = {
            "kind": item.get("kind"),
            "starts_at": item.get("startsAt"),
            "location": item.get("location") or "",
        }
        if item.get("staffName"):
            dispatcher.utter_message(response="utter_next_appointment", staff=item["staffName"], **details)
        else:
            dispatcher.utter_message(response="utter_next_appointment_no_staff", **details)
        return []


class AttendanceAction(Action, ABC):
    """Posts one attendance action for the appointment the form settled on, and answers."""

    action = ""
    reads_back = False  # the form asked "yes or no?" unless a gateway shortcut opened it

    @abstractmethod
    def name(self) -> str:
        """Each attendance action has its own action name."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """POST /attendance and reply.

        Without an appointment it stays silent: the form's validator has already told the person why.
        """
        appointment_id = tracker.get_slot("appointment_id")
        if not appointment_id:
            return reset_flow()
        if not str(appointment_id).isdigit():
            dispatcher.utter_message(response="utter_appointment_not_found")
            return reset_flow()
        if self.reads_back and tracker.get_slot("readback") != YES:
            # "No" to the readback: nothing is recorded. (Without an answer the form let go silently.)
            if tracker.get_slot("readback") == NO:
                dispatcher.utter_message(response="utter_nothing_changed")
            return reset_flow()
        try:
            result = await CaseApi(tracker.sender_id).record_attendance(
                int(appointment_id), self.action, **self.payload(tracker)
            )
        except CaseApiUnavailable:
            dispatcher.utter_message(response="utter_api_unavailable")
            return reset_flow()
        except CaseApiError as error:
            return self.refused(error, dispatcher)
        self.answer(result, dispatcher, tracker)
        return reset_flow()

    def payload(self, tracker: Tracker) -> dict[str, Any]:
        return {}

    @abstractmethod
    def answer(self, result: dict[str, Any], dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        """Reply to a successful POST."""

    def refused(self, error: CaseApiError, dispatcher: CollectingDispatcher) -> list[EventType]:
        dispatcher.utter_message(response=refusal_response(error))
        return reset_flow()


class ActionConfirmAttendance(AttendanceAction):
    action = "confirm"
    reads_back = True

    def name(self) -> str:
        return "action_confirm_attendance"

    def answer(self, result: dict[str, Any], dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        dispatcher.utter_message(
            response="utter_attendance_confirmed", kind=result.get("kind"), starts_at=result.get("startsAt")
        )


class ActionRequestReschedule(AttendanceAction):
    action = "request_reschedule"
    reads_back = True

    def name(self) -> str:
        return "action_request_reschedule"

    def answer(self, result: dict[str, Any], dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        dispatcher.utter_message(
            response="utter_reschedule_requested", kind=result.get("kind"), starts_at=result.get("startsAt")
        )


class ActionCheckIn(AttendanceAction):
    action = "check_in"

    def name(self) -> str:
        return "action_check_in"

    def payload(self, tracker: Tracker) -> dict[str, Any]:
        return {"check_in_code": tracker.get_slot("checkin_code")}

    def answer(self, result: dict[str, Any], dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        dispatcher.utter_message(response="utter_checked_in", kind=result.get("kind"))

    def refused(self, error: CaseApiError, dispatcher: CollectingDispatcher) -> list[EventType]:
        if error.code != "wrong_code":
            return super().refused(error, dispatcher)
        # Ask for the code again for the same appointment; the form skips the message that had the wrong code.
        dispatcher.utter_message(response="utter_checkin_wrong_code")
        return [SlotSet("checkin_code", None), FollowupAction("checkin_form")]
