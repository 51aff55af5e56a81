"""Twilio's message statuses in our terms: the one map from Twilio's words to our DeliveryStatus.

Whether a reported status may change a message is ours, not Twilio's: see api.messaging.status.
"""

from __future__ import annotations

from api.messaging.models import DeliveryStatus

# Twilio's queued/accepted/sending all mean "Twilio has it", which is what our `sent` says; `scheduled`
# is never used by us.
TWILIO_TO_OURS: dict[str, str] = {
    "accepted": DeliveryStatus.sent,
    "scheduled": DeliveryStatus.sent,
    "queued": DeliveryStatus.sent,
    "sending": DeliveryStatus.sent,
    "sent": DeliveryStatus.sent,
    "delivered": DeliveryStatus.delivered,
    "partially_delivered": DeliveryStatus.delivered,
    "read": DeliveryStatus.read,
    "undelivered": DeliveryStatus.undelivered,
    "failed": DeliveryStatus.failed,
    "canceled": DeliveryStatus.failed,
}


def from_twilio(status: str | None) -> str | None:
    """Our status for a Twilio status value, or None for values that say nothing about delivery."""
    return TWILIO_TO_OURS.get((status or "").strip().lower())
