"""SMS cost of every text a newcomer receives, in ten languages (`sms-cost` section of docs/benchmarks.md).

Renders each reminder and notice (api.reminders.texts), bot answer (the NLG endpoint), gateway reply,
broadcast template and canned reply with realistic values, counts characters, encoding and segments
(api.i18n.segments), and flags texts over the targets of issue 7:

- reminders and notices: at most 2 segments where the language can stay in GSM-7 (nl, en, so), at most 3 in
  UCS-2 languages;
- everything else (bot answers, replies, broadcasts): at most 3 segments.

Run: `.venv/api/bin/python -m bench.sms_cost` (also part of `make bench`). Exits 1 when a target is missed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import mean
from types import SimpleNamespace

from api.appointments.models import Appointment
from api.bot_endpoints import service as bot_service
from api.bot_endpoints.messages import PLACEHOLDER_DEFAULTS, RESPONSES
from api.broadcasts.service import Renderer
from api.broadcasts.templates import TEMPLATES
from api.i18n import catalog, languages, manage, segments
from api.i18n.catalog import render
from api.i18n.formatting import TZ
from api.messaging import gateway
from api.messaging.service import WHATSAPP_WAITING
from api.people.models import Inburgeraar
from api.reminders import texts
from api.reminders.texts import reminder_text
from api.staff.models import Staff
from api.web.canned import CANNED_REPLIES, render_reply
from bench.report import write_section

CODES = languages.CODES
LOCATION = "Wijkcentrum De Schakel, Burgemeester Kuperusplein 12, Heerenveen"
SHORT_LOCATION = "Stadskantoor, Balie 4"
STAFF = "Sanne de Vries"
BRING = ["invitation_letter", "id_document"]  # chosen by staff, named in the person's language
PHONE = "14 0513"
KM_PHONE = "06 1234 5678"


def next_tuesday_10(now: datetime | None = None) -> datetime:
    """The coming Tuesday at 10:00 in Amsterdam: the PVT excursion every text is about."""
    local = (now or datetime.now(TZ)).astimezone(TZ)
    days = (1 - local.weekday()) % 7 or 7
    return (local + timedelta(days=days)).replace(hour=10, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class Row:
    group: str  # reminder | notice | bot | reply | broadcast | canned
    name: str
    render: Callable[[str], str]

    @property
    def strict(self) -> bool:
        """Reminders and notices arrive unasked, several per appointment: the tighter target applies."""
        return self.group in ("reminder", "notice")


def target(row: Row, code: str, info: segments.SegmentInfo) -> int:
    if row.strict and languages.LANGUAGES[code].gsm7_friendly:
        return 2
    return 3


def appointments(starts_at: datetime) -> dict[str, Appointment]:
    """The appointments the reminder rows are about: a long address, a short one, and a bare one."""
    staff = Staff(name=STAFF, phone=KM_PHONE)
    return {
        "reminder (3 days before)": Appointment(
            kind="pvt_excursie", starts_at=starts_at, location=LOCATION, staff=staff, bring_items=BRING
        ),
        "reminder (short address)": Appointment(
            kind="pvt_excursie",
            starts_at=starts_at,
            location=SHORT_LOCATION,
            staff=staff,
            bring_items=BRING,
        ),
        "reminder (no staff, nothing to bring)": Appointment(
            kind="pvt_excursie", starts_at=starts_at, location=LOCATION, staff=None, what_to_bring=None
        ),
    }


def rows(starts_at: datetime) -> Iterator[Row]:
    reminders = appointments(starts_at)
    for name, item in reminders.items():
        yield Row("reminder", name, lambda c, a=item: reminder_text(c, a, "reminder", "3d"))
    appointment = reminders["reminder (3 days before)"]
    for slot in ("new", "changed", "cancelled"):
        yield Row("notice", f"notice: {slot}", lambda c, s=slot: reminder_text(c, appointment, "notice", s))

    arguments = {
        "kind": "pvt_excursie",
        "starts_at": starts_at.isoformat(),
        "ends_at": (starts_at + timedelta(hours=3)).isoformat(),
        "date": "2029-01-11",
        "location": LOCATION,
        "staff": STAFF,
        "reason": "child_sick",
        "leerroute": "b1",
        "map_status": "in_progress",
        "pvt_hours_done": 4,
        "pvt_hours_required": 12,
        "klantmanager_name": STAFF,
        "klantmanager_phone": KM_PHONE,
        "municipality_phone": PHONE,
        "appointment_list": [
            {"n": 1, "kind": "pvt_excursie", "starts_at": starts_at.isoformat()},
            {"n": 2, "kind": "voortgangsgesprek", "starts_at": (starts_at + timedelta(days=2)).isoformat()},
        ],
        **PLACEHOLDER_DEFAULTS,
    }
    for name in RESPONSES:
        payload = {"response": name, "arguments": arguments}
        yield Row(
            "bot",
            name,
            lambda c, p=payload: bot_service.nlg({**p, "tracker": {"slots": {"language": c}}}, RESPONSES)[
                "text"
            ],
        )

    yield Row(
        "reply",
        "unknown number (" + "+".join(gateway.UNKNOWN_NUMBER_LANGUAGES) + ")",
        lambda c: "\n".join(
            render(code, gateway.UNKNOWN_NUMBER, phone=PHONE) for code in gateway.UNKNOWN_NUMBER_LANGUAGES
        ),
    )
    for name in (
        "HANDOFF_HOLDING",
        "OUTAGE_HOLDING",
        "MEDIA_ONLY",
        "NOTHING_TO_READ",
        "STOP_CONFIRMED",
        "START_CONFIRMED",
        "HELP_TEXT",
    ):
        msgid = getattr(gateway, name)
        yield Row("reply", name.lower(), lambda c, m=msgid: render(c, m, phone=PHONE))
    yield Row("reply", "whatsapp_waiting", lambda c: render(c, WHATSAPP_WAITING))

    settings = SimpleNamespace(municipality_phone=PHONE)
    values = {
        "kind": "pvt_excursie",
        "when": starts_at.isoformat(),
        "date": starts_at.date().isoformat(),
        "location": LOCATION,
    }
    for key, template in TEMPLATES.items():
        renderer = Renderer(template, {k: values[k] for k in template.variables}, settings)
        yield Row("broadcast", key, lambda c, r=renderer: r.text(c, "Amina"))

    staff = Staff(name=STAFF, phone=KM_PHONE)
    for key in CANNED_REPLIES:
        yield Row(
            "canned",
            key,
            lambda c, k=key: render_reply(k, Inburgeraar(name="Amina Haddad", language=c), staff, PHONE).text,
        )


def measure(starts_at: datetime) -> list[tuple[Row, dict[str, segments.SegmentInfo]]]:
    return [(row, {code: segments.count(row.render(code)) for code in CODES}) for row in rows(starts_at)]


def _cell(row: Row, code: str, info: segments.SegmentInfo) -> str:
    enc = "G" if info.encoding == "GSM-7" else "U"
    over = info.segments > target(row, code, info)
    text = f"{info.segments} · {info.characters}{enc}"
    return f"**{text} ✗**" if over else text


def report(
    results: list[tuple[Row, dict[str, segments.SegmentInfo]]], starts_at: datetime
) -> tuple[str, list[str]]:
    violations = [
        f"{row.name} [{code}]: {info.segments} segments ({info.encoding}, {info.units} units), target "
        f"{target(row, code, info)}"
        for row, per in results
        for code, info in per.items()
        if info.segments > target(row, code, info)
    ]
    lines = [
        "Every text a newcomer can receive, rendered in each language with realistic values: a PVT excursion "
        f'on {starts_at:%A %d %B %Y at %H:%M} (Europe/Amsterdam) at "{LOCATION}" with {STAFF}, '
        f"{' and '.join(BRING)} to bring (bring items, named in each language), phone numbers {PHONE} / "
        f"{KM_PHONE}. Reminders come from "
        "`api.reminders.texts.reminder_text` (SMS: no calendar link), bot answers from the NLG endpoint, "
        "broadcasts from `api.broadcasts.service.Renderer`, canned replies from "
        "`api.web.canned.render_reply`.",
        "",
        "Targets: reminders and notices ≤ 2 segments in GSM-7 languages (nl, en, so) and ≤ 3 in UCS-2 "
        "languages; every other text ≤ 3 segments. Cells: `segments · characters` and encoding "
        "(G = GSM-7, U = UCS-2); **✗** marks a text over its target.",
        "",
        "### Average segments per language",
        "",
        "| | " + " | ".join(CODES) + " |",
        "|---|" + "---|" * len(CODES),
    ]
    groups = [
        ("reminders and notices", lambda r: r.strict),
        ("bot answers", lambda r: r.group == "bot"),
        ("replies, broadcasts, canned", lambda r: r.group in ("reply", "broadcast", "canned")),
        ("all texts", lambda r: True),
    ]
    for label, keep in groups:
        cells = [f"{mean(per[c].segments for row, per in results if keep(row)):.2f}" for c in CODES]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    cells = [str(sum(1 for row, per in results if per[c].segments > target(row, c, per[c]))) for c in CODES]
    lines.append("| over target | " + " | ".join(cells) + " |")
    ucs2 = [f"{sum(1 for _, per in results if per[c].encoding == 'UCS-2')}/{len(results)}" for c in CODES]
    lines.append("| texts in UCS-2 | " + " | ".join(ucs2) + " |")
    lines += ["", "### Per text", "", "| text | " + " | ".join(CODES) + " |", "|---|" + "---|" * len(CODES)]
    for row, per in results:
        lines.append(
            f"| {row.group}: `{row.name}` | " + " | ".join(_cell(row, c, per[c]) for c in CODES) + " |"
        )
    lines += ["", *kept_lines_table(starts_at)]
    if violations:
        lines += ["", f"**{len(violations)} texts over target:**", ""] + [f"- {v}" for v in violations]
    else:
        lines += ["", "All texts meet their targets."]
    return "\n".join(lines), violations


def kept_lines_table(starts_at: datetime) -> list[str]:
    """Which optional lines each language's SMS reminder keeps within its budget (ADR 0008)."""
    lines = [
        "### Optional lines an SMS reminder keeps",
        "",
        "What, when, where and the answer menu are always sent; what to bring, the consequence line and the "
        "staff member are added in that order while the text stays within the budget (2 segments in nl, en, "
        "so; 3 in the others). WhatsApp gets every line. ✓ kept, – left out of the SMS.",
        "",
        "| address | line | " + " | ".join(CODES) + " |",
        "|---|---|" + "---|" * len(CODES),
    ]
    for appointment in appointments(starts_at).values():
        if appointment.staff is None:
            continue
        kept = {
            code: {
                line
                for line, _ in texts.fit_to_budget(
                    texts.reminder_lines(code, appointment, "reminder", "3d"), texts.sms_budget(code)
                )
            }
            for code in CODES
        }
        for optional in texts.OPTIONAL_BY_IMPORTANCE:
            cells = ["✓" if optional in kept[code] else "–" for code in CODES]
            lines.append(f"| {appointment.location} | {optional} | " + " | ".join(cells) + " |")
    return lines


def main(argv: list[str] | None = None) -> int:
    manage.compile_all()  # measure the catalogs as they are now, not stale .mo files
    catalog.translations.cache_clear()
    starts_at = next_tuesday_10()
    results = measure(starts_at)
    markdown, violations = report(results, starts_at)
    write_section("sms-cost", "## SMS cost\n\n" + markdown)
    for line in violations:
        print("over target:", line)
    print(f"sms_cost: {len(results)} texts x {len(CODES)} languages, {len(violations)} over target")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
