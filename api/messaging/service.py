"""Conversations and messages: the record of what was said, and the outbox for what must go out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.audit import service as audit
from api.auth import Principal
from api.db import utcnow
from api.errors import Forbidden
from api.i18n import segments
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

WHATSAPP_WINDOW_HOURS = 24


def conversation_for(db: Session, person: Inburgeraar) -> Conversation:
    """The one conversation of a person (created on first use)."""
    conversation = db.scalar(select(Conversation).where(Conversation.inburgeraar_id == person.id))
    if conversation is None:
        conversation = db.scalar(select(Conversation).where(Conversation.phone == person.phone))
        if conversation is None:
            conversation = Conversation(inburgeraar_id=person.id, phone=person.phone, language=person.language)
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
) -> Message:
    """Record an outgoing message and its outbox row in the current transaction.

    Nothing is sent here: a worker hands the outbox row to the transport after commit, so a rollback
    also cancels the send, and a crash after commit cannot lose it.
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
    db.flush()
    to = conversation.phone if channel != Channel.whatsapp else f"whatsapp:{conversation.phone}"
    db.add(
        OutboxItem(
            message_id=message.id,
            to=to,
            channel=channel,
            body=body,
            status=OutboxStatus.pending,
            next_attempt_at=not_before or utcnow(),
        )
    )
    db.flush()
    return message


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
    return list(db.scalars(select(Message).where(Message.conversation_id == conversation.id).order_by(Message.id)))


__all__ = ["MessageKind", "conversation_for", "list_messages", "queue_outbound"]
