"""How an outbox row leaves the building: the Transport protocol, what it is given and what it answers.

The dispatcher (outbox.py) knows only this protocol. `LocalTransport` serves development and the phone
simulator; the Twilio transport lives with everything else about Twilio (api.twilio.transport). A
transport classifies its own failures (`SendFailed`) and reports statuses in ours (DeliveryStatus); what
to do about them is the dispatcher's business.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from api.messaging.models import DeliveryStatus


@dataclass(frozen=True)
class Outgoing:
    """What the transport needs to send one outbox row."""

    outbox_id: int
    to: str
    channel: str
    body: str
    content_sid: str | None = None
    content_variables: dict[str, str] | None = None
    status_callback: str | None = None
    queued_at: datetime | None = None  # the outbox row's creation: nothing older can be this message


@dataclass(frozen=True)
class Sent:
    sid: str | None
    status: str | None = None  # our DeliveryStatus for what the provider said; None when it said nothing


@dataclass
class SendFailed(Exception):
    """A send that did not succeed.

    retryable: trying again later may work (429, 5xx, timeouts, connection problems).
    ambiguous: the provider may have accepted the message anyway (timeouts, 5xx): look it up first.
    """

    code: str | None
    detail: str = ""
    retryable: bool = False
    ambiguous: bool = False
    http_status: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"send failed code={self.code} status={self.http_status} retryable={self.retryable}"


class Transport(Protocol):
    name: str

    def send(self, message: Outgoing) -> Sent: ...

    def lookup(self, message: Outgoing) -> list[Sent]: ...


class LocalTransport:
    """Without Twilio: messages count as delivered at once; the simulator shows them."""

    name = "local"

    def send(self, message: Outgoing) -> Sent:
        return Sent(sid=None, status=DeliveryStatus.delivered)

    def lookup(self, message: Outgoing) -> list[Sent]:
        return []
