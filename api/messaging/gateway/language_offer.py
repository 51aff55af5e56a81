"""A language we detect is offered, never imposed: the person's profile language stays until they choose.

Detection is a hint (three words or more, a confident detector) and cannot tell Dari from Persian, so the
bot never switches on it. When a message reads as another language, the gateway sends one short offer in
that language ("Would you like answers in English? Then send: English"); sending the name switches,
through the bot's own language handling. At most one offer per language a day.
"""

from __future__ import annotations

from datetime import timedelta

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db import utcnow
from api.i18n.catalog import render
from api.i18n.languages import LANGUAGES
from api.messaging.gateway.replies import LANGUAGE_OFFER, reply
from api.messaging.models import Conversation, Direction, Message
from api.people.models import Inburgeraar

log = structlog.get_logger()

OFFER_EVERY = timedelta(hours=24)
# Detection cannot tell these apart: offering one to a speaker of the other would only confuse.
INDISTINGUISHABLE = frozenset({"fa", "fa_AF"})


def _marker(language: str) -> str:
    return f"offer:language:{language}"


def offer_language(
    db: Session, conversation: Conversation, person: Inburgeraar, message: Message, detected: str | None
) -> bool:
    """Queue the offer when `detected` differs from the person's language; returns True when sent."""
    if detected is None or detected == person.language or detected not in LANGUAGES:
        return False
    if {detected, person.language} <= INDISTINGUISHABLE:
        return False
    offered = db.scalar(
        select(Message.id)
        .where(
            Message.conversation_id == conversation.id,
            Message.direction == Direction.outbound,
            Message.intent == _marker(detected),
            Message.created_at >= utcnow() - OFFER_EVERY,
        )
        .limit(1)
    )
    if offered is not None:
        return False
    name = LANGUAGES[detected].endonym
    offer = reply(
        db, conversation, detected, render(detected, LANGUAGE_OFFER, language=name), message.channel
    )
    offer.intent = _marker(detected)
    log.info("language_offered", message_id=message.id, language=detected)
    return True
