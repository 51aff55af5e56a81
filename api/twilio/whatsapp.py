"""WhatsApp's 24-hour rule: free text inside the window, an approved template outside it.

The window is defined here once (`WINDOW`, `window_open`, `window_closes_at`); the outbox, the gateway
and the staff inbox all ask these functions. Outside the window a purpose-specific template in the
person's language is used when one exists (for example a reminder with its date filled in). Otherwise the
generic "a message is waiting, please reply" template goes out in the closest language we have, and the
real message is held until the person replies, which opens the window again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db import utcnow
from api.i18n import segments
from api.i18n.catalog import render
from api.messaging.models import (
    Channel,
    Conversation,
    DeliveryStatus,
    Direction,
    Message,
    MessageKind,
    OutboxItem,
    OutboxStatus,
)
from api.messaging.service import WHATSAPP_WAITING
from api.settings import get_settings

log = structlog.get_logger()

WINDOW = timedelta(hours=24)
GENERIC = "generic"


def window_closes_at(last_inbound: datetime) -> datetime:
    """When free text stops being allowed: 24 hours after the person's last WhatsApp message."""
    return last_inbound + WINDOW


def window_open(last_inbound: datetime | None, now: datetime | None = None) -> bool:
    """True while the person's last WhatsApp message (None: never) is less than 24 hours old."""
    return last_inbound is not None and (now or utcnow()) < window_closes_at(last_inbound)


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
    if window_open(conversation.last_whatsapp_inbound_at, now):
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


def apply_rules(
    db: Session,
    conversation: Conversation,
    message: Message,
    item: OutboxItem,
    *,
    now: datetime | None = None,
) -> str:
    """Apply WhatsApp's 24-hour rule to one free-text outbox row; returns "free", "template" or "hold".

    Called when a message is queued and again just before it is sent (a reminder planned days ahead
    may find the window closed by then). Holding also queues the generic "a message is waiting"
    template once per closed window; the held messages go out when the person writes again.
    """
    if item.channel != Channel.whatsapp or item.content_sid:
        return "free" if not item.content_sid else "template"
    book = load(get_settings().whatsapp_templates_path)
    values = (item.content_variables or {}).get("_values") or {}
    language = message.language or conversation.language or "nl"
    decision = plan(book, conversation, purpose=message.kind, language=language, values=values, now=now)
    if decision.action == "free":
        return "free"
    if decision.action == "template":
        assert decision.template is not None
        item.content_sid = decision.template.content_sid
        item.content_variables = decision.variables
        db.flush()
        return "template"
    already_waiting = db.scalar(
        select(OutboxItem.id)
        .join(Message, Message.id == OutboxItem.message_id)
        .where(
            Message.conversation_id == conversation.id,
            OutboxItem.status == OutboxStatus.held,
            OutboxItem.id != item.id,
        )
        .limit(1)
    )
    item.status = OutboxStatus.held
    message.status = DeliveryStatus.held
    if already_waiting is None and decision.template is not None:
        _queue_waiting_notice(db, conversation, item.to, decision.template, decision.variables)
    db.flush()
    log.info(
        "whatsapp_message_held",
        message_id=message.id,
        outbox_id=item.id,
        template_sent=already_waiting is None,
    )
    return "hold"


def _queue_waiting_notice(
    db: Session, conversation: Conversation, to: str, template: Template, variables: dict[str, str] | None
) -> None:
    """The approved "a message is waiting for you" template, once per closed window."""
    body = render(template.language, WHATSAPP_WAITING)
    info = segments.count(body)
    notice = Message(
        conversation_id=conversation.id,
        direction=Direction.outbound,
        channel=Channel.whatsapp,
        kind=MessageKind.system,
        body=body,
        language=template.language,
        status=DeliveryStatus.queued,
        segments=info.segments,
        encoding=info.encoding,
    )
    db.add(notice)
    db.flush()
    db.add(
        OutboxItem(
            message_id=notice.id,
            to=to,
            channel=Channel.whatsapp,
            body=body,
            content_sid=template.content_sid,
            content_variables=variables or None,
            status=OutboxStatus.pending,
            next_attempt_at=utcnow(),
        )
    )
