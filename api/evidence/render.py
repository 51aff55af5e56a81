"""Render: the collected timelines as labelled rows, in Dutch words and local time (Europe/Amsterdam).

No codes and no internal numbers: the appointment is named by kind and date, languages and channels by
name, staff actions and what the assistant understood in words. The printed page and the CSV read the same.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from api.evidence.labels import (
    EVENT_LABELS,
    SENDER_LABELS,
    action_label,
    appointment_name,
    channel_label,
    coded,
    detail_text,
    hours,
    language_label,
    local,
    reason_label,
    slot_label,
    status_label,
    t,
    understood_line,
)
from api.i18n.catalog import N_

if TYPE_CHECKING:
    from api.evidence.collect import Participation

COLUMNS = [
    ("appointment", N_("afspraak")),
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
SECTION_COLUMNS = ("appointment", "name")
CONVERSATION_EVENT = N_("bericht in het gesprek")


def event_status(event: dict[str, Any]) -> str:
    code = event.get("status") or ""
    return action_label(code) if event["event"] == "staff_action" else status_label(code)


def event_reason(event: dict[str, Any]) -> str:
    if event["event"] == "staff_action":
        return detail_text(event.get("detail"))
    if event["event"] == "reply":
        return understood_line(event.get("intent"), [], None)
    return event.get("reason_label") or reason_label(event.get("reason"))


def rows(participations: list[Participation]) -> list[dict[str, Any]]:
    """One row per event, keyed by the COLUMNS."""
    return [row(p, e) for p in participations for e in p.events]


def row(p: Participation, e: dict[str, Any]) -> dict[str, Any]:
    return {
        "appointment": appointment_name(p.appointment.kind, p.appointment.starts_at),
        "name": p.person.name,
        "at": local(e.get("at")),
        "event": t(EVENT_LABELS[e["event"]]),
        "channel": channel_label(e.get("channel")),
        "language": language_label(e.get("language")),
        "slot": slot_label(e.get("slot")),
        "status": event_status(e),
        "reason": event_reason(e),
        "hours_before_start": hours(e.get("hours_before_start")),
        "actor": e.get("actor", ""),
        "text": e.get("text", ""),
    }


def conversation(p: Participation) -> list[dict[str, Any]]:
    """The messages around the appointment: when, who, on which channel, the text and the Dutch line."""
    return [
        {
            "at": local(m["at"]),
            "who": m["staff"] or coded(SENDER_LABELS, m["kind"]),
            "inbound": m["direction"] == "in",
            "channel": channel_label(m["channel"]),
            "language": m["language"],
            "text": m["text"],
            "understood": understood_line(m["intent"], m["reasons"], m["language"])
            if m["direction"] == "in"
            else "",
        }
        for m in p.conversation
    ]


def conversation_rows(participations: list[Participation]) -> list[dict[str, Any]]:
    """The conversation as rows of the COLUMNS, for the CSV (the page shows it as a transcript)."""
    out = []
    for p in participations:
        for m in conversation(p):
            out.append(
                {
                    "appointment": appointment_name(p.appointment.kind, p.appointment.starts_at),
                    "name": p.person.name,
                    "at": m["at"],
                    "event": t(CONVERSATION_EVENT),
                    "channel": m["channel"],
                    "language": language_label(m["language"]),
                    "reason": m["understood"],
                    "actor": m["who"],
                    "text": m["text"]
                    if m["text"] is not None
                    else t(N_("Tekst gewist na de bewaartermijn.")),
                }
            )
    return out


def headers() -> dict[str, str]:
    """The Dutch header of every column."""
    return {key: t(label) for key, label in COLUMNS}


def section_columns() -> list[tuple[str, str]]:
    """(key, Dutch header) of the columns a section of the printed page shows."""
    return [(key, t(label)) for key, label in COLUMNS if key not in SECTION_COLUMNS]
