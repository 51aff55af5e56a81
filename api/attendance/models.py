from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.appointments.models import Appointment
from api.db import Base, UTCDateTime, utcnow
from api.people.models import Inburgeraar


class AttendanceStatus(StrEnum):
    pending = "pending"
    confirmed = "confirmed"
    absence_reported = "absence_reported"
    checked_in = "checked_in"
    attended = "attended"
    no_show = "no_show"


class AbsenceReason(StrEnum):
    sick = "sick"
    child_sick = "child_sick"
    work = "work"
    job_interview = "job_interview"
    medical_appointment = "medical_appointment"
    exam_or_school = "exam_or_school"
    transport = "transport"
    family_emergency = "family_emergency"
    religious_holiday = "religious_holiday"
    other = "other"


class Assessment(StrEnum):
    verschoonbaar = "verschoonbaar"
    verwijtbaar = "verwijtbaar"
    needs_hearing = "needs_hearing"


class Attendance(Base):
    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("appointment_id", "inburgeraar_id", name="uq_attendance_participant"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointment.id", ondelete="CASCADE"), index=True)
    inburgeraar_id: Mapped[int] = mapped_column(ForeignKey("inburgeraar.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=AttendanceStatus.pending)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    absence_reason: Mapped[str | None] = mapped_column(String(32))
    absence_details: Mapped[str | None] = mapped_column(Text)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reported_late: Mapped[bool | None] = mapped_column(Boolean)
    reschedule_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assessment: Mapped[str | None] = mapped_column(String(20))
    assessment_note: Mapped[str | None] = mapped_column(Text)
    assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    assessed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    appointment: Mapped[Appointment] = relationship(back_populates="attendances")
    inburgeraar: Mapped[Inburgeraar] = relationship(lazy="joined")
