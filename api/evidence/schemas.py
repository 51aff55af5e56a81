"""The JSON shape of an evidence trail: the OpenAPI document and what export.to_schema builds."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from api.schemas import ApiOut


class EvidenceAppointment(ApiOut):
    id: int
    kind: str
    starts_at: datetime
    ends_at: datetime | None
    location: str
    status: str


class EvidencePerson(ApiOut):
    id: int
    name: str
    language: str
    klantmanager_id: int | None
    consent_state: Literal["granted", "opted_out"]


class EvidenceAttendance(ApiOut):
    status: str
    confirmed_at: datetime | None
    absence_reason: str | None
    reported_at: datetime | None
    hours_before_start: float | None = Field(description="How long before the start the absence was reported")
    reported_late: bool | None
    reschedule_requested_at: datetime | None
    checked_in_at: datetime | None
    assessment: str | None
    assessed_at: datetime | None
    absence_details: str | None = Field(description="Free text from the person")
    assessment_note: str | None


class EvidenceEvent(ApiOut):
    """One moment in the trail; which fields are set depends on `event`."""

    at: datetime | None
    event: Literal[
        "reminder_sent",
        "notice_sent",
        "reminder_planned",
        "reminder_not_sent",
        "follow_up",
        "reply",
        "confirmed",
        "absence_reported",
        "reschedule_requested",
        "checked_in",
        "task",
        "staff_action",
        "assessment",
    ]
    slot: str | None = Field(
        None, description="Reminder offset (7d, 3d, 1d, 2h) or notice kind (new, changed, cancelled)"
    )
    revision: int | None = None
    reminder_id: int | None = None
    channel: str | None = None
    language: str | None = None
    status: str | None = Field(
        None,
        description="Delivery status of a message, reminder status, task status, staff action or assessment",
    )
    reason: str | None = Field(
        None, description="Why a reminder moved or was not sent; absence reason; task kind"
    )
    reason_label: str | None = None
    text: str | None = Field(None, description="Message text, or what the person wrote")
    intent: str | None = Field(None, description="What the assistant understood")
    message_id: int | None = None
    error_code: str | None = None
    segments: int | None = None
    handed_over_at: datetime | None = Field(None, description="When the outbox handed it to the provider")
    hours_before_start: float | None = None
    late: bool | None = None
    actor: str | None = None
    detail: dict[str, Any] | None = Field(None, description="What the audit log holds of a staff action")


class EvidenceMessage(ApiOut):
    """One message of the conversation around the appointment (a week before until two days after)."""

    at: datetime
    direction: Literal["in", "out"]
    kind: str
    channel: str
    language: str | None = None
    text: str | None = Field(None, description="None once the retention purge cleared it")
    intent: str | None = Field(None, description="What the assistant understood (inbound)")
    reasons: list[str] = Field(default_factory=list, description="Absence reasons the assistant understood")
    status: str
    staff: str | None = Field(None, description="The staff member who wrote it")
    message_id: int


class EvidenceParticipation(ApiOut):
    appointment: EvidenceAppointment
    inburgeraar: EvidencePerson
    attendance: EvidenceAttendance
    timeline: list[EvidenceEvent]
    conversation: list[EvidenceMessage]


class ConsentChange(ApiOut):
    at: datetime
    state: str
    source: str


class EvidenceOut(ApiOut):
    scope: Literal["appointment", "inburgeraar"]
    id: int
    generated_at: datetime
    participants: list[EvidenceParticipation]
    consent: list[ConsentChange] = Field(description="Consent history (per-inburgeraar trail only)")
