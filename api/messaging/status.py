"""Delivery status only moves forward, whatever order the provider's reports arrive in.

Reports are independent HTTP requests: "delivered" can overtake "sent". We rank our own states and only
ever move up; undelivered, failed and cancelled are terminal. What a provider's own status words mean in
these states is the provider package's business (api.twilio.statuses).
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
