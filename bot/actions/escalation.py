"""Handing the conversation to a person: on request, after two misunderstood messages in a row, on low
confidence, and urgently when someone is in crisis. Also opting out of the chat."""

from __future__ import annotations

import json
import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import conversation
from actions.case_api import CaseApi, CaseApiError, CaseApiUnavailable

logger = logging.getLogger(__name__)

FALLBACKS_BEFORE_HANDOFF = 2
# What the clarifying question may offer: the things a person comes to do or ask. Never urgent_help (the
# crisis net and its own rule answer that at once), never opt_out or social chatter.
CLARIFIABLE = frozenset(
    {
        "ask_next_appointment",
        "confirm_attendance",
        "report_absence",
        "request_reschedule",
        "check_in",
        "ask_term_deadline",
        "ask_fine",
        "ask_exemption",
        "ask_learning_route",
        "ask_pip",
        "ask_pvt",
        "ask_map",
        "ask_knm",
        "ask_progress",
        "ask_contact",
        "request_human",
        "change_language",
    }
)
MAX_OPTIONS = 3
MIN_OPTION_CONFIDENCE = 0.05


def clarify_options(tracker: Tracker) -> list[str]:
    """The two or three likeliest things the person may have meant, from NLU's ranking."""
    ranking = (tracker.latest_message or {}).get("intent_ranking") or []
    options = [
        r["name"]
        for r in ranking
        if r.get("name") in CLARIFIABLE and float(r.get("confidence") or 0) >= MIN_OPTION_CONFIDENCE
    ]
    return options[:MAX_OPTIONS]


def understood(tracker: Tracker) -> str:
    """What the model made of the latest message, for the escalation's summary."""
    intent = (tracker.latest_message or {}).get("intent") or {}
    return f"intent={intent.get('name')} confidence={float(intent.get('confidence') or 0):.2f}"


async def hand_off(
    dispatcher: CollectingDispatcher, tracker: Tracker, reason: str, summary: str | None = None
) -> bool:
    """Open an escalation and tell the person someone will answer; say the API is down if it is.

    Returns:
        True if the escalation was opened.
    """
    try:
        await CaseApi(tracker.sender_id).escalate(reason, urgent=False, summary=summary)
    except (CaseApiUnavailable, CaseApiError):
        dispatcher.utter_message(response="utter_api_unavailable")
        return False
    dispatcher.utter_message(response="utter_handoff")
    return True


class ActionRequestHuman(Action):
    """The person asked for a human."""

    def name(self) -> str:
        return "action_request_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        await hand_off(dispatcher, tracker, "request_human")
        return []


class ActionHandleNluFallback(Action):
    """Clarifies once (a numbered question with the likeliest meanings, else "say it differently"); the
    second misunderstood message in a row goes to a person."""

    def name(self) -> str:
        return "action_handle_nlu_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Reply to a message NLU did not understand (intent nlu_fallback)."""
        if conversation.slot_set_this_turn(tracker, "language"):
            # A bare language name ("Türkçe") often has no confident intent, but it did switch the language.
            dispatcher.utter_message(response="utter_language_changed")
            return []
        streak = conversation.fallback_streak(tracker)
        if streak < FALLBACKS_BEFORE_HANDOFF:
            options = clarify_options(tracker)
            if len(options) >= 2:
                dispatcher.utter_message(response="utter_clarify", intent_options=json.dumps(options))
                return [SlotSet("clarify_options", options)]
            dispatcher.utter_message(response="utter_ask_rephrase")
        elif conversation.uttered_since_user_messages(tracker, "utter_handoff", streak):
            # Already handed off in this run of misunderstandings: one escalation is enough.
            dispatcher.utter_message(response="utter_handoff")
        else:
            await hand_off(dispatcher, tracker, "fallback", summary=f"nlu_fallback x{streak}")
        return []


class ActionHandoffLowConfidence(Action):
    """RulePolicy's core fallback: no rule fits the conversation, so a person takes over."""

    def name(self) -> str:
        return "action_handoff_low_confidence"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        await hand_off(dispatcher, tracker, "low_confidence", summary=understood(tracker))
        return []


class ActionUrgentHelp(Action):
    """The model read a crisis that the gateway's crisis net did not: the numbers gently, and a person reads.

    The alarm (the crisis reply and an urgent escalation) is the crisis net's, which runs in the gateway
    before the model sees a message (ADR 0021): its classifier learnt from ordinary messages that only look
    alarming, which this model never saw, and on the independent set the model's `urgent_help` alone was
    wrong far more often than right, even above 0.9. So the model alone gives the numbers in a gentle line
    (utter_safety_check; not again when the gateway already sent it for this message) and an ordinary
    escalation, so that a klantmanager reads the message before the bot says anything more.
    """

    def name(self) -> str:
        return "action_urgent_help"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if not conversation.latest_metadata(tracker).get("safetyLineSent"):
            dispatcher.utter_message(response="utter_safety_check")
        for attempt in (1, 2):
            try:
                await CaseApi(tracker.sender_id).escalate(
                    "possible_crisis", urgent=False, summary=understood(tracker)
                )
                return []
            except CaseApiUnavailable:
                logger.error(
                    "possible_crisis_escalation_failed sender=%s attempt=%s", tracker.sender_id, attempt
                )
            except CaseApiError as exc:
                logger.error(
                    "possible_crisis_escalation_refused sender=%s status=%s", tracker.sender_id, exc.status
                )
                break
        return []
