"""Staff-worded labels shared by the web UI and the evidence file: attendance, assessment, task, delivery,
what the assistant understood, absence reasons, languages, appointment kinds, channels.

Dutch source strings, translated through the catalogs like all text. They live here, below both users,
because a domain (the evidence trail) must not import the web layer.
"""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_date

from api.i18n import languages
from api.i18n.catalog import N_, gettext, render
from api.i18n.formatting import TZ
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
    "number_disputed": N_("Nummer is misschien van iemand anders: nagaan"),
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


# What the assistant understood a message to mean, worded for staff ("Wil een andere afspraak"); a meaning
# without its own staff wording shows as the person would say it ("contact met de gemeente"), never as a code.
UNDERSTOOD_LABELS = {
    **INTENT_LABELS,
    "greet": N_("Groet"),
    "goodbye": N_("Zegt gedag"),
    "thanks": N_("Bedankt"),
    "thank_you": N_("Bedankt"),
    "affirm": N_("Zegt ja"),
    "deny": N_("Zegt nee"),
    "confirm_attendance": N_("Bevestigt de afspraak"),
    "report_absence": N_("Meldt zich af voor een afspraak"),
    "request_reschedule": N_("Wil een andere afspraak"),
    "check_in": N_("Wil inchecken"),
    "ask_appointments": N_("Vraagt naar afspraken"),
    "ask_next_appointment": N_("Vraagt naar de volgende afspraak"),
    "ask_what_to_bring": N_("Vraagt wat mee te nemen"),
    "ask_location": N_("Vraagt waar de afspraak is"),
    "ask_pip": N_("Vraagt naar het PIP"),
    "ask_term": N_("Vraagt naar de inburgeringstermijn"),
    "ask_deadline": N_("Vraagt naar de termijn"),
    "ask_leerroute": N_("Vraagt naar de leerroute"),
    "ask_pvt": N_("Vraagt naar de PVT"),
    "ask_map": N_("Vraagt naar de MAP"),
    "ask_klantmanager": N_("Vraagt naar de klantmanager"),
    "request_human": N_("Wil een mens spreken"),
    "urgent_help": N_("Vraagt dringend om hulp"),
    "change_language": N_("Wil een andere taal"),
    "opt_out": N_("Wil geen berichten meer (STOP)"),
    "stop": N_("Wil geen berichten meer (STOP)"),
    "opt_in": N_("Wil weer berichten (START)"),
    "help": N_("Vraagt om uitleg (HELP)"),
    "number_disputed": N_("Schrijft dat dit nummer niet van de persoon is"),
    "out_of_scope": N_("Vraag valt buiten wat de assistent weet"),
    "nlu_fallback": N_("Niet begrepen"),
}

# Absence reasons worded for staff (the person-worded ones are in api.i18n.formatting).
STAFF_REASON_LABELS = {
    "sick": N_("ziek"),
    "child_sick": N_("kind ziek"),
    "work": N_("werk"),
    "job_interview": N_("sollicitatiegesprek"),
    "medical_appointment": N_("afspraak bij dokter of ziekenhuis"),
    "exam_or_school": N_("examen of school"),
    "transport": N_("vervoer"),
    "family_emergency": N_("noodgeval in de familie"),
    "religious_holiday": N_("religieuze feestdag"),
    "other": N_("andere reden"),
}

LANGUAGE_LABELS = {
    "nl": N_("Nederlands"),
    "en": N_("Engels"),
    "ar": N_("Arabisch"),
    "ti": N_("Tigrinya"),
    "fa": N_("Perzisch (Farsi)"),
    "fa_AF": N_("Dari"),
    "tr": N_("Turks"),
    "so": N_("Somalisch"),
    "ps": N_("Pashto"),
    "ku": N_("Koerdisch (Kurmanji)"),
}

KIND_LABELS = {
    "brede_intake": N_("Brede intake"),
    "leerbaarheidstoets": N_("Leerbaarheidstoets"),
    "pip_gesprek": N_("PIP-gesprek"),
    "voortgangsgesprek": N_("Voortgangsgesprek"),
    "pvt_bijeenkomst": N_("PVT-bijeenkomst"),
    "pvt_excursie": N_("PVT-excursie"),
    "map_activiteit": N_("MAP-activiteit"),
    "knm_les": N_("KNM-les"),
}

CHANNEL_LABELS = {"sms": N_("SMS"), "whatsapp": N_("WhatsApp"), "web": N_("Web")}


def appointment_title(language: str, kind: str, starts_at: datetime) -> str:
    """An appointment as staff name it, by kind and local time: "PVT-bijeenkomst woensdag 9 december 2026
    10:00" (never "afspraak 1")."""
    local = starts_at.astimezone(TZ)
    code = languages.normalize(language) or languages.DEFAULT
    day = format_date(local, format="full", locale=languages.LANGUAGES[code].babel_locale)
    kind_text = gettext(language, KIND_LABELS[kind]) if kind in KIND_LABELS else kind
    return f"{kind_text} {day} {local:%H:%M}"


def intent_options(language: str, intents: list[str]) -> str:
    """ "1 = ik kan niet komen" lines, in the person's language, numbered in the order given."""
    return "\n".join(
        f"{n} = {render(language, INTENT_LABELS[intent])}"
        for n, intent in enumerate(intents, 1)
        if intent in INTENT_LABELS
    )
