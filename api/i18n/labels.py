"""Staff-worded labels shared by the web UI and the evidence file: attendance, assessment, task, delivery.

Dutch source strings, translated through the catalogs like all text. They live here, below both users,
because a domain (the evidence trail) must not import the web layer.
"""

from __future__ import annotations

from api.i18n.catalog import N_, render
from api.i18n.intent_labels import INTENT_LABELS

ATTENDANCE_LABELS = {
    "pending": N_("Geen reactie"),
    "confirmed": N_("Bevestigd"),
    "absence_reported": N_("Afgemeld"),
    "checked_in": N_("Ingecheckt"),
    "attended": N_("Aanwezig"),
    "no_show": N_("Niet verschenen"),
}

ASSESSMENT_LABELS = {
    "verschoonbaar": N_("Verschoonbaar"),
    "verwijtbaar": N_("Verwijtbaar"),
    "needs_hearing": N_("Eerst horen (hoorplicht)"),
}

TASK_LABELS = {
    "absence_reported": N_("Afmelding beoordelen"),
    "reschedule_requested": N_("Nieuwe afspraak maken"),
    "reminder_unanswered": N_("Geen reactie op herinnering: bellen"),
    "undeliverable": N_("Bericht kwam niet aan: bellen"),
    "link_unknown_number": N_("Onbekend nummer koppelen"),
    "opted_out": N_("Persoon wil geen berichten meer: op een andere manier bereiken"),
    "message_while_bot_down": N_("Bericht kwam binnen toen de assistent niet werkte"),
    "possible_crisis": N_("Mogelijk in nood: bericht lezen"),
}

DELIVERY_LABELS = {
    "received": N_("Ontvangen"),
    "processed": N_("Verwerkt"),
    "queued": N_("In de wachtrij"),
    "sending": N_("Wordt verstuurd"),
    "sent": N_("Verstuurd"),
    "delivered": N_("Afgeleverd"),
    "read": N_("Gelezen"),
    "undelivered": N_("Niet afgeleverd"),
    "failed": N_("Mislukt"),
    "held": N_("Wacht op WhatsApp-venster"),
    "cancelled": N_("Niet verstuurd"),
}


def intent_options(language: str, intents: list[str]) -> str:
    """ "1 = ik kan niet komen" lines, in the person's language, numbered in the order given."""
    return "\n".join(
        f"{n} = {render(language, INTENT_LABELS[intent])}"
        for n, intent in enumerate(intents, 1)
        if intent in INTENT_LABELS
    )
