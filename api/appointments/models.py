from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import Base, UTCDateTime, utcnow
from api.people.models import Inburgeraar
from api.staff.models import Staff


class AppointmentKind(StrEnum):
    brede_intake = "brede_intake"
    leerbaarheidstoets = "leerbaarheidstoets"
    pip_gesprek = "pip_gesprek"
    voortgangsgesprek = "voortgangsgesprek"
    pvt_bijeenkomst = "pvt_bijeenkomst"
    pvt_excursie = "pvt_excursie"
    map_activiteit = "map_activiteit"
    knm_les = "knm_les"


class BringItem(StrEnum):
    """Things people are often asked to bring; sent translated (free text goes out as staff typed it)."""

    invitation_letter = "invitation_letter"
    id_document = "id_document"
    pip = "pip"
    certificates = "certificates"
    transport_card = "transport_card"


class AppointmentStatus(StrEnum):
    scheduled = "scheduled"
    rescheduled = "rescheduled"
    cancelled = "cancelled"
    completed = "completed"


class Appointment(Base):
    __tablename__ = "appointment"
    __table_args__ = (Index("ix_appointment_status_starts_at", "status", "starts_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    location: Mapped[str] = mapped_column(String(300))
    bring_items: Mapped[list[str] | None] = mapped_column(JSON)
    what_to_bring: Mapped[str | None] = mapped_column(Text)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=AppointmentStatus.scheduled)
    checkin_code: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    staff: Mapped[Staff | None] = relationship(lazy="joined")
    attendances: Mapped[list[Attendance]] = relationship(
        back_populates="appointment", cascade="all, delete-orphan", lazy="selectin"
    )


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
