from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UTCDateTime, utcnow


class ExportKind(StrEnum):
    absence = "absence"  # a reported absence: Klantcontact + Betrokkene
    escalation = "escalation"  # a closed escalation: Klantcontact + Betrokkene
    task = "task"  # a task: InterneTaak (on its cause's Klantcontact, or one of its own)
    task_done = "task_done"  # the task was done: the InterneTaak becomes `verwerkt`


class ExportStatus(StrEnum):
    pending = "pending"  # due at next_attempt_at, once its cause (if any) is sent
    sending = "sending"  # claimed by a worker until locked_until
    sent = "sent"
    failed = "failed"  # the register refused it (4xx) or it ran out of attempts: coordinators see it


class RegisterExport(Base):
    """One thing to record in the register, and how far it got (the register's UUIDs once known)."""

    __tablename__ = "klantinteracties_export"
    __table_args__ = (Index("ix_klantinteracties_export_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=ExportStatus.pending)
    inburgeraar_id: Mapped[int] = mapped_column(ForeignKey("inburgeraar.id"), index=True)
    attendance_id: Mapped[int | None] = mapped_column(
        ForeignKey("attendance.id", ondelete="CASCADE"), index=True
    )
    escalation_id: Mapped[int | None] = mapped_column(
        ForeignKey("escalation.id", ondelete="CASCADE"), index=True
    )
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    # The export whose Klantcontact this one needs first (an absence's task), or whose InterneTaak it closes.
    cause_id: Mapped[int | None] = mapped_column(
        ForeignKey("klantinteracties_export.id", ondelete="SET NULL"), index=True
    )
    # Our own kenmerk, random: the register finds our Klantcontact (its Onderwerpobject) and InterneTaak
    # (its toelichting) by it, so an attempt after a crash looks up what an earlier one created.
    reference: Mapped[str] = mapped_column(String(36), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    topic: Mapped[str] = mapped_column(String(32))  # a coarse category or kind, never free text
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    klantcontact_uuid: Mapped[str | None] = mapped_column(String(36))
    betrokkene_uuid: Mapped[str | None] = mapped_column(String(36))
    internetaak_uuid: Mapped[str | None] = mapped_column(String(36))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error_code: Mapped[str | None] = mapped_column(String(16))
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RegisterParty(Base):
    """The person's Partij and DigitaalAdres in the register, so they are created once."""

    __tablename__ = "klantinteracties_partij"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inburgeraar_id: Mapped[int] = mapped_column(ForeignKey("inburgeraar.id"), unique=True)
    # Random; with `address_number` it is the DigitaalAdres's `referentie` ("<reference>-<n>"), by which a
    # retry finds an address (and through it the Partij) that an interrupted attempt created.
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    address_number: Mapped[int] = mapped_column(Integer, default=1)
    # SHA-256 of the number the address was made for (the number itself stays in `inburgeraar` only): a
    # new number becomes a new DigitaalAdres of the same Partij.
    phone_digest: Mapped[str] = mapped_column(String(64))
    partij_uuid: Mapped[str | None] = mapped_column(String(36))
    digitaal_adres_uuid: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
