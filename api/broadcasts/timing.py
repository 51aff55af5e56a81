"""Timing: when a broadcast goes out, and the checks on it (not in the past, not after what it announces).

The preview and the confirmation both run these checks, so what the preview says ("goes out on ...") is
what the confirmation schedules, and a preview confirmed too late is refused instead of sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from api.appointments.models import Appointment
from api.errors import InvalidInput
from api.i18n import formatting
from api.reminders.policy import Policy

GRACE = timedelta(minutes=5)  # a "later" time that passed while the form was filled in still counts
MAX_AHEAD = timedelta(days=366)


def send_time(policy: Policy, requested: datetime) -> datetime:
    """The requested moment, or the next opening of the send window when it falls outside."""
    return requested if policy.in_window(requested) else policy.next_open(requested)


def planned_send_at(policy: Policy, requested: datetime | None, now: datetime) -> datetime:
    """When a broadcast asked for `requested` (None: now) goes out; InvalidInput (sendAt) when it cannot."""
    if requested is not None:
        if requested < now - GRACE:
            raise InvalidInput("sendAt is in the past", field="sendAt", code="send_at_past")
        if requested > now + MAX_AHEAD:
            raise InvalidInput("sendAt is more than a year ahead", field="sendAt", code="send_at_too_late")
    return send_time(policy, requested or now)


@dataclass(frozen=True)
class Event:
    """The moment a broadcast is about, and the field it came from (to name in an error)."""

    at: datetime
    field: str


def event_of(values: dict[str, str], given: dict[str, str], appointment: Appointment | None) -> Event | None:
    """The appointment time (`when`) or the day (`date`, until its end) the message announces, if any."""
    if values.get("when"):
        at = datetime.fromisoformat(values["when"])
        return Event(at, _source("when", given, appointment))
    if values.get("date"):
        day = date.fromisoformat(values["date"]) + timedelta(days=1)
        return Event(
            datetime.combine(day, time(0), tzinfo=formatting.TZ), _source("date", given, appointment)
        )
    return None


def _source(name: str, given: dict[str, str], appointment: Appointment | None) -> str:
    # A value the sender left empty came from the appointment of the audience.
    return (
        "audience.appointmentId" if appointment is not None and not given.get(name) else f"variables.{name}"
    )


def check_event(event: Event | None, send_at: datetime, now: datetime) -> None:
    """Refuse a message about something already past, or one that would only go out after it."""
    if event is None:
        return
    if event.at <= now:
        raise InvalidInput("the date in the message is already past", field=event.field, code="event_past")
    if event.at <= send_at:
        raise InvalidInput(
            "the message would go out after the date it is about", field="sendAt", code="after_event"
        )
