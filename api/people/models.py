from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from api.db import Base, UTCDateTime, utcnow
from api.staff.models import Staff


class Doelgroep(StrEnum):
    asielstatushouder = "asielstatushouder"
    nareiziger = "nareiziger"
    gezinsmigrant = "gezinsmigrant"
    overige_migrant = "overige_migrant"
    ondertussengroep = "ondertussengroep"


class Leerroute(StrEnum):
    b1 = "b1"
    onderwijs = "onderwijs"
    z = "z"


class MapStatus(StrEnum):
    not_started = "not_started"
    in_progress = "in_progress"
    completed = "completed"
    exempt = "exempt"


class ConsentState(StrEnum):
    granted = "granted"
    opted_out = "opted_out"


class Inburgeraar(Base):
    __tablename__ = "inburgeraar"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(32), unique=True)
    whatsapp_opt_in: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(8), default="nl")
    doelgroep: Mapped[str] = mapped_column(String(32))
    klantmanager_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    obligation_start_date: Mapped[date | None] = mapped_column(Date)
    pip_date: Mapped[date | None] = mapped_column(Date)
    leerroute: Mapped[str | None] = mapped_column(String(16))
    pvt_hours_done: Mapped[int] = mapped_column(Integer, default=0)
    map_status: Mapped[str] = mapped_column(String(16), default=MapStatus.not_started)
    consent_state: Mapped[str] = mapped_column(String(16), default=ConsentState.granted)
    consent_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Whoever has the number wrote that it is not the person's: nothing goes there until staff check
    # (api.people.number_dispute).
    phone_disputed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    housed_on: Mapped[date | None] = mapped_column(Date)
    # Diploma, exemption, moving away or death: the case file is kept RETENTION_CASE_FILE_YEARS after it.
    obligation_ended_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    klantmanager: Mapped[Staff | None] = relationship(lazy="joined")

    @property
    def opted_out(self) -> bool:
        return self.consent_state == ConsentState.opted_out


class ConsentEvent(Base):
    __tablename__ = "consent_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inburgeraar_id: Mapped[int] = mapped_column(ForeignKey("inburgeraar.id"), index=True)
    state: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(32))  # keyword, bot, staff, provider_21610
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
