"""The crisis net, the first stage of routing: every stored message passes it, whatever the state.

Unknown number, a form half-filled, a klantmanager holding the conversation, Rasa down, media with a
caption, after STOP: a message the detector (api.safety.crisis) takes for a crisis gets 112, 113 and
Veilig Thuis at once, in the person's language and in the message's own language where that differs, and
an urgent escalation that tops the klantmanager's queue. Routing then goes on as usual; the escalation
keeps the bot silent and counts as the holding reply.
"""

from __future__ import annotations

import structlog
from sqlalchemy.orm import Session

from api.audit import service as audit
from api.auth import SYSTEM
from api.db import utcnow
from api.i18n import languages
from api.i18n.catalog import render
from api.messaging import service as messaging
from api.messaging.gateway.replies import CRISIS, SAFETY_CHECK, reply
from api.messaging.gateway.text import detected_language
from api.messaging.models import Conversation, Message
from api.people.models import Inburgeraar
from api.safety import crisis, net
from api.tasks import service as tasks
from api.tasks.models import TaskKind

log = structlog.get_logger()

REASON = "crisis"
NO_CRISIS = "none"  # Message.crisis_level once the net has found nothing


def crisis_languages(person: Inburgeraar | None, message: Message, hit: crisis.Hit) -> list[str]:
    """The person's language first, then the message's own (by detection, else by the vocabulary's)."""
    own = person.language if person is not None else languages.DEFAULT
    written = detected_language(message.body) or languages.normalize(hit.language)
    return [own] + ([written] if written and written != own else [])


def answer_crisis(
    db: Session, conversation: Conversation, person: Inburgeraar | None, message: Message
) -> bool:
    """Answer and escalate when `message` reads as a crisis; returns True when it did (an alarm).

    A message the net is unsure of (a check) gets the numbers in a gentle line and a task for the
    klantmanager to read it; routing then goes on as usual, and this returns False. The verdict is kept on
    the message with the answer: a message routed again (a replay while Rasa was down) is not answered twice.
    """
    if message.crisis_level is not None:
        return message.crisis_level == net.Level.alarm
    verdict = net.assess(message.body)
    message.crisis_level = verdict.level if verdict is not None else NO_CRISIS
    if verdict is None:
        return False
    hit = verdict.hit
    codes = crisis_languages(person, message, hit)
    if verdict.level == net.Level.check:
        _gentle_check(db, conversation, person, message, codes, hit)
        return False
    text = "\n\n".join(render(code, CRISIS) for code in codes)
    reply(db, conversation, codes[0], text, message.channel).intent = messaging.CRISIS_REPLY
    escalation = tasks.open_escalation(
        db,
        conversation.id,
        inburgeraar_id=person.id if person is not None else None,
        reason=REASON,
        urgent=True,
        summary=f"crisis:{hit.category}",
    )
    conversation.holding_reply_sent_at = utcnow()  # the crisis text says a colleague is told
    message.intent, message.intent_confidence = "urgent_help", 1.0
    audit.record(db, SYSTEM, "crisis_detected", "conversation", conversation.id, category=hit.category)
    log.warning(
        "crisis_detected",
        message_id=message.id,
        conversation_id=conversation.id,
        escalation_id=escalation.id,
        category=hit.category,
        vocabulary=hit.language,
    )
    return True


def _gentle_check(
    db: Session,
    conversation: Conversation,
    person: Inburgeraar | None,
    message: Message,
    codes: list[str],
    hit: crisis.Hit,
) -> None:
    text = "\n\n".join(render(code, SAFETY_CHECK) for code in codes)
    reply(db, conversation, codes[0], text, message.channel).intent = messaging.CRISIS_REPLY
    tasks.open_task_once(
        db,
        TaskKind.possible_crisis,
        inburgeraar=person,
        conversation_id=conversation.id,
        detail=f"message_id={message.id}",
    )
    # The category says why: "unclear" (the classifier's score), "cry" or "signs" (the vocabulary's pattern).
    audit.record(
        db, SYSTEM, "crisis_check", "conversation", conversation.id, category=hit.category, score=hit.pattern
    )
    log.warning(
        "crisis_check",
        message_id=message.id,
        conversation_id=conversation.id,
        category=hit.category,
        score=hit.pattern,
    )
