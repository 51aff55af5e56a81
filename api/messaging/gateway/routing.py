"""Who answers a stored message: the crisis net first, then the routing chain, first match wins.

crisis net (crisis.py, always) -> conversation closed since (kept for staff, not answered) -> unknown
number -> the number is not the person's (said now or before: nothing about them goes there) -> the
answer to "not meant for you?" -> STOP/START/HELP -> maybe not the person's (ask "not meant for you?") ->
escalation open (bot silent, but the model still reads the message for the
klantmanager) -> nothing to read -> the bot (turn.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db import utcnow
from api.i18n.catalog import render
from api.messaging import keywords, wrong_number
from api.messaging.gateway.crisis import NO_CRISIS, answer_crisis
from api.messaging.gateway.inbound import mark_processed
from api.messaging.gateway.menu import (
    STOP_OR_ABSENCE,
    WHOSE_NUMBER,
    last_outbound,
    menu_digit,
    pending_question,
    reminder_before,
    whose_number_question,
)
from api.messaging.gateway.replies import (
    HANDOFF_HOLDING,
    HELP_TEXT,
    MEDIA_ONLY,
    MEDICAL_PROOF,
    NOT_THEIR_NUMBER,
    NOTHING_TO_READ,
    NUMBER_KEPT,
    START_CONFIRMED,
    STOP_CONFIRMED,
    STOP_OR_ABSENCE_QUESTION,
    UNKNOWN_NUMBER,
    WHOSE_NUMBER_QUESTION,
    reply,
    with_emergency,
)
from api.messaging.gateway.text import detected_language, neutralise
from api.messaging.models import Conversation, Message, MessageKind
from api.messaging.service import NUMBER_DISPUTED_REPLY
from api.people import consent, number_dispute
from api.people.models import Inburgeraar
from api.settings import Settings
from api.tasks import service as tasks
from api.tasks.models import TaskKind

log = structlog.get_logger()

UNKNOWN_REPLY_EVERY = timedelta(hours=24)
BOT_DIALOGUE = timedelta(hours=1)  # a message this soon after the bot's reply answers the bot
ASK_WHOSE_NUMBER_EVERY = timedelta(days=30)

# One bot turn for a known person's message: True when done, False when Rasa is unavailable.
BotTurn = Callable[[Session, Conversation, Inburgeraar, Message], bool]
# What the model understands of a message, recorded on it, without a turn (the bot stays silent).
Reader = Callable[[Session, Conversation, Inburgeraar, Message], None]


def route(
    db: Session, settings: Settings, message: Message, *, bot_turn: BotTurn, read_silently: Reader
) -> bool:
    """Process one message and commit. False when Rasa is unavailable (the message stays stored)."""
    conversation = db.get(Conversation, message.conversation_id)
    assert conversation is not None
    person = db.get(Inburgeraar, conversation.inburgeraar_id) if conversation.inburgeraar_id else None
    crisis = answer_crisis(db, conversation, person, message)
    # Whether the message answers the bot's own reply: read once, for both levels of the number guard.
    in_dialogue = person is not None and conversation.closed_at is None
    in_dialogue = in_dialogue and _answers_the_bot(db, conversation, message)
    if conversation.closed_at is not None:
        log.info("inbound_in_closed_conversation", message_id=message.id, conversation_id=conversation.id)
    elif person is None:
        unknown_number(db, settings, conversation, message)
    elif number_dispute.is_disputed(person) or _says_not_theirs(message, in_dialogue):
        not_their_number(db, settings, conversation, person, message)
    elif menu_digit(message.body) in ("1", "2") and whose_number_question(db, conversation, message):
        answer_whose_number(db, settings, conversation, person, message)
    elif (keyword := keywords.match(message.body)) is not None:
        keyword_reply(db, settings, conversation, person, message, keyword)
    elif _worth_asking(db, conversation, message, in_dialogue):
        ask_whose_number(db, settings, conversation, message)
    elif menu_digit(message.body) == "2" and pending_question(db, conversation, message) is not None:
        keyword_reply(db, settings, conversation, person, message, keywords.Keyword.stop)
    elif (escalation := tasks.active_escalation(db, conversation.id)) is not None:
        while_escalated(db, settings, conversation, person, message, escalation.created_at)
        if not crisis:  # the crisis net has said what it is
            read_silently(db, conversation, person, message)
    elif not neutralise(message.body):
        nothing_to_read(db, conversation, person, message)
    else:
        if message.media:
            medical = render(person.language, MEDICAL_PROOF)
            reply(db, conversation, person.language, medical, message.channel)
        return bot_turn(db, conversation, person, message)
    mark_processed(message)
    db.commit()
    return True


def nothing_to_read(db: Session, conversation: Conversation, person: Inburgeraar, message: Message) -> None:
    """No words to read: a file or photo (where medical proof belongs instead), or an empty message."""
    language = person.language
    if message.media:
        text = f"{render(language, MEDIA_ONLY)} {render(language, MEDICAL_PROOF)}"
        text = with_emergency(language, text)
    else:
        text = render(language, NOTHING_TO_READ)
    reply(db, conversation, language, text, message.channel)


def unknown_number(db: Session, settings: Settings, conversation: Conversation, message: Message) -> None:
    """A number we cannot link to a person: at most one reply a day, and a task for staff to link it."""
    if _stranger_reply_due(conversation):
        _reply_to_stranger(db, settings, conversation, message, UNKNOWN_NUMBER)
    tasks.open_task_once(
        db,
        TaskKind.link_unknown_number,
        conversation_id=conversation.id,
        detail=f"message_id={message.id}",
    )
    log.info("inbound_unknown_number", message_id=message.id, conversation_id=conversation.id)


def _says_not_theirs(message: Message, in_dialogue: bool) -> bool:
    """Whoever has the number says it is not the person's. Never from a message the crisis net answered
    (a hold would keep the klantmanager's reply from someone in trouble); after the bot's own reply only
    the unambiguous patterns count ("no, that's not my appointment" answers the bot's question)."""
    if message.crisis_level not in (None, NO_CRISIS):
        return False
    return wrong_number.says_not_theirs(message.body, answers_the_bot=in_dialogue)


def _worth_asking(db: Session, conversation: Conversation, message: Message, in_dialogue: bool) -> bool:
    """No pattern said it, but the learned layer thinks the writer may not be the person (ADR 0026). Asked
    at most once in ASK_WHOSE_NUMBER_EVERY: whoever answered "2" is not asked again about their next words.
    The classifier first (in memory), the database only when it would ask."""
    if message.crisis_level not in (None, NO_CRISIS):
        return False
    if not wrong_number.worth_asking(message.body, answers_the_bot=in_dialogue):
        return False
    asked = db.scalar(
        select(Message.id)
        .where(
            Message.conversation_id == conversation.id,
            Message.intent == WHOSE_NUMBER,
            Message.created_at > utcnow() - ASK_WHOSE_NUMBER_EVERY,
        )
        .limit(1)
    )
    return asked is None


def ask_whose_number(db: Session, settings: Settings, conversation: Conversation, message: Message) -> None:
    """Ask whether our messages are meant for the writer; the message itself reaches no one but staff (the
    bot's answer could hold the person's appointments). Nothing changes until the answer."""
    question = _reply_to_stranger(db, settings, conversation, message, WHOSE_NUMBER_QUESTION, emergency=False)
    question.intent = WHOSE_NUMBER
    message.intent, message.intent_confidence = "maybe_not_their_number", 1.0
    log.info("inbound_whose_number_asked", message_id=message.id, conversation_id=conversation.id)


def answer_whose_number(
    db: Session, settings: Settings, conversation: Conversation, person: Inburgeraar, message: Message
) -> None:
    """ "1": the messages are not for the writer, so the number is held as if they had said so; "2": they
    are, and the person asks again."""
    if menu_digit(message.body) == "1":
        not_their_number(db, settings, conversation, person, message)
        return
    message.intent, message.intent_confidence = "number_confirmed_by_holder", 1.0
    reply(db, conversation, person.language, render(person.language, NUMBER_KEPT), message.channel)


def _answers_the_bot(db: Session, conversation: Conversation, message: Message) -> bool:
    """The bot's reply is the last thing we sent before `message`, within the hour."""
    last = last_outbound(db, conversation, message)
    if last is None or last.kind != MessageKind.bot_reply:
        return False
    return last.created_at > utcnow() - BOT_DIALOGUE


def not_their_number(
    db: Session, settings: Settings, conversation: Conversation, person: Inburgeraar, message: Message
) -> None:
    """Whoever has the person's number says it is not theirs, now or before: nothing about the person goes
    to the number until staff check (number_dispute), and the klantmanager gets a task. Consent stays as it
    is: a STOP from a stranger must not end the person's reminders for good. One reply a day, naming no one,
    in Dutch, English and the language the message seems to be in.
    """
    first = number_dispute.dispute(db, person, conversation_id=conversation.id, message_id=message.id)
    if first:
        message.intent, message.intent_confidence = "number_disputed", 1.0
    if first or _stranger_reply_due(conversation):
        answer = _reply_to_stranger(db, settings, conversation, message, NOT_THEIR_NUMBER)
        answer.intent = NUMBER_DISPUTED_REPLY
    log.info("inbound_number_disputed", message_id=message.id, conversation_id=conversation.id, first=first)


def _stranger_reply_due(conversation: Conversation) -> bool:
    last = conversation.unknown_reply_sent_at
    return last is None or utcnow() - last >= UNKNOWN_REPLY_EVERY


def _reply_to_stranger(
    db: Session,
    settings: Settings,
    conversation: Conversation,
    message: Message,
    msgid: str,
    *,
    emergency: bool = True,
) -> Message:
    """`msgid` in Dutch, English and the detected language (else Arabic), each with the emergency line: we
    do not know who wrote, so nothing of a profile chooses the language."""
    detected = detected_language(message.body)
    codes = ["nl", "en"] + ([detected] if detected and detected not in ("nl", "en") else ["ar"])
    rendered = [render(code, msgid, phone=settings.municipality_phone) for code in codes]
    text = "\n".join(
        with_emergency(code, line) if emergency else line for code, line in zip(codes, rendered, strict=True)
    )
    conversation.unknown_reply_sent_at = utcnow()
    return reply(db, conversation, "nl", text, message.channel)


def keyword_reply(
    db: Session,
    settings: Settings,
    conversation: Conversation,
    person: Inburgeraar,
    message: Message,
    keyword: keywords.Keyword,
) -> None:
    """STOP and START change the person's consent (and say so); HELP says who we are and how to stop.

    A word that may also mean "I can't come" changes nothing: it gets one numbered question.
    """
    language = person.language
    if keyword == keywords.Keyword.stop_or_absence:
        ask_stop_or_absence(db, conversation, person, message)
        return
    if keyword == keywords.Keyword.stop:
        consent.opt_out(db, person, source="keyword")
        text = render(language, STOP_CONFIRMED)
        message.intent = "opt_out"
    elif keyword == keywords.Keyword.start:
        consent.opt_in(db, person, source="keyword")
        text = render(language, START_CONFIRMED)
        message.intent = "opt_in"
    else:
        text = with_emergency(language, render(language, HELP_TEXT, phone=settings.municipality_phone))
        message.intent = "help"
    message.intent_confidence = 1.0
    reply(db, conversation, language, text, message.channel)
    log.info("inbound_keyword", message_id=message.id, keyword=str(keyword))


def ask_stop_or_absence(
    db: Session, conversation: Conversation, person: Inburgeraar, message: Message
) -> None:
    """Ask "1 = I can't come, 2 = stop all messages"; the answer acts (menu.py), the word alone never does.

    After a reminder the question carries that reminder's appointment, so "1" reports the absence for it.
    """
    reminder = reminder_before(db, conversation, message)
    text = render(person.language, STOP_OR_ABSENCE_QUESTION)
    question = reply(db, conversation, person.language, text, message.channel)
    question.intent = STOP_OR_ABSENCE
    question.appointment_id = reminder.appointment_id if reminder is not None else None
    message.intent, message.intent_confidence = "stop_or_absence", 1.0
    log.info("inbound_ambiguous_stop", message_id=message.id, appointment_id=question.appointment_id)


def while_escalated(
    db: Session,
    settings: Settings,
    conversation: Conversation,
    person: Inburgeraar,
    message: Message,
    escalated_at: datetime,
) -> None:
    """A klantmanager has the conversation: the bot stays silent; one holding reply per escalation."""
    sent = conversation.holding_reply_sent_at
    if settings.handoff_holding_reply and (sent is None or sent < escalated_at):
        reply(db, conversation, person.language, render(person.language, HANDOFF_HOLDING), message.channel)
        conversation.holding_reply_sent_at = utcnow()
    log.info("inbound_routed_to_staff", message_id=message.id, conversation_id=conversation.id)
