"""Labels staff read in the web UI: Dutch source strings, translated through the catalogs like all text.

These describe the person's message to the klantmanager ("Wil een andere afspraak"), so they are worded
for staff, unlike the labels in api.i18n.formatting which speak to the person ("ik ben ziek"). The
ones the evidence file shares live in api.i18n.labels.
"""

from __future__ import annotations

from api.i18n.catalog import N_

# Shared with the evidence file; re-exported because api.web.rendering takes every table from here.
from api.i18n.labels import ASSESSMENT_LABELS as ASSESSMENT_LABELS
from api.i18n.labels import ATTENDANCE_LABELS as ATTENDANCE_LABELS
from api.i18n.labels import DELIVERY_LABELS as DELIVERY_LABELS
from api.i18n.labels import TASK_LABELS as TASK_LABELS

INTENT_LABELS = {
    "greet": N_("Groet"),
    "goodbye": N_("Zegt gedag"),
    "thanks": N_("Bedankt"),
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
    "out_of_scope": N_("Vraag valt buiten wat de assistent weet"),
    "nlu_fallback": N_("Niet begrepen"),
}

REASON_LABELS = {
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


ESCALATION_REASON_LABELS = {
    "request_human": N_("Wil een mens spreken"),
    "fallback": N_("De assistent begreep het niet"),
    "low_confidence": N_("De assistent twijfelde"),
    "urgent_help": N_("Dringende hulp"),
    "api_unavailable": N_("Systeem was niet bereikbaar"),
    "reschedule": N_("Wil een andere afspraak"),
    "opt_out": N_("Wil geen berichten meer"),
}

ESCALATION_STATUS_LABELS = {
    "open": N_("Open"),
    "claimed": N_("In behandeling"),
    "resolved": N_("Afgehandeld"),
}


CHANNEL_LABELS = {"sms": N_("SMS"), "whatsapp": N_("WhatsApp"), "web": N_("Web")}


MESSAGE_KIND_LABELS = {
    "person": N_("Bericht van de persoon"),
    "bot_reply": N_("Antwoord van de assistent"),
    "reminder": N_("Herinnering"),
    "notice": N_("Melding"),
    "broadcast": N_("Groepsbericht"),
    "staff_reply": N_("Antwoord van een medewerker"),
    "system": N_("Systeembericht"),
}

LEERROUTE_LABELS = {"b1": N_("B1-route"), "onderwijs": N_("Onderwijsroute"), "z": N_("Z-route")}

MAP_LABELS = {
    "not_started": N_("Nog niet begonnen"),
    "in_progress": N_("Bezig"),
    "completed": N_("Klaar"),
    "exempt": N_("Vrijgesteld"),
}

DOELGROEP_LABELS = {
    "asielstatushouder": N_("Asielstatushouder"),
    "nareiziger": N_("Nareiziger"),
    "gezinsmigrant": N_("Gezinsmigrant"),
    "overige_migrant": N_("Overige migrant"),
    "ondertussengroep": N_("Ondertussengroep"),
}

AUDIENCE_LABELS = {
    "appointment": N_("Iedereen van een afspraak"),
    "leerroute": N_("Iedereen in een leerroute"),
    "doelgroep": N_("Iedereen in een doelgroep"),
    "caseload": N_("De caseload van een klantmanager"),
    "list": N_("Een lijst van mensen"),
}

BROADCAST_STATUS_LABELS = {
    "scheduled": N_("Gepland"),
    "sent": N_("Verstuurd"),
    "cancelled": N_("Geannuleerd"),
}

SKIP_LABELS = {
    "opted_out": N_("Wil geen berichten (STOP)"),
    "no_channel": N_("Geen bruikbaar nummer"),
    "left_caseload": N_("Niet meer in de caseload"),
}

RECIPIENT_STATUS_LABELS = {
    "planned": N_("Krijgt het bericht"),
    "cancelled": N_("Geannuleerd"),
}
