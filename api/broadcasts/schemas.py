"""Wire shapes of /api/v1/broadcasts (camelCase; the console builds its screens on these)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field

from api.people.models import Doelgroep, Leerroute
from api.schemas import ApiModel, ApiOut


class AppointmentAudience(ApiModel):
    """Everyone on one appointment (e.g. the PVT excursion of 12 March)."""

    type: Literal["appointment"]
    appointment_id: int


class LeerrouteAudience(ApiModel):
    type: Literal["leerroute"]
    leerroute: Leerroute


class DoelgroepAudience(ApiModel):
    type: Literal["doelgroep"]
    doelgroep: Doelgroep


class CaseloadAudience(ApiModel):
    """Everyone in one klantmanager's caseload (a klantmanager may only name themselves)."""

    type: Literal["caseload"]
    klantmanager_id: int


class ListAudience(ApiModel):
    type: Literal["list"]
    inburgeraar_ids: list[int] = Field(min_length=1, max_length=20000)


Audience = Annotated[
    AppointmentAudience | LeerrouteAudience | DoelgroepAudience | CaseloadAudience | ListAudience,
    Field(discriminator="type"),
]


class BroadcastDraft(ApiModel):
    template: str = Field(min_length=1, max_length=64, description="Key from GET /broadcasts/templates")
    variables: dict[str, str] = Field(default_factory=dict, description="Values for the template's variables")
    audience: Audience
    send_at: AwareDatetime | None = Field(
        None, description="When to send; empty sends now. Moved to the next send window when outside it."
    )


class BroadcastCreate(BroadcastDraft):
    preview_id: int | None = Field(
        None,
        description="Send this preview (POST /broadcasts/preview) exactly as it was shown; the other fields "
        "must be the ones it was made from (409 `preview_changed` otherwise). Without it the broadcast is "
        "previewed and scheduled in one step.",
    )
    fingerprint: str | None = Field(
        None, max_length=64, description="The preview's fingerprint; required with previewId"
    )


class VariableOut(ApiOut):
    name: str
    type: Literal["kind", "datetime", "date", "text"]


class TemplateOut(ApiOut):
    key: str
    title: str = Field(description="Dutch title for the composer")
    text: str = Field(description="Dutch source text with {placeholders}")
    variables: list[VariableOut]


class Cost(ApiOut):
    amount: float
    currency: str


class LanguagePreview(ApiOut):
    language: str
    recipients: int
    text: str = Field(description="The message as the first recipient in this language gets it")
    segments: int = Field(description="SMS segments of that text")
    encoding: Literal["GSM-7", "UCS-2"]
    total_segments: int = Field(description="SMS segments for all SMS recipients in this language")
    estimated_cost: Cost


class Excluded(ApiOut):
    opted_out: int = 0
    no_channel: int = 0
    number_disputed: int = Field(0, description="Whoever has the number wrote that it is not the person's")
    left_caseload: int = Field(0, description="Left the klantmanager's caseload between preview and send")


class ChannelCost(ApiOut):
    channel: Literal["sms", "whatsapp", "web"]
    recipients: int
    segments: int = Field(description="SMS segments on this channel (0 for WhatsApp and web)")
    estimated_cost: Cost


class Preview(ApiOut):
    preview_id: int = Field(description="Send exactly this preview with POST /broadcasts {previewId, ...}")
    fingerprint: str = Field(description="SHA-256 over the inputs and every recipient's rendered message")
    expires_at: datetime = Field(description="Until when the preview can be sent")
    template: str
    recipients: int = Field(description="People who will get the message")
    excluded: Excluded
    languages: list[LanguagePreview]
    channels: list[ChannelCost]
    total_segments: int
    estimated_cost: Cost
    send_at: datetime | None = Field(None, description="When it would go out (inside the send window)")


class MessageCounts(ApiOut):
    """Recipients' messages by delivery status (they move forward as Twilio reports)."""

    queued: int = 0
    sending: int = 0
    sent: int = 0
    delivered: int = 0
    read: int = 0
    held: int = 0
    undelivered: int = 0
    failed: int = 0
    cancelled: int = 0


class BroadcastStats(ApiOut):
    recipients: int
    messages: MessageCounts
    skipped: Excluded
    progress: float = Field(description="Share of messages that left the outbox (0..1)")


class BroadcastOut(ApiOut):
    id: int
    template: str
    variables: dict[str, str]
    audience: dict[str, Any]
    status: Literal["scheduled", "sent", "cancelled"]
    requested_send_at: datetime | None
    send_at: datetime
    moved_to_window: bool
    created_by: str
    created_at: datetime
    sent_at: datetime | None
    cancelled_at: datetime | None
    stats: BroadcastStats | None = Field(None, description="Once sent")
