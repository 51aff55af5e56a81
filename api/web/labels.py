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
from api.i18n.labels import CHANNEL_LABELS as CHANNEL_LABELS
from api.i18n.labels import DELIVERY_LABELS as DELIVERY_LABELS
from api.i18n.labels import KIND_LABELS as KIND_LABELS
from api.i18n.labels import LANGUAGE_LABELS as LANGUAGE_LABELS
from api.i18n.labels import STAFF_REASON_LABELS, UNDERSTOOD_LABELS
from api.i18n.labels import TASK_LABELS as TASK_LABELS

INTENT_LABELS = UNDERSTOOD_LABELS
REASON_LABELS = STAFF_REASON_LABELS

ESCALATION_REASON_LABELS = {
    "crisis": N_("Crisissignaal"),
    "request_human": N_("Wil een mens spreken"),
    "fallback": N_("De assistent begreep het niet"),
    "low_confidence": N_("De assistent twijfelde"),
    "urgent_help": N_("Dringende hulp"),
    "api_unavailable": N_("Systeem was niet bereikbaar"),
    "reschedule": N_("Wil een andere afspraak"),
    "opt_out": N_("Wil geen berichten meer"),
}

# What the crisis net (api.safety.crisis) matched, as the inbox summary names it.
CRISIS_LABELS = {
    "suicide": N_("zelfdoding"),
    "medical": N_("medisch noodgeval"),
    "violence": N_("geweld"),
    "danger": N_("gevaar"),
}

INBOX_VIEW_LABELS = {
    "all": N_("Alle open vragen"),
    "mine": N_("Mijn vragen"),
    "unassigned": N_("Nog niet opgepakt"),
    "urgent": N_("Dringend"),
    "resolved": N_("Afgehandeld"),
}

ESCALATION_STATUS_LABELS = {
    "open": N_("Open"),
    "claimed": N_("In behandeling"),
    "resolved": N_("Afgehandeld"),
}


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
    "number_disputed": N_("Nummer misschien van iemand anders"),
    "left_caseload": N_("Niet meer in de caseload"),
}

RECIPIENT_STATUS_LABELS = {
    "planned": N_("Krijgt het bericht"),
    "cancelled": N_("Geannuleerd"),
}


# What the bot's form was doing when the person asked for a person ("Deze persoon was bezig met ...").
FORM_LABELS = {
    "absence_form": N_("zich afmelden voor een afspraak"),
    "confirm_form": N_("een afspraak bevestigen"),
    "reschedule_form": N_("een andere tijd vragen"),
    "checkin_form": N_("zich aanmelden op de locatie"),
    "language_form": N_("een taal kiezen"),
}

# What a klantmanager can record for the person (api.attendance.service.ForPerson, and a new time).
FOR_PERSON_LABELS = {
    "confirm": N_("Komst bevestigen"),
    "report_absence": N_("Afwezigheid vastleggen"),
    "request_reschedule": N_("Andere tijd aanvragen"),
    "new_time": N_("Nieuwe tijd vastleggen"),
}

# Why a question was closed without a reply (api.tasks.models.Resolution).
RESOLUTION_LABELS = {
    "replied": N_("Beantwoord"),
    "by_phone": N_("Telefonisch besproken"),
    "in_person": N_("Persoonlijk besproken"),
    "no_answer_needed": N_("Geen antwoord nodig"),
    "duplicate": N_("Dubbele vraag"),
}
