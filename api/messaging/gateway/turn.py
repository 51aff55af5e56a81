"""One bot turn: a known person's message to Rasa, Rasa's understanding onto the message, replies out.

While a klantmanager has the conversation there is no turn: `read_silently` records what the model makes
of the message for the klantmanager, and the tracker stays as the hand-off left it. A turn that ends in a
hand-off notes on the escalation which form the person was in and what it had filled.

A turn that may already have happened (an earlier attempt ended ambiguously) is not asked again: the
replies are read back from Rasa's tracker. When Rasa does not answer (down, or still loading its model)
the message stays `received` and the worker replays it; once it has waited OUTAGE_REPLY_AFTER_SECONDS the
person gets one holding reply per outage (`hold`), so a bot that is only starting answers without one.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.db import utcnow
from api.i18n import languages
from api.i18n.catalog import render
from api.i18n.labels import intent_options
from api.logging import current_request_id
from api.messaging.gateway.inbound import mark_processed
from api.messaging.gateway.language_offer import offer_language
from api.messaging.gateway.menu import mark_clarify_question, menu_shortcut, shortcut_intent
from api.messaging.gateway.replies import OTHER_REQUEST_OFFER, OUTAGE_HOLDING, reply, with_emergency
from api.messaging.gateway.second_request import other_request
from api.messaging.gateway.text import detected_language, neutralise
from api.messaging.metrics import BOT_TURN_SECONDS, BOT_TURNS, turn_outcome
from api.messaging.models import Conversation, Message, MessageKind
from api.messaging.rasa import RasaClient, RasaUnavailable, Understanding, sender_id
from api.people.models import Inburgeraar
from api.safety import net
from api.tasks import service as tasks

log = structlog.get_logger()

RASA_MAX_CHARS = 1000  # the stored message keeps everything; Rasa gets the first part


def bot_turn(
    db: Session,
    rasa: RasaClient,
    conversation: Conversation,
    person: Inburgeraar,
    message: Message,
    *,
    offer_other_request: bool = False,
    outage_reply_after: timedelta = timedelta(0),
) -> bool:
    """Ask Rasa about `message`, record what it understood, queue its replies, count the turn and commit.

    Returns False when Rasa is unavailable: the message stays stored for a replay (`hold` decides about
    the holding reply).
    """
    sender = sender_id(conversation)
    shortcut = menu_shortcut(db, conversation, message)
    text = shortcut or neutralise(message.body)[:RASA_MAX_CHARS]
    metadata = {
        "channel": message.channel,
        "language": person.language,
        "detectedLanguage": None if shortcut else detected_language(text),
        "inburgeraarId": person.id,
        "messageId": message.id,
        # The action server sends it back with its calls to /api/v1/bot, so their log lines join this turn's.
        "requestId": current_request_id(),
        # The crisis net gave the gentle line already: the bot's own (action_urgent_help) is not repeated.
        "safetyLineSent": message.crisis_level == net.Level.check,
    }
    replies = _ask(db, rasa, sender, text, metadata, conversation, person, message, outage_reply_after)
    if replies is None:
        return False
    understanding = rasa.understanding(sender)
    language = _record_understanding(message, person, understanding, shortcut, metadata["detectedLanguage"])
    sent = [
        reply(db, conversation, language, answer, message.channel, kind=MessageKind.bot_reply)
        for answer in replies
    ]
    if sent and understanding.clarify_options:
        mark_clarify_question(sent[-1], understanding.clarify_options)
    elif sent and not shortcut and offer_other_request:
        _offer_other_request(db, rasa, conversation, message, understanding.intent, text, language)
    offer_language(db, conversation, person, message, metadata["detectedLanguage"])
    _note_what_was_interrupted(db, rasa, conversation, sender)
    conversation.outage_reply_sent_at = None
    mark_processed(message)
    # Counted with the turn, just before the commit (the counters' rows are held until then).
    BOT_TURNS.inc(db, outcome=turn_outcome(understanding.intent, shortcut=shortcut is not None))
    BOT_TURN_SECONDS.observe(db, max(0.0, (utcnow() - message.created_at).total_seconds()))
    db.commit()
    log.info("inbound_bot_turn", message_id=message.id, replies=len(replies), shortcut=shortcut is not None)
    return True


def _offer_other_request(
    db: Session,
    rasa: RasaClient,
    conversation: Conversation,
    message: Message,
    handled: str | None,
    text: str,
    language: str,
) -> None:
    """A message with two requests: after the bot's answer, one numbered offer for the other request."""
    sender = sender_id(conversation)

    def intent_of(sentence: str) -> tuple[str | None, float]:
        understood = rasa.parse(sender, sentence)
        return understood.intent, understood.confidence or 0.0

    other = other_request(handled, text, intent_of)
    if other is None:
        return
    offer = render(language, OTHER_REQUEST_OFFER, intent_options=intent_options(language, [other]))
    sent = reply(db, conversation, language, offer, message.channel, kind=MessageKind.bot_reply)
    mark_clarify_question(sent, [other])
    log.info("other_request_offered", message_id=message.id, intent=other)


