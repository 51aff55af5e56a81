from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import Base, UTCDateTime, utcnow
from api.people.models import Staff


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
    attendances: Mapped[list[Attendance]] = relationship(  # noqa: F821
        back_populates="appointment", cascade="all, delete-orphan", lazy="selectin"
    )
