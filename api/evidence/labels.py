"""The Dutch staff wording of the codes in the evidence file (events, statuses, reasons, actors, page).

The file itself keeps the codes (JSON); these labels are for the CSV and the printable page.
"""

from __future__ import annotations

from api.i18n.catalog import N_, gettext
from api.i18n.labels import ASSESSMENT_LABELS, ATTENDANCE_LABELS, DELIVERY_LABELS, TASK_LABELS

STAFF_LANGUAGE = "nl"  # the hearing file is in Dutch

EVENT_LABELS = {
    "reminder_sent": N_("herinnering verstuurd"),
    "notice_sent": N_("bericht over wijziging verstuurd"),
    "reminder_planned": N_("herinnering gepland"),
    "reminder_not_sent": N_("herinnering niet verstuurd"),
    "follow_up": N_("taak voor klantmanager"),
    "reply": N_("antwoord van inburgeraar"),
    "confirmed": N_("komst bevestigd"),
    "absence_reported": N_("afmelding"),
    "reschedule_requested": N_("vraag om andere tijd"),
    "checked_in": N_("aangemeld op locatie"),
    "staff_action": N_("handeling medewerker"),
    "assessment": N_("beoordeling"),
    "task": N_("taak geopend"),
}
STATUS_LABELS = {
    **ATTENDANCE_LABELS,
    **ASSESSMENT_LABELS,
    **{k: v for k, v in DELIVERY_LABELS.items() if k not in ("received", "processed")},
    "skipped": N_("Overgeslagen"),
    "planned": N_("Gepland"),
    "scheduled": N_("Gepland"),
    "rescheduled": N_("Verplaatst"),
    "completed": N_("Afgerond"),
    "open": N_("Open"),
    "done": N_("Afgehandeld"),
}
REASON_LABELS = {
    "moved_into_window": N_("verschoven naar de verzendtijden"),
    "slot_passed": N_("dit moment was al voorbij toen de afspraak werd gemaakt of verplaatst"),
    "no_time_in_window": N_("geen verzendtijd meer voor de start"),
    "outside_window_urgent": N_("buiten de verzendtijden verstuurd, omdat het anders te laat was"),
    "covered_by_notice": N_("niet nodig: er ging net een bericht over deze afspraak"),
    "appointment_moved": N_("afspraak verplaatst"),
    "appointment_cancelled": N_("afspraak gaat niet door"),
    "appointment_started": N_("afspraak was al begonnen (systeem werkte niet)"),
    "opted_out": N_("persoon wil geen automatische berichten"),
    "no_channel": N_("geen bruikbaar telefoonnummer"),
    "deferred_to_window": N_("uitgesteld tot de verzendtijden"),
    "late_outside_window": N_("te laat en buiten de verzendtijden verstuurd"),
    "sent_late": N_("later verstuurd dan gepland (systeem werkte niet)"),
    "task_reminder_unanswered": N_("geen reactie: klantmanager belt"),
    "task_undeliverable": N_("bericht kwam niet aan: klantmanager belt"),
    **{
        k: TASK_LABELS[k]
        for k in ("reminder_unanswered", "undeliverable", "absence_reported", "reschedule_requested")
    },
    "no_longer_participant": N_("geen deelnemer meer"),
    "attendance_absence_reported": N_("persoon had zich al afgemeld"),
    "attendance_checked_in": N_("persoon was al ingecheckt"),
    "attendance_attended": N_("persoon was al aanwezig"),
    "attendance_no_show": N_("al vastgelegd als niet verschenen"),
}
# Reasons that end in the slot or status they refer to ("merged_with_1d", "answered_confirmed").
REASON_PREFIXES = {
    "merged_with_": N_("samengevoegd met een latere herinnering"),
    "answered_": N_("persoon had al gereageerd"),
}
ACTION_LABELS = {
    "create": N_("afspraak gemaakt"),
    "update": N_("afspraak gewijzigd"),
    "confirm": N_("komst bevestigd"),
    "report_absence": N_("afmelding vastgelegd"),
    "request_reschedule": N_("andere tijd gevraagd"),
    "check_in": N_("aangemeld op locatie"),
    "mark": N_("aanwezigheid vastgelegd"),
    "assess": N_("afwezigheid beoordeeld"),
    "new_time": N_("nieuwe afspraak gemaakt"),
}
# What the person can do themselves (through the bot); done by a staff member it was done for them.
PERSON_ACTIONS = frozenset({"confirm", "report_absence", "request_reschedule", "new_time"})
ON_BEHALF = N_("{name} (namens de inburgeraar)")
ACTOR_LABELS = {
    "service": N_("assistent (namens de inburgeraar)"),
    "system": N_("systeem"),
    "admin": N_("beheerder"),
}
PAGE_LABELS = {
    "title_appointment": N_("Verslag van een afspraak"),
    "title_person": N_("Verslag van afspraken van een inburgeraar"),
    "intro": N_(
        "Overzicht van herinneringen, antwoorden, afmelding en beoordeling, voor het horen van de "
        "inburgeraar voordat een boete wordt overwogen."
    ),
    "appointment": N_("Afspraak"),
    "kind": N_("Soort"),
    "starts_at": N_("Start"),
    "location": N_("Plaats"),
    "status": N_("Status"),
    "participant": N_("Inburgeraar"),
    "attendance": N_("Aanwezigheid"),
    "absence": N_("Afmelding"),
    "hours_before": N_("uur voor de start"),
    "late": N_("na de start"),
    "assessment": N_("Beoordeling"),
    "no_events": N_("Geen gebeurtenissen."),
    "generated_at": N_("Gemaakt op"),
    "by": N_("door"),
    "consent": N_("Automatische berichten"),
    "opted_out": N_("afgemeld (geen automatische berichten)"),
    "granted": N_("aan"),
}


def t(msgid: str) -> str:
    """A label in the language of the hearing file."""
    return gettext(STAFF_LANGUAGE, msgid)


def reason_label(code: str | None) -> str:
    """Why a reminder moved or was not sent, in words; an unknown code is shown as it is."""
    if not code:
        return ""
    if code in REASON_LABELS:
        return t(REASON_LABELS[code])
    for prefix, label in REASON_PREFIXES.items():
        if code.startswith(prefix):
            return t(label)
    return code


def status_label(code: str) -> str:
    """A delivery, reminder, task, attendance or assessment status in words."""
    return t(STATUS_LABELS[code]) if code in STATUS_LABELS else code


def action_label(code: str) -> str:
    """A staff action from the audit log in words."""
    return t(ACTION_LABELS[code]) if code in ACTION_LABELS else code
