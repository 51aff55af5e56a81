"""The words of reminders and notices (Dutch source strings, rendered in the person's language).

One msgid per line, so a line without a value (no staff member, nothing to bring) is simply left out
and translators see short, self-contained sentences. Plain B1 Dutch, GSM-7 only, and short: a reminder
with an ordinary address fits two SMS segments in Dutch.
"""

from __future__ import annotations

from api.appointments.models import Appointment
from api.i18n import formatting
from api.i18n.catalog import N_, render

HEADINGS = {
    ("reminder", None): N_("Herinnering: {what}"),
    ("notice", "new"): N_("Nieuwe afspraak: {what}"),
    ("notice", "changed"): N_("Je afspraak is veranderd: {what}"),
    ("notice", "cancelled"): N_("Je afspraak gaat niet door: {what}"),
}
WHEN = N_("Wanneer: {when}")
WHERE = N_("Waar: {where}")
WITH_WHOM = N_("Met: {who}")
BRING = N_("Meenemen: {bring}")
CONSEQUENCE = N_("Niet komen zonder afmelden kan gevolgen hebben.")
MENU = N_("Antwoord: 1 Ik kom, 2 Ik kan niet komen, 3 Andere tijd")
ASK_TO_TELL = N_("Kun je niet komen? Stuur ons een bericht.")
NO_NEED_TO_COME = N_("Je hoeft niet te komen. Vragen? Stuur een bericht.")
CALENDAR = N_("In je agenda zetten: {url}")


def reminder_text(
    language: str, appointment: Appointment, kind: str, slot: str, *, calendar_url: str | None = None
) -> str:
    """The full text of a reminder or notice, from the appointment as it is now."""
    heading = HEADINGS[(kind, None if kind == "reminder" else slot)]
    what = formatting.kind_label(language, appointment.kind)
    when = formatting.format_datetime(language, appointment.starts_at)
    lines = [render(language, heading, what=what), render(language, WHEN, when=when)]
    if slot == "cancelled":
        lines.append(render(language, NO_NEED_TO_COME))
        return "\n".join(lines)
    lines.append(render(language, WHERE, where=formatting.isolate(language, appointment.location)))
    if appointment.staff is not None:
        lines.append(render(language, WITH_WHOM, who=formatting.isolate(language, appointment.staff.name)))
    if appointment.what_to_bring:
        lines.append(render(language, BRING, bring=appointment.what_to_bring.strip()))
    lines.append(render(language, CONSEQUENCE))
    # The gateway turns a bare 1/2/3 into the matching action only right after a reminder; after a
    # notice people answer in their own words, which the bot links to this appointment.
    lines.append(render(language, MENU if kind == "reminder" else ASK_TO_TELL))
    if calendar_url:
        lines.append(render(language, CALENDAR, url=calendar_url))
    return "\n".join(lines)
