"""The forms' questions, asked a limited number of times.

When the person answers something else, the rules answer that and the form asks its question again. After
MAX_ASKS the person has clearly moved on, so the form lets go quietly instead of repeating itself.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

MAX_ASKS = 3


def times_asked(tracker: Tracker, response: str) -> int:
    """How often `response` was sent since the current form was opened (its latest loop event)."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop":
            break
        if event.get("event") == "bot" and (event.get("metadata") or {}).get("utter_action") == response:
            count += 1
    return count


def let_go() -> list[EventType]:
    """End the form without a word and wait for the person (the submit rule must not run)."""
    return [ActiveLoop(None), SlotSet("requested_slot", None), FollowupAction("action_listen")]


class FormQuestion(Action, ABC):
    """Asks `response` unless it has been asked MAX_ASKS times in this form already."""

    response = ""

    @abstractmethod
    def name(self) -> str:
        """action_ask_<slot>, which Rasa's form runs to ask for <slot>."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if times_asked(tracker, self.response) >= MAX_ASKS:
            return let_go()
        dispatcher.utter_message(response=self.response)
        return []


class ActionAskLanguageChoice(FormQuestion):
    response = "utter_language_menu"

    def name(self) -> str:
        return "action_ask_language_choice"


class ActionAskAbsenceReason(FormQuestion):
    response = "utter_ask_absence_reason"

    def name(self) -> str:
        return "action_ask_absence_reason"


class ActionAskAbsenceDetails(FormQuestion):
    response = "utter_ask_absence_details"

    def name(self) -> str:
        return "action_ask_absence_details"


class ActionAskCheckinCode(FormQuestion):
    response = "utter_ask_checkin_code"

    def name(self) -> str:
        return "action_ask_checkin_code"
