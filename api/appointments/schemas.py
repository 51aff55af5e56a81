from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, Field, field_validator, model_validator

from api.appointments.models import AppointmentKind, AppointmentStatus, BringItem
from api.schemas import ApiModel, ApiOut


class AppointmentCreate(ApiModel):
    kind: AppointmentKind
    starts_at: AwareDatetime
    ends_at: AwareDatetime | None = None
    location: str = Field(min_length=1, max_length=300)
    participant_ids: list[int] = Field(min_length=1, max_length=500)
    staff_id: int | None = None
    bring_items: list[BringItem] = Field(
        default_factory=list,
        max_length=len(BringItem),
        description="Standard things to bring; reminders name them in the person's language.",
    )
    what_to_bring: str | None = Field(
        None, max_length=500, description="Anything else to bring, sent as typed (in Dutch)."
    )

    @model_validator(mode="after")
    def _ends_after_start(self) -> AppointmentCreate:
        if self.ends_at is not None and self.ends_at <= self.starts_at:
            raise ValueError("endsAt must be after startsAt")
        if len(set(self.participant_ids)) != len(self.participant_ids):
            raise ValueError("participantIds must not repeat")
        return self


class AppointmentUpdate(ApiModel):
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    location: str | None = Field(None, min_length=1, max_length=300)
    staff_id: int | None = None
    bring_items: list[BringItem] | None = Field(None, max_length=len(BringItem))
    what_to_bring: str | None = Field(None, max_length=500)
    status: AppointmentStatus | None = None


class AttendanceOut(ApiOut):
    """One participant's attendance as the caller may see it (api.appointments.visibility).

    The person's own klantmanager gets every field; a coordinator only the planning fields (status and its
    moments); a field the caller may not see is left out, not sent empty.
    """

    inburgeraar_id: int
    status: str
    confirmed_at: datetime | None = None
    checked_in_at: datetime | None = None
    reschedule_requested_at: datetime | None = None
    absence_reason: str | None = Field(None, description="The person's own klantmanager only")
    absence_details: str | None = Field(None, description="The person's own klantmanager only")
    reported_at: datetime | None = Field(None, description="The person's own klantmanager only")
    reported_late: bool | None = Field(None, description="The person's own klantmanager only")
    assessment: str | None = Field(None, description="The person's own klantmanager only")
    assessment_note: str | None = Field(None, description="The person's own klantmanager only")


class AppointmentOut(ApiOut):
    id: int
    kind: str
    starts_at: datetime
    ends_at: datetime | None
    location: str
    staff_id: int | None
    status: str
    bring_items: list[str] = Field(default_factory=list)
    what_to_bring: str | None
    participant_ids: list[int] = Field(
        description="The participants the caller may know of: a klantmanager sees only their own caseload's"
    )
    participant_count: int = Field(description="How many people take part, the caller's or not")

    @field_validator("bring_items", mode="before")
    @classmethod
    def _none_is_nothing(cls, value: list[str] | None) -> list[str]:
        return value or []
