"""Twilio's error codes: what they mean for staff, and which ones are worth another attempt.

Meanings are Dutch source strings (staff read them in the conversation view); the web UI translates them.
"""

from __future__ import annotations

from api.i18n.catalog import N_

OPTED_OUT = "21610"
OUTSIDE_WHATSAPP_WINDOW = "63016"

MEANINGS: dict[str, str] = {
    "21211": N_("Ongeldig telefoonnummer."),
    "21408": N_("Versturen naar dit land staat uit."),
    "21610": N_("De persoon heeft zich afgemeld (STOP). Twilio verstuurt niets meer naar dit nummer."),
    "21612": N_("Dit nummer kan geen berichten van ons nummer ontvangen."),
    "21614": N_("Dit nummer is geen mobiel nummer."),
    "21617": N_("Het bericht is te lang."),
    "30003": N_("Telefoon niet bereikbaar (uit of geen bereik)."),
    "30004": N_("Het bericht is geblokkeerd door de ontvanger of de provider."),
    "30005": N_("Onbekend nummer: het nummer bestaat niet (meer)."),
    "30006": N_("Vast nummer of provider onbereikbaar."),
    "30007": N_("Door de provider als spam tegengehouden."),
    "30008": N_("Onbekende fout bij de provider."),
    "63016": N_("WhatsApp: buiten het venster van 24 uur; alleen een goedgekeurd sjabloon mag."),
    "63024": N_("WhatsApp: ongeldige ontvanger (geen WhatsApp op dit nummer)."),
    "63003": N_("WhatsApp: ongeldig nummer van de ontvanger."),
    "63018": N_("WhatsApp: te veel berichten verstuurd, later opnieuw."),
    "timeout": N_("Twilio gaf geen antwoord op tijd."),
    "unavailable": N_("Twilio was tijdelijk niet bereikbaar."),
    "rate_limited": N_("Twilio vroeg ons langzamer te versturen."),
}
UNKNOWN = N_("Versturen mislukt.")

# Failures where trying again later can help; anything else with a code is final.
RETRYABLE_CODES = frozenset({"20429", "63018"})


def meaning(code: str | int | None) -> str:
    """Staff-facing Dutch meaning of an error code (a msgid), or a general one for unknown codes."""
    if code is None:
        return UNKNOWN
    return MEANINGS.get(str(code), UNKNOWN)
