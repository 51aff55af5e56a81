"""The conversation language: the sticky `language` slot, the numbered language menu, and switching.

The slot holds one of the contract's codes; the NLG endpoint renders every reply in it. It changes only on
a clear signal from the person: a language chosen from the menu (a digit or a name), or a language named
in a short message. A detected language never switches it: detection cannot tell Dari from Persian, and a
Dutch word or an English sentence is no choice. The gateway offers the switch instead ("send: English").
Each change is stored with PUT /language so the next session and the reminders use it too.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction, ValidationAction
from rasa_sdk.types import DomainDict

from actions import conversation
from actions.case_api import CaseApi, CaseApiError, CaseApiUnavailable

logger = logging.getLogger(__name__)

# Menu order: the digit a person sends picks the code at that position
# (api/bot_endpoints/messages.py LANGUAGE_MENU).
MENU_ORDER = ("nl", "en", "ar", "ti", "fa", "fa_AF", "tr", "so", "ps", "ku")
CODES = frozenset(MENU_ORDER)
ALIASES = {"prs": "fa_AF", "fa-af": "fa_AF", "fa_af": "fa_AF", "kmr": "ku"}
# The names exactly as the menu shows them, so typing a name from the menu always works.
ENDONYMS = {
    "nederlands": "nl",
    "english": "en",
    "العربية": "ar",
    "ትግርኛ": "ti",
    "فارسی": "fa",
    "دری": "fa_AF",
    "türkçe": "tr",
    "soomaali": "so",
    "پښتو": "ps",
    "kurmancî": "ku",
}
# A language named in a message this short is a request to switch; in a longer one it may be about
# something else ("I need an Arabic interpreter").
MAX_WORDS_FOR_NAMED_LANGUAGE = 3
_WORD_SEPARATORS = re.compile(r"[\s,.!?;:()]+")


def normalize(value: Any) -> str | None:
    """The contract's code for `value` (a code, an alias or a menu name), or None."""
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFC", value.strip())
    if text in CODES:
        return text
    lowered = text.lower()
    if lowered in CODES:
        return lowered
    return ALIASES.get(lowered) or ENDONYMS.get(lowered)


def named_language(tracker: Tracker) -> str | None:
    """A language the person named: an entity from NLU, or a menu name in a short message ("English pls")."""
    for value in conversation.entity_values(tracker, "language"):
        code = normalize(value)
        if code:
            return code
    text = unicodedata.normalize("NFC", conversation.latest_text(tracker)).strip().lower()
    if conversation.word_count(text) > MAX_WORDS_FOR_NAMED_LANGUAGE:
        return None
    for word in _WORD_SEPARATORS.split(text):
        if word in ENDONYMS:
            return ENDONYMS[word]
    return None


def language_from_message(tracker: Tracker) -> str | None:
    """The language the latest message switches to outside the language menu, if any."""
    text = conversation.latest_text(tracker)
    if conversation.is_trusted_shortcut(tracker):
        return None
    named = named_language(tracker)
    if named and conversation.word_count(text) <= MAX_WORDS_FOR_NAMED_LANGUAGE:
        return named
    return None


async def store_language(sender_id: str, code: str) -> None:
    """PUT the new language; a failure only costs the next session its memory of the choice."""
    try:
        await CaseApi(sender_id).set_language(code)
    except (CaseApiUnavailable, CaseApiError) as exc:
        logger.warning("language_not_stored sender=%s error=%s", sender_id, type(exc).__name__)


class ValidateSlotMappings(ValidationAction):
    """Runs after every user message (Rasa's `action_validate_slot_mappings`) to keep `language` current."""

    async def extract_language(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        # The menu and the change_language intent are handled by language_form, which confirms the switch.
        if (
            tracker.active_loop_name == "language_form"
            or conversation.latest_intent(tracker) == "change_language"
        ):
            return {}
        code = language_from_message(tracker)
        if not code or code == tracker.get_slot("language"):
            return {}
        await store_language(tracker.sender_id, code)
        return {"language": code}

    async def extract_clarify_options(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        # A clarifying question is answered by the next message or not at all (actions/escalation.py).
        return {"clarify_options": None} if tracker.get_slot("clarify_options") else {}

    def validate_language(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        code = normalize(value)
        return {"language": code} if code else {}


class ValidateLanguageForm(FormValidationAction):
    """Fills `language_choice` from the menu digit or a named language."""

    def name(self) -> str:
        return "validate_language_form"

    async def extract_language_choice(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        requested = tracker.get_slot("requested_slot")
        if conversation.is_opening(tracker):
            # Activation: "English please" picks at once; "other language" shows the menu.
            return {"language_choice": named_language(tracker)}
        if requested != "language_choice":
            return {}
        text = conversation.latest_text(tracker)
        number = conversation.parse_choice(text, len(MENU_ORDER))
        if number:
            return {"language_choice": MENU_ORDER[number - 1]}
        named = named_language(tracker)
        # Nothing usable: reject, so the rules answer whatever else the person said and the menu returns.
        return {"language_choice": named} if named else {}

    def validate_language_choice(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"language_choice": normalize(value)}


class ActionApplyLanguage(Action):
    """Switches the conversation to the chosen language and stores it.

    The confirmation (utter_language_changed) is the rule's next step, so that it is rendered after the
    slot has changed, in the new language.
    """

    def name(self) -> str:
        return "action_apply_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        code = normalize(tracker.get_slot("language_choice")) or tracker.get_slot("language") or "nl"
        if code != tracker.get_slot("language"):
            await store_language(tracker.sender_id, code)
        return [SlotSet("language", code), SlotSet("language_choice", None)]
