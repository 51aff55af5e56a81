"""Confirmation and no-show rates per appointment kind per week, from the attendance records.

A participant counts as confirmed when they ever confirmed (confirmed_at is set), even if they later
checked in or did not come: the figure says whether reminders got an answer. The no-show rate only
counts appointments that have ended, since the future cannot have no-shows yet.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.appointments.models import Appointment, AppointmentStatus, Attendance, AttendanceStatus
from api.auth import Principal
from api.db import utcnow
from api.i18n.formatting import TZ
from api.staff.models import Role


@dataclass(frozen=True)
class WeekRate:
    kind: str
    week_start: date  # Monday, Europe/Amsterdam
    participants: int
    confirmed: int
    ended: int  # participants of appointments that have ended
    no_show: int

    @property
    def confirmation_rate(self) -> float | None:
        return self.confirmed / self.participants if self.participants else None

    @property
    def no_show_rate(self) -> float | None:
        return self.no_show / self.ended if self.ended else None


def week_start(moment: datetime) -> date:
    local = moment.astimezone(TZ).date()
    return local - timedelta(days=local.weekday())


def attendance_rates(
    db: Session, actor: Principal, *, weeks: int = 8, now: datetime | None = None
) -> list[WeekRate]:
    """Rates for the last `weeks` weeks up to and including the current one, by kind then week.

    Cancelled appointments are left out: nobody could confirm or miss them.
    """
    actor.require(Role.coordinator)
    now = now or utcnow()
    first_week = week_start(now) - timedelta(weeks=weeks - 1)
    start = datetime.combine(first_week, datetime.min.time(), TZ)
    end = datetime.combine(week_start(now) + timedelta(weeks=1), datetime.min.time(), TZ)
    rows = db.execute(
        select(
            Appointment.kind,
            Appointment.starts_at,
            Appointment.ends_at,
            Attendance.status,
            Attendance.confirmed_at,
        )
        .join(Attendance, Attendance.appointment_id == Appointment.id)
        .where(
            Appointment.status != AppointmentStatus.cancelled,
            Appointment.starts_at >= start,
            Appointment.starts_at < end,
        )
    ).all()
    counts: dict[tuple[str, date], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for kind, starts_at, ends_at, status, confirmed_at in rows:
        bucket = counts[(kind, week_start(starts_at))]
        bucket[0] += 1
        if confirmed_at is not None:
            bucket[1] += 1
        if (ends_at or starts_at) <= now:
            bucket[2] += 1
            if status == AttendanceStatus.no_show:
                bucket[3] += 1
    return [
        WeekRate(kind, week, *values)
        for (kind, week), values in sorted(counts.items(), key=lambda item: (item[0][0], item[0][1]))
    ]
