"""The Dutch staff wording of the codes in the evidence file (events, statuses, reasons, actors, page).

The file itself keeps the codes (JSON); these labels are for the CSV and the printable page, which show
no code and no internal number: appointments by kind and date, languages and channels by name, what a
staff member did in words, what the assistant understood in a Dutch line.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from api.i18n import formatting
from api.i18n.catalog import N_, gettext
from api.i18n.labels import (
    ASSESSMENT_LABELS,
    ATTENDANCE_LABELS,
    CHANNEL_LABELS,
    DELIVERY_LABELS,
    LANGUAGE_LABELS,
    STAFF_REASON_LABELS,
    TASK_LABELS,
    UNDERSTOOD_LABELS,
    appointment_title,
)

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
    "number_disputed": N_("nummer is misschien van iemand anders (nog niet nagegaan)"),
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
    "resolve": N_("vraag afgehandeld"),
    "claim": N_("vraag opgepakt"),
    "new_time": N_("nieuwe afspraak gemaakt"),
}
# A reminder's slot (its offset before the start: 7d, 2h) or a notice's kind, in words.
SLOT_UNITS = {
    "d": (N_("1 dag voor de start"), N_("{n} dagen voor de start")),
    "h": (N_("1 uur voor de start"), N_("{n} uur voor de start")),
    "m": (N_("1 minuut voor de start"), N_("{n} minuten voor de start")),
}
SLOT_LABELS = {
    "new": N_("nieuwe afspraak"),
    "changed": N_("afspraak gewijzigd"),
    "cancelled": N_("afspraak gaat niet door"),
    "no_answer": N_("geen reactie op de herinneringen"),
}
# What the audit log's details of a staff action or the assistant's say, by key.
CHANGED_FIELD_LABELS = {
    "starts_at": N_("begintijd"),
    "ends_at": N_("eindtijd"),
    "location": N_("plaats"),
    "staff_id": N_("medewerker"),
    "bring_items": N_("wat mee te nemen"),
    "what_to_bring": N_("wat mee te nemen"),
    "status": N_("status"),
}
# Who wrote a message of the conversation around the appointment.
SENDER_LABELS = {
    "person": N_("inburgeraar"),
    "bot_reply": N_("assistent"),
    "reminder": N_("herinnering"),
    "notice": N_("bericht over wijziging"),
    "broadcast": N_("groepsbericht"),
    "staff_reply": N_("medewerker"),
    "system": N_("systeem"),
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
    "language": N_("Taal"),
    "details": N_("Toelichting van de inburgeraar"),
    "note": N_("Notitie bij de beoordeling"),
    "assessed": N_("Beoordeeld"),
    "timeline": N_("Tijdlijn"),
    "conversation": N_("Gesprek rond de afspraak"),
    "conversation_window": N_(
        "Alle berichten met de inburgeraar van {start} tot {end}, en wat de assistent ervan begreep."
    ),
    "no_messages": N_("Geen berichten in deze periode."),
    "purged": N_("Tekst gewist na de bewaartermijn."),
    "print": N_("Afdrukken of bewaren als PDF: Ctrl+P (op een Mac: Cmd+P)."),
    "understood": N_("De assistent begreep"),
    "page": N_("Verslag voor de hoorplicht"),
}


def t(msgid: str, **values: Any) -> str:
    """A label in the language of the hearing file."""
    text = gettext(STAFF_LANGUAGE, msgid)
    return text.format(**values) if values else text


def local(value: datetime | None) -> str:
    """A moment in Dutch local time, day first: 11-03-2030 07:30."""
    return value.astimezone(formatting.TZ).strftime("%d-%m-%Y %H:%M") if value else ""


def hours(value: float | None) -> str:
    """Hours with a decimal comma: 26,5."""
    return "" if value is None else f"{value:.1f}".replace(".", ",")


def appointment_name(kind: str, starts_at: datetime) -> str:
    return appointment_title(STAFF_LANGUAGE, kind, starts_at)


def coded(table: dict[str, str], code: str | None) -> str:
    """A code from one of the shared label tables in words ("" for none; an unknown code as it is)."""
    if not code:
        return ""
    return t(table[code]) if code in table else code


def language_label(code: str | None) -> str:
    return coded(LANGUAGE_LABELS, code)


def channel_label(code: str | None) -> str:
    return coded(CHANNEL_LABELS, code)


def absence_reason(code: str | None) -> str:
    return coded(STAFF_REASON_LABELS, code)


def slot_label(code: str | None) -> str:
    """ "3 dagen voor de start" for a reminder's 3d, "afspraak gewijzigd" for a notice's changed."""
    if not code:
        return ""
    if code in SLOT_LABELS:
        return t(SLOT_LABELS[code])
    match = re.fullmatch(r"(\d+)([dhm])", code)
    if match is None:
        return code
    amount, unit = int(match.group(1)), match.group(2)
    one, many = SLOT_UNITS[unit]
    return t(one) if amount == 1 else t(many, n=amount)


def detail_text(detail: dict[str, Any] | None) -> str:
    """An audit event's details in words: "reden: ziek; gemeld voor de start". Keys without wording are
    left out: their codes stay in the JSON."""
    parts = []
    detail = detail or {}
    for key in ("reason", "late", "status", "assessment", "fields"):
        value = detail.get(key)
        if key == "reason" and value:
            parts.append(f"{t(N_('reden'))}: {absence_reason(value)}")
        elif key == "late" and value is not None:
            parts.append(t(N_("gemeld na de start")) if value else t(N_("gemeld voor de start")))
        elif key in ("status", "assessment") and value:
            parts.append(status_label(value))
        elif key == "fields" and value:
            names = [coded(CHANGED_FIELD_LABELS, name) for name in value]
            parts.append(f"{t(N_('gewijzigd'))}: {', '.join(dict.fromkeys(names))}")
    return "; ".join(parts)


def understood_line(intent: str | None, reasons: list[str], language: str | None) -> str:
    """What the assistant made of a message, as one Dutch line: "Meldt zich af voor een afspraak; reden:
    ziek; taal: Arabisch" (empty when it was not read)."""
    if not intent:
        return ""
    parts = [coded(UNDERSTOOD_LABELS, intent)]
    parts += [f"{t(N_('reden'))}: {absence_reason(r)}" for r in reasons]
    if language:
        parts.append(f"{t(N_('taal'))}: {language_label(language)}")
    return "; ".join(parts)


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
