"""Session start: load the person's profile into slots and carry the sticky slots over."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.case_api import CaseApi, CaseApiError, CaseApiUnavailable
from actions.language import normalize

logger = logging.getLogger(__name__)

# Half-finished flows must not leak into a new session (a stale appointment or absence reason would be
# acted on without asking); everything else is carried over like Rasa's own session start does.
TRANSIENT_SLOTS = frozenset(
    {
        "requested_slot",
        "session_started_metadata",
        "appointment_id",
        "appointment_choices",
        "absence_reason",
        "absence_details",
        "checkin_code",
        "language_choice",
    }
)


def profile_slots(
    profile: dict[str, Any] | None, carried: dict[str, Any], metadata: dict[str, Any]
) -> dict[str, Any]:
    """Slot values for a new session: the profile wins; without it, keep what we had.

    Args:
        profile: The case API profile, or None when the API could not be reached.
        carried: Slot values carried over from the previous session.
        metadata: The gateway's metadata of the message that started the session.

    Returns:
        The slot values to set, by slot name.
    """
    slots = dict(carried)
    language = (
        normalize((profile or {}).get("language"))
        or normalize(carried.get("language"))
        or normalize(metadata.get("language"))
        or "nl"
    )
    slots["language"] = language
    if profile:
        slots["inburgeraar_id"] = profile.get("inburgeraarId")
        slots["law"] = profile.get("law")
    elif metadata.get("inburgeraarId") is not None and slots.get("inburgeraar_id") is None:
        slots["inburgeraar_id"] = metadata.get("inburgeraarId")
    return slots


class ActionSessionStart(Action):
    """Starts a session with the person's language and law from the case API."""

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Emit SessionStarted, the new session's slots, then action_listen (Rasa's session protocol)."""
        metadata = tracker.get_slot("session_started_metadata") or {}
        carry_over = (domain.get("session_config") or {}).get("carry_over_slots_to_new_session", True)
        carried = {
            name: value
            for name, value in tracker.current_slot_values().items()
            if carry_over and value is not None and name not in TRANSIENT_SLOTS
        }
        try:
            profile: dict[str, Any] | None = await CaseApi(tracker.sender_id).profile()
        except (CaseApiUnavailable, CaseApiError) as exc:
            # Keep going: the language from the previous session or the gateway is good enough to answer.
            logger.warning(
                "session_profile_unavailable sender=%s error=%s", tracker.sender_id, type(exc).__name__
            )
            profile = None

        events: list[EventType] = [SessionStarted()]
        if metadata:
            events.append(SlotSet("session_started_metadata", metadata))
        events.extend(
            SlotSet(name, value) for name, value in profile_slots(profile, carried, metadata).items()
        )
        events.append(ActionExecuted("action_listen"))
        return events
