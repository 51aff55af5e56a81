"""The words of reminders and notices (Dutch source strings, rendered in the person's language).

One msgid per line, so a line without a value (no staff member, nothing to bring) is simply left out
and translators see short, self-contained sentences. Plain B1 Dutch, GSM-7 only.

An SMS reminder has a budget (docs/adr/0008-sms-reminder-budget.md): two segments in languages that stay
in GSM-7, three in the others. The lines a person needs to turn up or answer (what, when, where, the
answer menu) are always there; the others are added in order of importance while the text stays within
the budget. WhatsApp and the web have no per-segment price and get every line.
"""

from __future__ import annotations

from api.appointments.models import Appointment
from api.i18n import formatting, languages, segments
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
# Informs, never threatens; no longer than the line it replaced, so every reminder keeps its SMS budget.
CONSEQUENCE = N_("Kun je niet komen? Laat het ons vooraf weten.")
MENU = N_("Antwoord: 1 Ik kom, 2 Ik kan niet komen, 3 Andere tijd")
ASK_TO_TELL = N_("Kun je niet komen? Stuur ons een bericht.")
NO_NEED_TO_COME = N_("Je hoeft niet te komen. Vragen? Stuur een bericht.")
CALENDAR = N_("In je agenda zetten: {url}")

# Optional lines, most important first: what to bring decides whether the appointment can go ahead, the
# consequence line is a nudge the invitation letter also gives, and the bot names the staff member when
# asked ("wanneer is mijn afspraak?").
OPTIONAL_BY_IMPORTANCE = ("bring", "consequence", "staff")


def sms_budget(language: str) -> int:
    """The most segments an SMS reminder or notice may cost in `language` (issue 7's targets)."""
    code = languages.normalize(language) or languages.DEFAULT
    return 2 if languages.LANGUAGES[code].gsm7_friendly else 3


def reminder_lines(language: str, appointment: Appointment, kind: str, slot: str) -> list[tuple[str, str]]:
    """Every line of a reminder or notice as (name, text), in reading order; names of optional lines
    are in OPTIONAL_BY_IMPORTANCE."""
    heading = HEADINGS[(kind, None if kind == "reminder" else slot)]
    what = formatting.kind_label(language, appointment.kind)
    when = formatting.format_datetime(language, appointment.starts_at)
    lines = [("heading", render(language, heading, what=what)), ("when", render(language, WHEN, when=when))]
    if slot == "cancelled":
        return [*lines, ("answer", render(language, NO_NEED_TO_COME))]
    lines.append(("where", render(language, WHERE, where=formatting.isolate(language, appointment.location))))
    if appointment.staff is not None:
        who = formatting.isolate(language, appointment.staff.name)
        lines.append(("staff", render(language, WITH_WHOM, who=who)))
    bring = formatting.things_to_bring(language, appointment.bring_items, appointment.what_to_bring)
    if bring:
        lines.append(("bring", render(language, BRING, bring=bring)))
    lines.append(("consequence", render(language, CONSEQUENCE)))
    # The gateway turns a bare 1/2/3 into the matching action only right after a reminder; after a
    # notice people answer in their own words, which the bot links to this appointment.
    lines.append(("answer", render(language, MENU if kind == "reminder" else ASK_TO_TELL)))
    return lines


def fit_to_budget(lines: list[tuple[str, str]], budget: int) -> list[tuple[str, str]]:
    """The required lines plus as many optional ones, most important first, as fit `budget` segments.

    Required lines are never shortened, so a very long address can still go over the budget.
    """
    kept = {name for name, _ in lines if name not in OPTIONAL_BY_IMPORTANCE}
    for optional in OPTIONAL_BY_IMPORTANCE:
        trial = kept | {optional}
        text = "\n".join(line for name, line in lines if name in trial)
        if segments.count(text).segments <= budget:
            kept = trial
    return [(name, line) for name, line in lines if name in kept]


def reminder_text(
    language: str,
    appointment: Appointment,
    kind: str,
    slot: str,
    *,
    sms: bool = True,
    calendar_url: str | None = None,
) -> str:
    """The text of a reminder or notice, from the appointment as it is now.

    With `sms` the text is fitted to the language's SMS budget (sms_budget); otherwise every line is
    kept and `calendar_url`, if given, is added.
    """
    lines = reminder_lines(language, appointment, kind, slot)
    if sms:
        lines = fit_to_budget(lines, sms_budget(language))
    elif calendar_url:
        lines.append(("calendar", render(language, CALENDAR, url=calendar_url)))
    return "\n".join(line for _, line in lines)
