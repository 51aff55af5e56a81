"""The JSON shapes of export and erasure, for the OpenAPI document (docs/privacy.md describes them)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from api.privacy.erasure import ErasureReason
from api.schemas import ApiModel, ApiOut


class ErasureIn(ApiModel):
    reason: Literal[ErasureReason.request, ErasureReason.registered_in_error] = Field(
        description="request: the person asked (AVG art. 17); registered_in_error: they should never have "
        "been in the file, or are in it twice"
    )


class ErasureOut(ApiOut):
    person_id: int
    reason: str
    rows: dict[str, int] = Field(description="Rows deleted per table")
    audit_events_minimised: int = Field(
        description="Audit events about the person kept without their details"
    )
    tracker_senders_queued: int = Field(description="Rasa conversations whose tracker events are deleted")
    tracker_senders_pending: int = Field(
        description="Of those, how many are still to be deleted (Rasa's tracker store did not answer; the "
        "worker retries)"
    )


class TrackerOut(ApiOut):
    status: Literal["included", "not_configured", "unavailable"]
    events: list[dict[str, Any]]


class ExportOut(ApiOut):
    format: Literal["inburgering-export/1"]
    generated_at: str
    inburgeraar_id: int
    person: dict[str, Any] = Field(description="The profile as stored")
    klantmanager: dict[str, Any] | None
    data: dict[str, list[dict[str, Any]]] = Field(
        description="Every other row about the person per table, with its stored columns "
        "(see docs/privacy.md)"
    )
    audit_trail: list[dict[str, Any]] = Field(description="Who read or changed the file, and when")
    bot_tracker: TrackerOut
    retention: dict[str, int] = Field(description="How long each kind of data is kept (the settings)")
