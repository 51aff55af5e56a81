"""The broadcast catalog: the only texts a broadcast can send, so every one exists in all ten languages.

Each template is a Dutch source string with `{placeholders}`. `name` (the recipient's name) and `phone`
(the municipality's number) are filled automatically; the others are given when the broadcast is made,
typed so they can be written in each recipient's language:

- `kind`: an appointment kind code, shown translated with the Dutch term;
- `when`: a date and time with offset (ISO 8601), shown in the recipient's locale;
- `date`: a date (ISO 8601), shown in the recipient's locale;
- `location`: free text (an address or place name), shown as written.

With an appointment audience, `kind`, `when`, `date` and `location` default to that appointment's.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from api.i18n.catalog import N_

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
