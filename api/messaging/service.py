"""Conversations and messages: the record of what was said, and the outbox for what must go out."""

from __future__ import annotations

from datetime import datetime

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.audit import service as audit
from api.auth import Principal
from api.db import utcnow
from api.errors import Forbidden
from api.i18n import segments
from api.i18n.catalog import N_, render
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
from api.people.models import Inburgeraar, Role
from api.people.service import get_inburgeraar
from api.settings import get_settings
from api.twilio import errors as provider_errors
from api.twilio import whatsapp

log = structlog.get_logger()


def conversation_for(db: Session, person: Inburgeraar) -> Conversation:
    """The one conversation of a person (created on first use)."""
    conversation = db.scalar(select(Conversation).where(Conversation.inburgeraar_id == person.id))
    if conversation is None:
        conversation = db.scalar(select(Conversation).where(Conversation.phone == person.phone))
        if conversation is None:
            conversation = Conversation(
                inburgeraar_id=person.id, phone=person.phone, language=person.language
            )
            db.add(conversation)
        else:
            conversation.inburgeraar_id = person.id
        db.flush()
    return conversation


def preferred_channel(conversation: Conversation, person: Inburgeraar | None) -> str:
    """Answer on the channel the person last used; otherwise WhatsApp when they opted in, else SMS."""
    if conversation.last_inbound_at is not None:
        return conversation.last_channel
    if person is not None and person.whatsapp_opt_in:
        return Channel.whatsapp
    return Channel.sms


AUTOMATIC_KINDS = frozenset({MessageKind.reminder, MessageKind.broadcast, MessageKind.notice})
WHATSAPP_WAITING = N_("Je hebt een nieuw bericht van de gemeente. Stuur een bericht terug om het te lezen.")


def queue_outbound(
    db: Session,
    conversation: Conversation,
    body: str,
    *,
    kind: str,
    channel: str | None = None,
    language: str | None = None,
    appointment_id: int | None = None,
    staff_id: int | None = None,
    not_before: datetime | None = None,
    template_values: dict[str, str] | None = None,
) -> Message:
    """Record an outgoing message and its outbox row in the current transaction.

    Nothing is sent here: a worker hands the outbox row to the transport after commit, so a rollback
    also cancels the send, and a crash after commit cannot lose it.

    Automatic kinds (reminder, broadcast, notice) to a person who opted out are recorded as `cancelled`
    and never reach the outbox. WhatsApp messages outside the 24-hour window go out as the approved
    template for `kind` when one exists in the person's language and `template_values` fills its
    variables; otherwise they are held (see `apply_whatsapp_rules`).
    """
    person = db.get(Inburgeraar, conversation.inburgeraar_id) if conversation.inburgeraar_id else None
    channel = channel or preferred_channel(conversation, person)
    info = segments.count(body)
    message = Message(
        conversation_id=conversation.id,
        direction=Direction.outbound,
        channel=channel,
        kind=kind,
        body=body,
        language=language or conversation.language,
        status=DeliveryStatus.queued,
        segments=info.segments,
        encoding=info.encoding,
        appointment_id=appointment_id,
        staff_id=staff_id,
    )
    db.add(message)
    if kind in AUTOMATIC_KINDS and person is not None and person.opted_out:
        message.status = DeliveryStatus.cancelled
        message.error_code = "opted_out"
        message.error_message = provider_errors.meaning("opted_out")
        db.flush()
        log.info("outbound_suppressed_opted_out", message_id=message.id, conversation_id=conversation.id)
        return message
    db.flush()
    item = OutboxItem(
        message_id=message.id,
        to=address(conversation, channel),
        channel=channel,
        body=body,
        content_variables={"_values": template_values} if template_values else None,
        status=OutboxStatus.pending,
        next_attempt_at=not_before or utcnow(),
    )
    db.add(item)
    db.flush()
    if channel == Channel.whatsapp and item.next_attempt_at <= utcnow():
        apply_whatsapp_rules(db, conversation, message, item)
    return message


def address(conversation: Conversation, channel: str) -> str:
    """The `To` of a message on this channel."""
    return f"whatsapp:{conversation.phone}" if channel == Channel.whatsapp else conversation.phone


def apply_whatsapp_rules(
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
    book = whatsapp.load(get_settings().whatsapp_templates_path)
    values = (item.content_variables or {}).get("_values") or {}
    language = message.language or conversation.language or "nl"
    decision = whatsapp.plan(
        book, conversation, purpose=message.kind, language=language, values=values, now=now
    )
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
        template = decision.template
        notice_body = render(template.language, WHATSAPP_WAITING)
        info = segments.count(notice_body)
        notice = Message(
            conversation_id=conversation.id,
            direction=Direction.outbound,
            channel=Channel.whatsapp,
            kind=MessageKind.system,
            body=notice_body,
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
                to=item.to,
                channel=Channel.whatsapp,
                body=notice_body,
                content_sid=template.content_sid,
                content_variables=decision.variables or None,
                status=OutboxStatus.pending,
                next_attempt_at=utcnow(),
            )
        )
    db.flush()
    log.info(
        "whatsapp_message_held",
        message_id=message.id,
        outbox_id=item.id,
        template_sent=already_waiting is None,
    )
    return "hold"


def list_messages(db: Session, actor: Principal, inburgeraar_id: int) -> list[Message]:
    """The whole conversation in order. Coordinators may not read contents; every read is audited."""
    if actor.role == Role.coordinator:
        audit.record_denied(db, actor, "read", "conversation", inburgeraar_id)
        raise Forbidden("coordinators do not read conversation contents")
    person = get_inburgeraar(db, actor, inburgeraar_id)
    conversation = db.scalar(select(Conversation).where(Conversation.inburgeraar_id == person.id))
    audit.record(db, actor, "read", "conversation", inburgeraar_id)
    if conversation is None:
        return []
    return list(
        db.scalars(select(Message).where(Message.conversation_id == conversation.id).order_by(Message.id))
    )


__all__ = ["MessageKind", "apply_whatsapp_rules", "conversation_for", "list_messages", "queue_outbound"]
