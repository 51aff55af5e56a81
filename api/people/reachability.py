"""Whether and how a person can be messaged: one answer for reminders, notices and broadcasts."""

from __future__ import annotations

import phonenumbers

from api.i18n import languages
from api.people import number_dispute
from api.people.models import Inburgeraar

OPTED_OUT = "opted_out"
NO_CHANNEL = "no_channel"
NUMBER_DISPUTED = "number_disputed"


def has_usable_channel(person: Inburgeraar) -> bool:
    """A number we can text: E.164 and plausible. Placeholders ("onbekend", "") are not."""
    phone = (person.phone or "").strip()
    if not phone.startswith("+"):
        return False
    try:
        return phonenumbers.is_possible_number(phonenumbers.parse(phone, None))
    except phonenumbers.NumberParseException:
        return False


def unreachable_reason(person: Inburgeraar) -> str | None:
    """Why automatic messages skip this person (`opted_out`, `no_channel`, `number_disputed`), or None when
    they may be sent."""
    if person.opted_out:
        return OPTED_OUT
    if not has_usable_channel(person):
        return NO_CHANNEL
    if number_dispute.is_disputed(person):
        return NUMBER_DISPUTED
    return None


def is_reachable(person: Inburgeraar) -> bool:
    return unreachable_reason(person) is None


def language_of(person: Inburgeraar) -> str:
    """The catalog language of the person's messages (Dutch when their profile names none we have)."""
    return languages.normalize(person.language) or languages.DEFAULT