def read_silently(
    rasa: RasaClient, conversation: Conversation, person: Inburgeraar, message: Message
) -> None:
    """What the model understands of a message while staff have the conversation, onto the message.

    No turn and no reply: Rasa's parse leaves the tracker alone, so the bot resumes where the hand-off
    left it. When Rasa does not answer the message simply has no reading; nothing waits for it.
    """
    text = neutralise(message.body)[:RASA_MAX_CHARS]
    if not text:
        return
    understanding = rasa.parse(sender_id(conversation), text)
    _record_understanding(message, person, understanding, None, detected_language(text))
    log.info(
        "inbound_read_during_handoff", message_id=message.id, understood=understanding.intent is not None
    )


def _note_what_was_interrupted(
    db: Session, rasa: RasaClient, conversation: Conversation, sender: str
) -> None:
    """This turn handed the conversation to staff: tell them which form the person was in, and its slots."""
    escalation = tasks.active_escalation(db, conversation.id)
    if escalation is None or escalation.interrupted_form is not None:
        return
    form, slots = rasa.interrupted_form(sender)
    if form is not None:
        tasks.note_interrupted_form(escalation, form, slots)
        log.info("handoff_interrupted_form", escalation_id=escalation.id, form=form)


def _handed_back_since_last_reply(db: Session, conversation: Conversation) -> bool:
    """Staff resolved an escalation after the bot last spoke (or the bot never spoke since)."""
    handed_back = tasks.handed_back_at(db, conversation.id)
    if handed_back is None:
        return False
    last_reply = db.scalar(
        select(func.max(Message.created_at)).where(
            Message.conversation_id == conversation.id, Message.kind == MessageKind.bot_reply
        )
    )
    return last_reply is None or last_reply < handed_back


def _ask(
    db: Session,
    rasa: RasaClient,
    sender: str,
    text: str,
    metadata: dict[str, Any],
    conversation: Conversation,
    person: Inburgeraar,
    message: Message,
    outage_reply_after: timedelta,
) -> list[str] | None:
    """Rasa's replies to this message, or None when Rasa is unavailable (then `hold` and commit)."""
    earlier_attempt = message.bot_attempts > 0
    if not earlier_attempt and _handed_back_since_last_reply(db, conversation):
        rasa.end_form(sender)
    message.bot_attempts += 1
    db.commit()  # before Rasa sees it: a replay must know this turn may already have happened
    try:
        replies = rasa.replies_already_given(sender, message.id) if earlier_attempt else None
        if replies is None:
            replies = rasa.send(sender, text, metadata)
    except RasaUnavailable as exc:
        log.warning("rasa_unavailable", message_id=message.id, reason=exc.reason, ambiguous=exc.ambiguous)
        hold(db, conversation, person, message, after=outage_reply_after)
        db.commit()
        return None
    return replies


def hold(
    db: Session, conversation: Conversation, person: Inburgeraar, message: Message, *, after: timedelta
) -> bool:
    """The bot cannot answer `message` now: queue the holding reply, once per outage, when the message has
    waited `after` (a Rasa that is only loading its model answers before then). True when it was queued."""
    if conversation.outage_reply_sent_at is not None or utcnow() - message.created_at < after:
        return False
    holding = with_emergency(person.language, render(person.language, OUTAGE_HOLDING))
    reply(db, conversation, person.language, holding, message.channel)
    conversation.outage_reply_sent_at = utcnow()
    log.info("outage_reply_queued", message_id=message.id, conversation_id=conversation.id)
    return True


def _record_understanding(
    message: Message,
    person: Inburgeraar,
    understanding: Understanding,
    shortcut: str | None,
    detected: str | None,
) -> str:
    """Put Rasa's intent, confidence, entities and language on the message; returns the reply language."""
    language = languages.normalize(understanding.language) or person.language
    if shortcut:
        message.intent = shortcut_intent(shortcut)
        message.intent_confidence = 1.0
    else:
        message.intent = understanding.intent
        message.intent_confidence = understanding.confidence
        message.entities = understanding.entities or None
    message.language = languages.normalize(understanding.language) or detected or language
    return language
