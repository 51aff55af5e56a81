"""The retention rules, in one place: what is kept until when (docs/privacy.md has the why and the sources).

- Chat (message texts, outbox rows, task notes, escalation summaries, Rasa's tracker): `retention_chat_days`.
- The evidence of a participation that is or may be assessed (a no-show or a reported absence) is kept
  while that assessment can still need it: until the assessment is final plus the objection period,
  while a hearing is pending, or — when nobody assesses it — `retention_absence_unassessed_days` after
  the appointment. Its messages, tasks and the person's tracker are held with it.
- Absence details (reason, the person's words, the assessment note) follow that evidence clock; an absence
  that will never be assessed (the appointment was cancelled, the person came after all) follows the
  chat clock, because it came by chat.
- The case file: `retention_case_file_years` after the obligation ended.
- The audit log: `retention_audit_days`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from api.appointments.models import Appointment, AppointmentStatus, Assessment, Attendance, AttendanceStatus
from api.evidence import collect
from api.settings import Settings

FOREVER = datetime.max.replace(tzinfo=UTC)
FINAL_ASSESSMENTS = frozenset({Assessment.verschoonbaar, Assessment.verwijtbaar})
ASSESSABLE = (AttendanceStatus.absence_reported, AttendanceStatus.no_show)


@dataclass(frozen=True)
class Participation:
    attendance: Attendance
    appointment: Appointment


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Policy:
    """The retention settings applied at one moment."""

    now: datetime
    chat: timedelta
    appeal: timedelta
    unassessed: timedelta
    case_file_years: int
    audit: timedelta

    @classmethod
    def of(cls, settings: Settings, now: datetime) -> Policy:
        return cls(
            now=now,
            chat=timedelta(days=settings.retention_chat_days),
            appeal=timedelta(days=settings.retention_absence_appeal_days),
            unassessed=timedelta(days=settings.retention_absence_unassessed_days),
            case_file_years=settings.retention_case_file_years,
            audit=timedelta(days=settings.retention_audit_days),
        )

    @property
    def chat_cutoff(self) -> datetime:
        """Chat from before this moment is past its retention (unless evidence holds it)."""
        return self.now - self.chat

    @property
    def audit_cutoff(self) -> datetime:
        return self.now - self.audit

    def case_file_ends(self, obligation_ended_on: date) -> date:
        """The last day a case file is kept."""
        return _add_years(obligation_ended_on, self.case_file_years)

    def case_file_expired(self, obligation_ended_on: date | None) -> bool:
        return obligation_ended_on is not None and self.case_file_ends(obligation_ended_on) < self.now.date()

    def evidence_until(self, p: Participation) -> datetime | None:
        """Until when a participation's evidence is kept; None when there is nothing to assess.

        FOREVER while a hearing is pending ("eerst horen"): that is released only by a final assessment.
        """
        att, appointment = p.attendance, p.appointment
        if att.status not in ASSESSABLE or appointment.status == AppointmentStatus.cancelled:
            return None
        if att.assessment in FINAL_ASSESSMENTS:
            return (att.assessed_at or att.updated_at) + self.appeal
        if att.assessment == Assessment.needs_hearing:
            return FOREVER
        return appointment.starts_at + self.unassessed

    def evidence_held(self, p: Participation) -> bool:
        until = self.evidence_until(p)
        return until is not None and until >= self.now

    def absence_details_expired(self, p: Participation) -> bool:
        until = self.evidence_until(p)
        if until is None:
            came_at = p.attendance.reported_at or p.attendance.updated_at
            return came_at < self.chat_cutoff
        return until < self.now


def assessable() -> ColumnElement[bool]:
    """SQL: participations an assessment may be about (filter further with `Policy.evidence_held`)."""
    return and_(Attendance.status.in_(ASSESSABLE), Appointment.status != AppointmentStatus.cancelled)


def held_participations(db: Session, policy: Policy, person_id: int | None = None) -> list[Participation]:
    """The participations whose evidence is still kept (of one person, or of everyone)."""
    query = (
        select(Attendance, Appointment)
        .join(Appointment, Attendance.appointment_id == Appointment.id)
        .where(assessable())
    )
    if person_id is not None:
        query = query.where(Attendance.inburgeraar_id == person_id)
    rows = db.execute(query).all()
    return [p for p in (Participation(att, appt) for att, appt in rows) if policy.evidence_held(p)]


def evidence_messages(db: Session, p: Participation) -> set[int]:
    """The messages the evidence trail of a participation shows (api.evidence decides which)."""
    return collect.shown_messages(db, p.appointment, p.attendance.inburgeraar_id)
