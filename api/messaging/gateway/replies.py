"""What the gateway says itself (Dutch msgids, translated from the catalogs), and how it queues a reply.

Everything else a person reads from the gateway is the bot's (Rasa's NLG, rendered by api.bot_endpoints).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from api.i18n.catalog import N_
from api.messaging import service
from api.messaging.models import Conversation, Message, MessageKind

# The unknown-number reply goes out in Dutch, English and one more language (the detected one, else Arabic).
UNKNOWN_NUMBER_LANGUAGES = ("nl", "en", "ar")

UNKNOWN_NUMBER = N_("Wij kennen dit nummer niet. Bel de gemeente: {phone}.")
HANDOFF_HOLDING = N_("Je bericht is doorgestuurd naar je klantmanager. Die neemt contact met je op.")
OUTAGE_HOLDING = N_(
    "Dank je voor je bericht. De assistent is nu even niet bereikbaar. We antwoorden zo snel mogelijk."
)
MEDIA_ONLY = N_(
    "Dank je. We hebben je bestand ontvangen. De assistent kan alleen tekst lezen. "
    "Schrijf je vraag in een bericht."
)
NOTHING_TO_READ = N_("We begrijpen je bericht niet. Schrijf je vraag in een paar woorden.")
# Translators: keep the words STOP and START in capitals and untranslated; they work in every language.
STOP_CONFIRMED = N_(
    "Je krijgt geen herinneringen en berichten meer van ons. Je klantmanager weet dit. "
    "Stuur START om weer berichten te krijgen."
)
# Translators: keep the word STOP in capitals and untranslated.
START_CONFIRMED = N_("Je krijgt weer herinneringen en berichten van ons. Stuur STOP om te stoppen.")
# Translators: keep the word STOP in capitals and untranslated.
HELP_TEXT = N_(
    "Dit is de assistent van de gemeente voor je inburgering. Stel je vraag in een bericht. "
    "Bel de gemeente: {phone}. Stuur STOP als je geen berichten meer wilt."
)


def reply(
    db: Session,
    conversation: Conversation,
    language: str,
    text: str,
    channel: str,
    kind: str = MessageKind.system,
) -> Message:
    """Queue `text` (already rendered) on the channel the person wrote on, in the caller's transaction."""
    return service.queue_outbound(db, conversation, text, kind=kind, channel=channel, language=language)
