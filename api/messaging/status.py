"""Delivery status only moves forward, whatever order Twilio's callbacks arrive in.

Twilio reports queued/accepted/sending/sent/delivered/read and undelivered/failed, but callbacks are
independent HTTP requests: "delivered" can overtake "sent". We rank our own states and only ever move up;
undelivered and failed are terminal.
"""

from __future__ import annotations

from api.messaging.models import DeliveryStatus

RANK: dict[str, int] = {
    DeliveryStatus.held: 0,
    DeliveryStatus.queued: 1,
    DeliveryStatus.sending: 2,
    DeliveryStatus.sent: 3,
    DeliveryStatus.delivered: 4,
    DeliveryStatus.read: 5,
}
TERMINAL = frozenset({DeliveryStatus.undelivered, DeliveryStatus.failed, DeliveryStatus.cancelled})

# Twilio's message statuses mapped onto ours. Twilio's queued/accepted/sending all mean "Twilio has it",
# which is what our `sent` says; `scheduled` is never used by us.
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


def can_move(current: str, new: str) -> bool:
    """True when `new` is a step forward from `current` (terminal states never change)."""
    if current in TERMINAL or current == new:
        return False
    if new in TERMINAL:
        return True
    return RANK.get(new, -1) > RANK.get(current, -1)


def advance(current: str, new: str | None) -> str:
    """The status after a report of `new`: `new` when it is a step forward, else `current`."""
    if new is None:
        return current
    return new if can_move(current, new) else current


OUTBOUND_STATES: tuple[str, ...] = (
    DeliveryStatus.held,
    DeliveryStatus.queued,
    DeliveryStatus.sending,
    DeliveryStatus.sent,
    DeliveryStatus.delivered,
    DeliveryStatus.read,
    DeliveryStatus.undelivered,
    DeliveryStatus.failed,
    DeliveryStatus.cancelled,
)


def movable_from(new: str) -> list[str]:
    """The states from which a report of `new` is a step forward (for a conditional UPDATE)."""
    return [state for state in OUTBOUND_STATES if can_move(state, new)]
