"""Canned replies: a klantmanager picks one in Dutch, the person receives it in their own language.

The texts are Dutch source strings in the catalogs (B1, GSM-7 friendly), so translators handle them like
every other message and a missing translation falls back to Dutch rather than to nothing.
Placeholders: {name} (the person's first name), {klantmanager} and {phone} (whom to call).
"""

from __future__ import annotations

from dataclasses import dataclass

from api.i18n import segments
from api.i18n.catalog import N_, render
from api.i18n.formatting import isolate
from api.people.models import Inburgeraar
from api.staff.models import Staff

CANNED_REPLIES: dict[str, str] = {
    "received": N_(
        "Hallo {name}, ik heb je bericht gelezen. Ik zoek het uit en stuur je snel een antwoord. "
        "Groet, {klantmanager}"
    ),
    "will_call": N_("Hallo {name}, ik bel je vandaag of morgen. Groet, {klantmanager}"),
    "call_me": N_("Hallo {name}, wil je mij bellen? Mijn nummer is {phone}. Groet, {klantmanager}"),
    "new_appointment": N_(
        "Hallo {name}, ik maak een nieuwe afspraak voor je. Je krijgt snel een bericht met de dag, de tijd "
        "en de plaats."
    ),
    "absence_received": N_(
        "Hallo {name}, ik heb je afmelding ontvangen. Ik laat je weten wat dit betekent voor je inburgering."
    ),
    "bring_documents": N_("Hallo {name}, neem je brief en je identiteitsbewijs mee naar de afspraak."),
    "back_to_assistant": N_(
        "Hallo {name}, je vraag is beantwoord. Heb je nog een vraag? "
        "Stuur een bericht, de assistent helpt je."
    ),
}


@dataclass(frozen=True)
class CannedReply:
    key: str
    staff_text: str  # what the klantmanager reads (Dutch, or the UI language they chose)
    text: str  # what the person receives
    segments: int
    encoding: str


def _values(
    person: Inburgeraar, staff: Staff | None, municipality_phone: str, language: str
) -> dict[str, str]:
    # Names and numbers are isolated so they keep their own direction inside Arabic, Farsi or Pashto.
    values = {
        "name": person.name.split()[0] if person.name.strip() else "",
        "klantmanager": staff.name if staff else "",
        "phone": staff.phone if staff and staff.phone else municipality_phone,
    }
    return {key: isolate(language, value) if value else "" for key, value in values.items()}


def render_reply(
    key: str, person: Inburgeraar, staff: Staff | None, municipality_phone: str, *, ui_language: str = "nl"
) -> CannedReply:
    """One canned reply as the klantmanager reads it and in the person's language, with its SMS cost."""
    msgid = CANNED_REPLIES[key]
    text = render(person.language, msgid, **_values(person, staff, municipality_phone, person.language))
    info = segments.count(text)
    staff_text = render(ui_language, msgid, **_values(person, staff, municipality_phone, ui_language))
    return CannedReply(key, staff_text, text, info.segments, info.encoding)


def all_replies(
    person: Inburgeraar, staff: Staff | None, municipality_phone: str, *, ui_language: str = "nl"
) -> list[CannedReply]:
    return [
        render_reply(key, person, staff, municipality_phone, ui_language=ui_language)
        for key in CANNED_REPLIES
    ]
