"""What the klantmanager sees of a conversation and does from it: replies (translated when a provider is
on), acting for the person, internal notes, and closing the question.

Reading goes through api.messaging.service.list_messages, which enforces the caseload, keeps
coordinators out and writes the audit event; this module adds what the assistant understood, the Dutch
line of what the person wrote (api.messaging.translations), and what the bot would have done for the person
while staff had the conversation (api.bot_endpoints.suggestions).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.appointments.models import Appointment, Attendance
from api.auth import Principal
from api.bot_endpoints import service as bot_service
from api.bot_endpoints.suggestions import Suggestion, for_handoff
from api.db import utcnow
from api.errors import InvalidInput
from api.i18n import languages
from api.messaging import notes as conversation_notes
from api.messaging import service as messaging
from api.messaging import staff_replies, translations
from api.messaging.models import Channel, Conversation, ConversationNote, Direction, Message, MessageKind
from api.people.models import Inburgeraar
from api.staff.models import Staff
from api.tasks import service as tasks
from api.tasks import visibility
from api.tasks.models import Escalation
from api.translation import Translator
from api.twilio import whatsapp
from api.web import canned

log = structlog.get_logger()

REASON_ENTITIES = ("reason", "absence_reason")


@dataclass(frozen=True)
class Understood:
    """What the assistant made of an inbound message, as codes the template turns into labels."""

    intent: str | None
    confidence: float | None
    reasons: list[str] = field(default_factory=list)
    other_entities: list[tuple[str, str]] = field(default_factory=list)
    language: str | None = None
    differs_from_profile: bool = False


@dataclass(frozen=True)
class Line:
    message: Message
    understood: Understood | None
    html_lang: str | None  # BCP 47 for the lang attribute, so screen readers pick the right voice
    new_number: bool = False  # the first message on the person's next number (a new conversation)
    sender: str | None = None  # the staff member who wrote a staff reply


@dataclass(frozen=True)
class Note:
    note: ConversationNote
    author: str


@dataclass(frozen=True)
class ConversationView:
    person: Inburgeraar
    conversation: Conversation | None
    lines: list[Line]
    escalation: Escalation | None
    channel: str
    whatsapp_window_open: bool
    whatsapp_window_closes_at: datetime | None
    notes: list[Note] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)
    appointments: list[tuple[Appointment, Attendance]] = field(default_factory=list)
    dutch: translations.DutchLines = field(default_factory=translations.DutchLines)
    translation_on: bool = False
    can_translate_reply: bool = False


def html_lang(code: str | None) -> str | None:
    normalized = languages.normalize(code)
    return normalized.replace("_", "-") if normalized else None


def understood(message: Message, profile_language: str) -> Understood:
    reasons: list[str] = []
    others: list[tuple[str, str]] = []
    for entity in message.entities or []:
        name, value = str(entity.get("entity", "")), entity.get("value")
        if value is None or not name:
            continue
        if name in REASON_ENTITIES:
            reasons.append(str(value))
        else:
            others.append((name, str(value)))
    language = languages.normalize(message.language)
    return Understood(
        intent=message.intent,
        confidence=message.intent_confidence,
        reasons=reasons,
        other_entities=others,
        language=language,
        differs_from_profile=bool(language and language != profile_language),
    )


def whatsapp_window(
    conversation: Conversation | None, now: datetime | None = None
) -> tuple[bool, datetime | None]:
    """Whether free text may go out on WhatsApp now: only within 24 hours of the person's last message."""
    if conversation is None or conversation.last_whatsapp_inbound_at is None:
        return False, None
    closes_at = whatsapp.window_closes_at(conversation.last_whatsapp_inbound_at)
    return (now or utcnow()) < closes_at, closes_at


def _staff_names(db: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.execute(select(Staff.id, Staff.name).where(Staff.id.in_(ids))).tuples().all())


def view(
    db: Session, actor: Principal, inburgeraar_id: int, translator: Translator | None = None
) -> ConversationView:
    """The transcript over every number the person had, with annotations; the read is audit-logged by
    list_messages (denials too). With a translation provider on, what the person wrote gets its Dutch
    line (translated once, then cached on the message)."""
    messages = messaging.list_messages(db, actor, inburgeraar_id)
    person = visibility.conversation_person(db, actor, inburgeraar_id)
    conversation = messaging.open_conversation(db, person)
    dutch = translations.add_dutch_lines(db, actor, person, messages, translator)
    notes = conversation_notes.notes_on(db, person.id)
    names = _staff_names(
        db, {m.staff_id for m in messages if m.staff_id} | {n.staff_id for n in notes if n.staff_id}
    )
    lines = [
        Line(
            message=m,
            understood=understood(m, person.language) if m.direction == Direction.inbound else None,
            html_lang=html_lang(m.language),
            new_number=n > 0 and m.conversation_id != messages[n - 1].conversation_id,
            sender=names.get(m.staff_id) if m.kind == MessageKind.staff_reply and m.staff_id else None,
        )
        for n, m in enumerate(messages)
    ]
    escalation = tasks.active_escalation(db, conversation.id) if conversation else None
    channel = (
        messaging.preferred_channel(conversation, person)
        if conversation
        else (Channel.whatsapp if person.whatsapp_opt_in else Channel.sms)
    )
    is_open, closes_at = whatsapp_window(conversation)
    suggestions = for_handoff(db, person, conversation, escalation, messages) if escalation else []
    return ConversationView(
        person,
        conversation,
        lines,
        escalation,
        channel,
        is_open,
        closes_at,
        notes=[Note(n, names.get(n.staff_id, "") if n.staff_id else "") for n in notes],
        suggestions=suggestions,
        appointments=bot_service.upcoming(db, person) + bot_service.recent(db, person),
        dutch=dutch,
        translation_on=translator is not None,
        can_translate_reply=translations.can_translate_reply(translator, person),
    )


def send_reply(
    db: Session,
    actor: Principal,
    inburgeraar_id: int,
    *,
    text: str | None = None,
    canned_key: str | None = None,
    municipality_phone: str,
) -> Message:
    """Queue a klantmanager's reply: free text as written (signed), or a canned reply in the person's
    language."""
    person = staff_replies.replyable_person(db, actor, inburgeraar_id)
    body = (text or "").strip()
    if canned_key and body:
        raise InvalidInput("choose a canned reply or write a text, not both", field="text")
    if not canned_key:
        return staff_replies.send_free_text(db, actor, person, body)
    if canned_key not in canned.CANNED_REPLIES:
        raise InvalidInput(f"unknown canned reply {canned_key!r}", field="canned")
    staff = db.get(Staff, actor.staff_id) if actor.staff_id else None
    body = canned.render_reply(canned_key, person, staff, municipality_phone).text
    return staff_replies.send_staff_reply(
        db, actor, person, body, language=person.language, canned_key=canned_key
    )
