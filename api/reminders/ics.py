"""Calendar links: an unguessable signed token per appointment and participant, and the .ics it serves.

The token is `<appointmentId>-<inburgeraarId>-<HMAC>` signed with the session secret (purpose-bound), so
links need no login, cannot be enumerated, and always show the appointment as it is now (a cancelled
appointment is served with STATUS:CANCELLED so calendars remove it).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime

from api.appointments.models import Appointment, AppointmentStatus
from api.db import utcnow
from api.i18n import formatting
from api.i18n.catalog import render
from api.reminders import texts
from api.settings import Settings

PURPOSE = b"ics-link:v1:"
SIGNATURE_CHARS = 32


def _signature(secret: str, appointment_id: int, inburgeraar_id: int) -> str:
    digest = hmac.new(
        secret.encode(), PURPOSE + f"{appointment_id}-{inburgeraar_id}".encode(), hashlib.sha256
    )
    return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")[:SIGNATURE_CHARS]


def make_token(settings: Settings, appointment_id: int, inburgeraar_id: int) -> str:
    signature = _signature(settings.session_secret, appointment_id, inburgeraar_id)
    return f"{appointment_id}-{inburgeraar_id}-{signature}"


def read_token(settings: Settings, token: str) -> tuple[int, int] | None:
    """The (appointment id, inburgeraar id) a token was made for, or None when it is not ours."""
    parts = token.split("-", 2)
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    appointment_id, inburgeraar_id = int(parts[0]), int(parts[1])
    expected = _signature(settings.session_secret, appointment_id, inburgeraar_id)
    return (appointment_id, inburgeraar_id) if hmac.compare_digest(expected, parts[2]) else None


def calendar_url(settings: Settings, appointment_id: int, inburgeraar_id: int) -> str:
    token = make_token(settings, appointment_id, inburgeraar_id)
    return f"{settings.public_base_url.rstrip('/')}/ics/{token}.ics"


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r", "")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """RFC 5545 3.1: lines longer than 75 octets continue on the next line after a space."""
    raw = line.encode()
    if len(raw) <= 75:
        return line
    parts, current = [], b""
    for ch in line:
        encoded = ch.encode()
        if len(current) + len(encoded) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += encoded
    parts.append(current.decode())
    return "\r\n ".join(parts)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def calendar(appointment: Appointment, language: str, settings: Settings) -> str:
    """A one-event iCalendar document in the person's language, times in UTC."""
    starts = appointment.starts_at
    ends = appointment.ends_at or starts
    summary = formatting.kind_label(language, appointment.kind)
    details = []
    if appointment.staff is not None:
        details.append(render(language, texts.WITH_WHOM, who=appointment.staff.name))
    bring = formatting.things_to_bring(language, appointment.bring_items, appointment.what_to_bring)
    if bring:
        details.append(render(language, texts.BRING, bring=bring))
    cancelled = appointment.status == AppointmentStatus.cancelled
    host = settings.public_base_url.split("://", 1)[-1].split("/", 1)[0] or "localhost"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Gemeente//Inburgering assistent//NL",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:appointment-{appointment.id}@{host}",
        f"DTSTAMP:{_stamp(utcnow())}",
        f"DTSTART:{_stamp(starts)}",
        f"DTEND:{_stamp(ends)}",
        f"SEQUENCE:{int(appointment.updated_at.timestamp()) if appointment.updated_at else 0}",
        f"SUMMARY:{_escape(summary)}",
        f"LOCATION:{_escape(appointment.location)}",
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
    ]
    if details:
        lines.append(f"DESCRIPTION:{_escape(chr(10).join(details))}")
    if not cancelled:
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            f"DESCRIPTION:{_escape(summary)}",
            "TRIGGER:-PT2H",
            "END:VALARM",
        ]
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
