"""What messaging needs from the channel provider, handed in at start-up by the provider's package.

Messaging (the outbox, the conversation service) knows no provider: it asks `current()` for a transport,
the staff meaning of an error code, whether a code means the person blocked us, where delivery reports
go, and WhatsApp's 24-hour rule. api.twilio provides all of it; api.wiring installs it explicitly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from api.settings import Settings

if TYPE_CHECKING:
    from api.messaging.models import Conversation, Message, OutboxItem
    from api.messaging.transports import Transport


@dataclass(frozen=True)
class Provider:
    """A channel provider, as the sending engine sees it.

    whatsapp_rules returns "free", "template" or "hold" for one free-text WhatsApp outbox row.
    """

    name: str
    make_transport: Callable[[Settings], Transport]
    meaning: Callable[[str | None], str]
    means_opted_out: Callable[[str | None], bool]
    status_callback: Callable[[Settings, int], str]
    whatsapp_rules: Callable[..., str]


_installed: list[Provider] = []


def install(provider: Provider) -> None:
    """Make `provider` the one messaging uses (installing again replaces it)."""
    _installed[:] = [provider]


def current() -> Provider:
    if not _installed:
        raise RuntimeError("no messaging provider installed: call api.wiring.install() at start-up")
    return _installed[0]


def apply_whatsapp_rules(
    db: Session,
    conversation: Conversation,
    message: Message,
    item: OutboxItem,
    *,
    now: datetime | None = None,
) -> str:
    """WhatsApp's 24-hour rule for one outbox row, as the provider applies it ("free", "template", "hold")."""
    return current().whatsapp_rules(db, conversation, message, item, now=now)
