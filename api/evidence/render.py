"""Render: the collected timelines as labelled rows, in Dutch words and local time (Europe/Amsterdam)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from api.evidence.labels import EVENT_LABELS, action_label, reason_label, status_label, t
from api.i18n import formatting
from api.i18n.catalog import N_

if TYPE_CHECKING:
    from api.evidence.collect import Participation

COLUMNS = [
    ("appointment_id", N_("afspraak")),
    ("appointment_kind", N_("soort afspraak")),
    ("appointment_starts_at", N_("start afspraak")),
    ("inburgeraar_id", N_("inburgeraar")),
    ("name", N_("naam")),
    ("at", N_("tijdstip")),
    ("event", N_("gebeurtenis")),
    ("channel", N_("kanaal")),
    ("language", N_("taal")),
    ("slot", N_("moment")),
    ("status", N_("status")),
    ("reason", N_("reden")),
    ("hours_before_start", N_("uren voor start")),
    ("actor", N_("door")),
    ("text", N_("tekst")),
]
# The printed page names the appointment and the person once per section, not on every row.
SECTION_COLUMNS = ("appointment_id", "appointment_kind", "appointment_starts_at", "inburgeraar_id", "name")


def local(value: datetime | None) -> str:
    return value.astimezone(formatting.TZ).strftime("%Y-%m-%d %H:%M") if value else ""


def event_status(event: dict[str, Any]) -> str:
    code = event.get("status") or ""
    return action_label(code) if event["event"] == "staff_action" else status_label(code)


def rows(participations: list[Participation]) -> list[dict[str, Any]]:
    """One row per event, keyed by the COLUMNS."""
    return [row(p, e) for p in participations for e in p.events]


def row(p: Participation, e: dict[str, Any]) -> dict[str, Any]:
    hours = e.get("hours_before_start")
    return {
        "appointment_id": p.appointment.id,
        "appointment_kind": p.appointment.kind,
        "appointment_starts_at": local(p.appointment.starts_at),
        "inburgeraar_id": p.person.id,
        "name": p.person.name,
        "at": local(e.get("at")),
        "event": t(EVENT_LABELS[e["event"]]),
        "channel": e.get("channel", ""),
        "language": e.get("language", ""),
        "slot": e.get("slot", ""),
        "status": event_status(e),
        "reason": e.get("reason_label") or reason_label(e.get("reason")),
        "hours_before_start": "" if hours is None else f"{hours:.1f}",
        "actor": e.get("actor", ""),
        "text": e.get("text", ""),
    }


def headers() -> dict[str, str]:
    """The Dutch header of every column."""
    return {key: t(label) for key, label in COLUMNS}


def section_columns() -> list[tuple[str, str]]:
    """(key, Dutch header) of the columns a section of the printed page shows."""
    return [(key, t(label)) for key, label in COLUMNS if key not in SECTION_COLUMNS]
