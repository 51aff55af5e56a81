"""The broadcast catalog: the only texts a broadcast can send, so every one exists in all ten languages.

Each template is a Dutch source string with `{placeholders}`. `name` (the recipient's name) and `phone`
(the municipality's number) are filled automatically; the others are given when the broadcast is made,
typed so they can be written in each recipient's language:

- `kind`: an appointment kind code, shown translated with the Dutch term;
- `when`: a date and time with offset (ISO 8601), shown in the recipient's locale;
- `date`: a date (ISO 8601), shown in the recipient's locale;
- `location`: free text (an address or place name), shown as written.

With an appointment audience, `kind`, `when`, `date` and `location` default to that appointment's.
Here too: checking the values a broadcast gives (`check_variables`) and filling a template in per
language (`Renderer`).
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import date, datetime

from api.appointments.models import Appointment, AppointmentKind
from api.errors import InvalidInput
from api.i18n import formatting
from api.i18n.catalog import N_, render
from api.settings import Settings

AUTOMATIC = frozenset({"name", "phone"})
VARIABLE_TYPES = {"kind": "kind", "when": "datetime", "date": "date", "location": "text"}
TEXT_MAX = 120


@dataclass(frozen=True)
class Template:
    key: str
    text: str  # Dutch msgid
    title: str  # Dutch msgid, for the composer's list

    @property
    def variables(self) -> list[str]:
        """Variables the sender supplies (in the order they appear)."""
        seen: list[str] = []
        for name in placeholders_in_order(self.text):
            if name not in AUTOMATIC and name not in seen:
                seen.append(name)
        return seen


def placeholders_in_order(text: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(text) if name]


TEMPLATES: dict[str, Template] = {
    t.key: t
    for t in (
        Template(
            "appointment_reminder",
            N_(
                "Hallo {name}. Denk aan je afspraak: {kind} op {when}. Plaats: {location}. "
                "Kun je niet komen? Laat het ons weten."
            ),
            N_("Herinnering aan een groepsafspraak"),
        ),
        Template(
            "appointment_new_location",
            N_("Hallo {name}. Let op: je afspraak {kind} op {when} is op een andere plek: {location}."),
            N_("Afspraak op een andere plek"),
        ),
        Template(
            "appointment_cancelled",
            N_("Hallo {name}. Je afspraak {kind} op {when} gaat niet door. Je hoeft niet te komen."),
            N_("Groepsafspraak gaat niet door"),
        ),
        Template(
            "office_closed",
            N_("Hallo {name}. Het gemeentehuis is dicht op {date}. Heb je een vraag? Bel {phone}."),
            N_("Gemeentehuis dicht"),
        ),
        Template(
            "call_us",
            N_(
                "Hallo {name}. Wij willen je graag spreken over je inburgering. Bel ons op {phone} of stuur "
                "een bericht terug."
            ),
            N_("Vraag om contact op te nemen"),
        ),
    )
}

for _template in TEMPLATES.values():
    unknown = set(_template.variables) - set(VARIABLE_TYPES)
    assert not unknown, f"template {_template.key} uses untyped variables {unknown}"


def template_for(key: str) -> Template:
    template = TEMPLATES.get(key)
    if template is None:
        raise InvalidInput(
            f"unknown template {key!r}; see GET /api/v1/broadcasts/templates", field="template"
        )
    return template


def check_variables(
    template: Template, given: dict[str, str], appointment: Appointment | None
) -> dict[str, str]:
    """The template's variables as raw strings, checked by type; an appointment audience fills gaps."""
    unknown = sorted(set(given) - set(template.variables))
    if unknown:
        raise InvalidInput(
            f"template {template.key} has no variable {unknown[0]!r}", field=f"variables.{unknown[0]}"
        )
    defaults = _appointment_values(appointment) if appointment is not None else {}
    values: dict[str, str] = {}
    for name in template.variables:
        value = (given.get(name) if given.get(name) not in (None, "") else defaults.get(name)) or ""
        values[name] = _checked(name, value.strip())
    return values


def _appointment_values(appointment: Appointment) -> dict[str, str]:
    return {
        "kind": appointment.kind,
        "when": appointment.starts_at.isoformat(),
        "date": appointment.starts_at.astimezone(formatting.TZ).date().isoformat(),
        "location": appointment.location,
    }


def _checked(name: str, value: str) -> str:
    """`value` when it fits the variable's type; InvalidInput naming the variable otherwise."""
    where = f"variables.{name}"
    if not value:
        raise InvalidInput(f"variable {name!r} is required", field=where)
    kind = VARIABLE_TYPES[name]
    if kind == "kind" and value not in AppointmentKind.__members__:
        raise InvalidInput(f"{name} must be an appointment kind", field=where)
    if kind == "datetime":
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidInput(f"{name} must be an ISO 8601 date and time", field=where) from None
        if parsed.tzinfo is None:
            raise InvalidInput(f"{name} must carry an offset, e.g. +01:00", field=where)
    if kind == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            raise InvalidInput(f"{name} must be an ISO 8601 date", field=where) from None
    if kind == "text" and (len(value) > TEXT_MAX or "\n" in value):
        raise InvalidInput(f"{name} must be one line of at most {TEXT_MAX} characters", field=where)
    return value


class Renderer:
    """Renders one template for many recipients; values are formatted once per language."""

    def __init__(self, template: Template, values: dict[str, str], settings: Settings) -> None:
        self.template, self.values, self.settings = template, values, settings
        self._per_language: dict[str, dict[str, str]] = {}

    def _formatted(self, language: str) -> dict[str, str]:
        if language not in self._per_language:
            out = {"phone": formatting.isolate(language, self.settings.municipality_phone)}
            for name, raw in self.values.items():
                kind = VARIABLE_TYPES[name]
                if kind == "kind":
                    out[name] = formatting.kind_label(language, raw)
                elif kind == "datetime":
                    out[name] = formatting.format_datetime(language, raw)
                elif kind == "date":
                    out[name] = formatting.format_date(language, raw)
                else:
                    out[name] = formatting.isolate(language, raw)
            self._per_language[language] = out
        return self._per_language[language]

    def text(self, language: str, name: str) -> str:
        return render(
            language, self.template.text, **self._formatted(language), name=formatting.isolate(language, name)
        )
