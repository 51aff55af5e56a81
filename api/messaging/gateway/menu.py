"""Numbered answers: "1", "2" or "3" right after a reminder, after the bot's clarifying question, or
"1"/"2" after the stop-or-absence question, become a trusted Rasa shortcut (or, for "2 = stop all
messages", the opt-out itself).

Only the gateway may send Rasa a `/intent{...}` shortcut; a person's own slashes are stripped (text.py).
"""

from __future__ import annotations

import json
import unicodedata
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from api.db import utcnow
from api.messaging.models import Conversation, Direction, Message, MessageKind

MENU_INTENTS = {"1": "confirm_attendance", "2": "report_absence", "3": "request_reschedule"}
MENU_WINDOW = timedelta(hours=48)
# Marks the outbound question "1 = I can't come to my appointment, 2 = stop all messages".
STOP_OR_ABSENCE = "question:stop_or_absence"
# Marks the question "are our messages not for you? 1 = not for me, 2 = they are" (ADR 0026).
WHOSE_NUMBER = "question:whose_number"
# Marks the bot's clarifying question; its `entities` hold {"options": [intent, ...]} in its numbering.
CLARIFY = "question:clarify"


def menu_digit(text: str) -> str | None:
    """ "1", "2" or "3" for a one-digit answer in any script people type digits in (١ ۱ ፩ ...)."""
    stripped = (text or "").strip().rstrip(".)")
    if len(stripped) != 1:
        return None
    if stripped in "፩፪፫":
        return str("፩፪፫".index(stripped) + 1)
    try:
        digit = unicodedata.digit(stripped)
    except (TypeError, ValueError):
        return None
    return str(digit) if str(digit) in MENU_INTENTS else None


def menu_shortcut(db: Session, conversation: Conversation, message: Message) -> str | None:
    """`/confirm_attendance{"appointment_id": "12"}` when "1"/"2"/"3" answers a reminder's menu.

    Only right after the reminder: the latest outbound message (holding replies aside) is a reminder
    about an appointment from the last 48 hours, and the person has not written since.
    """
    digit = menu_digit(message.body)
    if digit is None:
        return None
    clarify = _last_outbound(db, conversation, message, intent=CLARIFY)
    if clarify is not None:
        options = (clarify.entities or {}).get("options") or []
        return f"/{options[int(digit) - 1]}" if int(digit) <= len(options) else None
    question = pending_question(db, conversation, message)
    if question is not None:
        if digit != "1":
            return None
        entity = (
            json.dumps({"appointment_id": str(question.appointment_id)}) if question.appointment_id else ""
        )
        return f"/report_absence{entity}"
    reminder = reminder_before(db, conversation, message)
    if reminder is None:
        return None
    entity = json.dumps({"appointment_id": str(reminder.appointment_id)})
    return f"/{MENU_INTENTS[digit]}{entity}"


def last_outbound(
    db: Session, conversation: Conversation, message: Message, *, system_replies: bool = True
) -> Message | None:
    """Our last message before `message` (with `system_replies=False`: holding replies and the like aside)."""
    query = select(Message).where(
        Message.conversation_id == conversation.id,
        Message.direction == Direction.outbound,
        Message.id < message.id,
    )
    if not system_replies:
        query = query.where(Message.kind != MessageKind.system)
    return db.scalar(query.order_by(Message.id.desc()).limit(1))


def _latest_reminder(db: Session, conversation: Conversation, message: Message) -> Message | None:
    """The last outbound message before `message` (system replies aside), if it is a recent reminder."""
    last_out = last_outbound(db, conversation, message, system_replies=False)
    if (
        last_out is None
        or last_out.kind != MessageKind.reminder
        or last_out.appointment_id is None
        or last_out.created_at < utcnow() - MENU_WINDOW
    ):
        return None
    return last_out


def _answered_since(db: Session, conversation: Conversation, reminder: Message, message: Message) -> bool:
    """True when the person wrote between the reminder and `message` (the digit is then not an answer)."""
    earlier = db.scalar(
        select(Message.id)
        .where(
            Message.conversation_id == conversation.id,
            Message.direction == Direction.inbound,
            Message.id > reminder.id,
            Message.id < message.id,
        )
        .limit(1)
    )
    return earlier is not None


def shortcut_intent(shortcut: str) -> str:
    """The intent a gateway shortcut names: `/report_absence{...}` -> report_absence."""
    return shortcut.lstrip("/").split("{", 1)[0]


def reminder_before(db: Session, conversation: Conversation, message: Message) -> Message | None:
    """The recent reminder that `message` answers, if it does (nothing written in between)."""
    reminder = _latest_reminder(db, conversation, message)
    if reminder is None or _answered_since(db, conversation, reminder, message):
        return None
    return reminder


def mark_clarify_question(reply: Message, options: list[str]) -> None:
    """Remember which intents the bot's clarifying question offered, so a digit can answer it."""
    reply.intent = CLARIFY
    reply.entities = {"options": options}


def pending_question(db: Session, conversation: Conversation, message: Message) -> Message | None:
    """The stop-or-absence question that `message` answers: our last message before it, recent, unanswered."""
    return _last_outbound(db, conversation, message, intent=STOP_OR_ABSENCE)


def whose_number_question(db: Session, conversation: Conversation, message: Message) -> Message | None:
    """The question whose number this is, if `message` answers it: our last message, recent, unanswered."""
    return _last_outbound(db, conversation, message, intent=WHOSE_NUMBER)


def _last_outbound(
    db: Session, conversation: Conversation, message: Message, *, intent: str
) -> Message | None:
    """Our last message before `message` if it is the question `intent`, recent, and not yet answered.

    An offer sent after the question (a language offer) does not hide it.
    """
    last_out = db.scalar(
        select(Message)
        .where(
            Message.conversation_id == conversation.id,
            Message.direction == Direction.outbound,
            Message.id < message.id,
            or_(Message.intent.is_(None), ~Message.intent.startswith("offer:")),
        )
        .order_by(Message.id.desc())
        .limit(1)
    )
    if last_out is None or last_out.intent != intent or last_out.created_at < utcnow() - MENU_WINDOW:
        return None
    return None if _answered_since(db, conversation, last_out, message) else last_out
