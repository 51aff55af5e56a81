"""WhatsApp's 24-hour rule: free text inside the window, an approved template outside it.

Outside the window a purpose-specific template in the person's language is used when one exists (for
example a reminder with its date filled in). Otherwise the generic "a message is waiting, please reply"
template goes out in the closest language we have, and the real message is held until the person replies,
which opens the window again (see `release_held`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.db import utcnow
from api.messaging.models import Channel, Conversation, DeliveryStatus, Message, OutboxItem, OutboxStatus

WINDOW = timedelta(hours=24)
GENERIC = "generic"


@dataclass(frozen=True)
class Template:
    content_sid: str
    variables: tuple[str, ...]
    language: str


@dataclass(frozen=True)
class TemplateBook:
    templates: dict[str, dict[str, Any]]
    closest: dict[str, list[str]]

    def find(self, purpose: str, language: str, *, exact: bool) -> Template | None:
        """The template for `purpose` in `language` (or, unless exact, in the closest language we have)."""
        entry = self.templates.get(purpose)
        if not entry:
            return None
        by_language: dict[str, str] = entry.get("languages", {})
        candidates = [language] if exact else [language, *self.closest.get(language, []), "nl"]
        for code in candidates:
            if by_language.get(code):
                return Template(by_language[code], tuple(entry.get("variables", [])), code)
        return None


@lru_cache(maxsize=4)
def load(path: str) -> TemplateBook:
    """Read the template file; a missing file means no templates (everything outside the window is held)."""
    file = Path(path)
    if not file.exists():
        return TemplateBook({}, {})
    data = json.loads(file.read_text(encoding="utf-8"))
    return TemplateBook(data.get("templates", {}), data.get("closest", {}))


def window_open(conversation: Conversation, now: datetime | None = None) -> bool:
    """True while the person's last WhatsApp message is less than 24 hours old."""
    last = conversation.last_whatsapp_inbound_at
    return last is not None and (now or utcnow()) - last < WINDOW


@dataclass(frozen=True)
class Plan:
    """How to send one WhatsApp message: free text, a template (with variables), or hold it."""

    action: str  # "free", "template", "hold"
    template: Template | None = None
    variables: dict[str, str] | None = None


def plan(
    book: TemplateBook,
    conversation: Conversation,
    *,
    purpose: str,
    language: str,
    values: dict[str, str] | None = None,
    now: datetime | None = None,
) -> Plan:
    """Decide free text / template / hold for a WhatsApp message to this conversation now."""
    if window_open(conversation, now):
        return Plan("free")
    values = values or {}
    specific = book.find(purpose, language, exact=True)
    if specific is not None and all(name in values for name in specific.variables):
        return Plan("template", specific, _numbered(specific, values))
    generic = book.find(GENERIC, language, exact=False)
    if generic is not None:
        return Plan("hold", generic, _numbered(generic, values))
    return Plan("hold")


def _numbered(template: Template, values: dict[str, str]) -> dict[str, str]:
    return {str(i): str(values.get(name, "")) for i, name in enumerate(template.variables, start=1)}


def release_held(db: Session, conversation: Conversation, channel: str) -> int:
    """The person wrote: send what was held, on the channel they just used. Returns how many."""
    ids = list(
        db.scalars(
            select(OutboxItem.id)
            .join(Message, Message.id == OutboxItem.message_id)
            .where(Message.conversation_id == conversation.id, OutboxItem.status == OutboxStatus.held)
        )
    )
    if not ids:
        return 0
    to = conversation.phone if channel != Channel.whatsapp else f"whatsapp:{conversation.phone}"
    now = utcnow()
    db.execute(
        update(OutboxItem)
        .where(OutboxItem.id.in_(ids))
        .values(
            status=OutboxStatus.pending,
            next_attempt_at=now,
            channel=channel,
            to=to,
            content_sid=None,
            content_variables=None,
        )
    )
    db.execute(
        update(Message)
        .where(Message.id.in_(select(OutboxItem.message_id).where(OutboxItem.id.in_(ids))))
        .values(status=DeliveryStatus.queued, channel=channel)
    )
    return len(ids)
