"""What the gateway says itself (Dutch msgids, translated from the catalogs), and how it queues a reply.

Everything else a person reads from the gateway is the bot's (Rasa's NLG, rendered by api.bot_endpoints).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from api.i18n.catalog import N_, render
from api.messaging import service
from api.messaging.models import Conversation, Message, MessageKind

# The unknown-number reply goes out in Dutch, English and one more language (the detected one, else Arabic).
UNKNOWN_NUMBER_LANGUAGES = ("nl", "en", "ar")

# Translators: the reply to someone in crisis. Keep all three phone numbers exactly as they are, and the
# word "call" before each. The same msgid as the bot's utter_urgent_help (one catalog entry).
CRISIS = N_(
    "Ben je in direct gevaar? Bel 112. Denk je aan zelfdoding? Bel gratis en anoniem 113 "
    "Zelfmoordpreventie: 0800-0113. Is er geweld thuis? Bel gratis Veilig Thuis: 0800-2000. Ik stuur "
    "je bericht nu ook door naar een medewerker."
)
# When the net is unsure (api.safety.net, Level.check): the same numbers, without asking about suicide or
# danger outright, for a message that might be a crisis and is more likely a sick child. Keep "call"
# before 113 and Veilig Thuis.
SAFETY_CHECK = N_(
    "Gaat het niet goed? Bij gevaar: bel 112. Praten met iemand: bel gratis 113 Zelfmoordpreventie: "
    "0800-0113. Geweld thuis? Bel gratis Veilig Thuis: 0800-2000. Een medewerker leest je bericht ook."
)
UNKNOWN_NUMBER = N_("Wij kennen dit nummer niet. Bel de gemeente: {phone}.")
# Translators: to whoever wrote that this number is not the person's (numbers are recycled). Names no one.
NOT_THEIR_NUMBER = N_(
    "Dank je. We sturen niets meer naar dit nummer tot de gemeente het heeft nagekeken. "
    "Is het toch jouw nummer? Bel de gemeente: {phone}."
)
# Translators: asked when a message may come from someone who is not the person our messages are for (a
# recycled number). Keep the digits 1 and 2.
WHOSE_NUMBER_QUESTION = N_(
    "Dank je voor je bericht. Krijg je onze berichten, maar zijn ze niet voor jou bedoeld? Stuur 1. "
    "Zijn ze wel voor jou? Stuur 2."
)
# After "2" to that question: the person asks again (their first message was not answered, to be safe).
NUMBER_KEPT = N_("Dank je. Stel je vraag gerust opnieuw.")
HANDOFF_HOLDING = N_("Je bericht is doorgestuurd naar je klantmanager. Die neemt contact met je op.")
OUTAGE_HOLDING = N_(
    "Dank je voor je bericht. De assistent is nu even niet bereikbaar. We antwoorden zo snel mogelijk."
)
MEDIA_ONLY = N_(
    "Dank je. We hebben je bestand ontvangen. De assistent kan alleen tekst lezen. "
    "Schrijf je vraag in een bericht."
)
# Appended to the replies that may reach someone in trouble (HELP, outage, unknown number, media).
EMERGENCY = N_("Nood? Bel 112.")
# Appended when a file or photo arrives: medical proof belongs with the klantmanager, not in chat (facts §6).
MEDICAL_PROOF = N_(
    "Stuur geen medische papieren via deze chat. Geef bewijs van de dokter aan je klantmanager."
)
NOTHING_TO_READ = N_("We begrijpen je bericht niet. Schrijf je vraag in een paar woorden.")
# Translators: keep the words STOP and START in capitals and untranslated; they work in every language.
STOP_CONFIRMED = N_(
    "Je krijgt geen herinneringen en berichten meer van ons. Je klantmanager weet dit. "
    "Stuur START om weer berichten te krijgen."
)
# Translators: keep the word STOP in capitals and untranslated.
START_CONFIRMED = N_("Je krijgt weer herinneringen en berichten van ons. Stuur STOP om te stoppen.")
# Translators: asked when a one-word message may mean "I can't come" or "stop all messages" (e.g.
# "afmelden"). Keep the digits 1 and 2.
STOP_OR_ABSENCE_QUESTION = N_(
    "Wat bedoel je? Stuur 1 of 2.\n1 = ik kan niet komen naar mijn afspraak\n2 = stop alle berichten"
)
# Translators: sent in the language we think the person wrote in; {language} is that language's own name,
# which the person sends back to switch. Keep it exactly as it is.
LANGUAGE_OFFER = N_("Wil je antwoorden in het {language}? Stuur dan: {language}")
# Translators: after the bot answered one request of a message that held two; {intent_options} is a
# numbered line ("1 = boete"). Keep "1".
OTHER_REQUEST_OFFER = N_("Je vroeg ook iets anders. Wil je daar antwoord op? Stuur 1.\n{intent_options}")
# Translators: keep the word STOP in capitals and untranslated.
HELP_TEXT = N_(
    "Dit is de assistent van de gemeente voor je inburgering. Stel je vraag in een bericht. "
    "Bel de gemeente: {phone}. Stuur STOP als je geen berichten meer wilt."
)


def with_emergency(language: str, text: str) -> str:
    """`text` with the emergency line in the same language after it."""
    return f"{text} {render(language, EMERGENCY)}"


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
