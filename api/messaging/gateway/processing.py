"""The Gateway: works through stored inbound messages after commit, one conversation at a time.

`process_conversation` runs as a background task after the webhook's 2xx (or the simulator's), and the
worker's `replay_pending` picks up whatever that did not finish (Rasa was down or still loading its model,
a process died). While Rasa does not answer, the replay still gives each waiting conversation its holding
reply when it is due, without asking Rasa again for every one of them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from api.db import Database, utcnow
from api.logging import current_request_id, request_id_from
from api.messaging.gateway import lease, routing, turn
from api.messaging.models import Conversation, DeliveryStatus, Direction, Message
from api.messaging.rasa import RasaClient
from api.people.models import Inburgeraar
from api.settings import Settings
from api.tasks import service as tasks
from api.tasks.models import TaskKind

log = structlog.get_logger()

STALE_AFTER = timedelta(minutes=10)


@dataclass
class Outcome:
    handled: int = 0
    rasa_down: bool = False
    failed: bool = False


def next_pending(db: Session, conversation_id: int) -> Message | None:
    """The conversation's oldest inbound message that is stored but not yet processed."""
    return db.scalar(
        select(Message)
        .where(
            Message.conversation_id == conversation_id,
            Message.direction == Direction.inbound,
            Message.status == DeliveryStatus.received,
        )
        .order_by(Message.id)
        .limit(1)
    )


class Gateway:
    """Turns stored inbound messages into bot turns, staff inbox entries and replies in the outbox."""

    def __init__(self, database: Database, settings: Settings, rasa: RasaClient | None = None) -> None:
        self.database = database
        self.settings = settings
        self.rasa = rasa or RasaClient(settings)
        self.lease = lease.length_for(settings)
        self.outage_reply_after = timedelta(seconds=settings.outage_reply_after_seconds)

    def process_conversation(self, conversation_id: int, *, rasa_down: bool = False) -> Outcome:
        """Handle every stored, unprocessed message of one conversation, oldest first.

        Returns without doing anything when another process holds the conversation: that process
        picks up this message too, because it looks for more after each one and again after releasing.
        With `rasa_down` (known from this round) a message for the bot is not sent to Rasa; it only gets
        the holding reply when that is due, and waits.
        """
        bot_turn = self._hold if rasa_down else self._bot_turn
        outcome = Outcome()
        while True:
            owner = uuid.uuid4().hex
            if not lease.acquire(self.database, conversation_id, owner, self.lease):
                return outcome
            try:
                while self._process_next(conversation_id, owner, outcome, bot_turn):
                    pass
            finally:
                lease.release(self.database, conversation_id, owner)
            if outcome.rasa_down or outcome.failed:
                return outcome
            with self.database.session() as db:  # a message stored while we held the lease
                if next_pending(db, conversation_id) is None:
                    return outcome

    def _process_next(
        self, conversation_id: int, owner: str, outcome: Outcome, bot_turn: routing.BotTurn
    ) -> bool:
        """Handle the oldest waiting message under our lease; False when none is left or it failed."""
        with self.database.session() as db:
            message = next_pending(db, conversation_id)
            if message is None:
                return False
            # Every line of this message's turn carries its id, and a request id (the webhook's, or a new
            # one in a replay) that travels on to Rasa and the actions' calls back to this API.
            request_id = current_request_id() or request_id_from(None)
            with structlog.contextvars.bound_contextvars(message_id=message.id, request_id=request_id):
                return self._process(db, message, owner, outcome, bot_turn)

    def _process(
        self, db: Session, message: Message, owner: str, outcome: Outcome, bot_turn: routing.BotTurn
    ) -> bool:
        # The lease extension is committed with the message's first step.
        lease.extend(db, message.conversation_id, owner, self.lease)
        try:
            if not routing.route(
                db, self.settings, message, bot_turn=bot_turn, read_silently=self._read_silently
            ):
                outcome.rasa_down = True
                return False
        except Exception as exc:
            # A message we cannot process stays stored for staff (a task after 10 minutes);
            # it must not take the worker, or the other conversations, down with it.
            db.rollback()
            log.exception("inbound_processing_failed", message_id=message.id, error=type(exc).__name__)
            outcome.failed = True
            return False
        outcome.handled += 1
        return True

    def _bot_turn(
        self, db: Session, conversation: Conversation, person: Inburgeraar, message: Message
    ) -> bool:
        return turn.bot_turn(
            db,
            self.rasa,
            conversation,
            person,
            message,
            offer_other_request=self.settings.offer_other_request,
            outage_reply_after=self.outage_reply_after,
        )

    def _hold(self, db: Session, conversation: Conversation, person: Inburgeraar, message: Message) -> bool:
        """The bot turn while Rasa is known to be down: the holding reply when due, and wait (False)."""
        turn.hold(db, conversation, person, message, after=self.outage_reply_after)
        db.commit()
        return False

    def _read_silently(
        self, db: Session, conversation: Conversation, person: Inburgeraar, message: Message
    ) -> None:
        turn.read_silently(self.rasa, conversation, person, message)

    def replay_pending(self, *, limit: int = 100) -> Outcome:
        """Worker: process conversations with messages still waiting (Rasa was down, a process died).

        After the first conversation Rasa cannot answer, Rasa is not asked again this round: the rest
        wait for the next one, and those whose holding reply is due get it.
        """
        total = Outcome()
        now = utcnow()
        with self.database.session() as db:
            waiting = _waiting_conversations(db, now, limit)
        for conversation_id in waiting:
            outcome = self.process_conversation(conversation_id)
            total.handled += outcome.handled
            if outcome.rasa_down:
                total.rasa_down = True
                break
        if total.rasa_down:
            with self.database.session() as db:
                due = _holding_reply_due(db, now, now - self.outage_reply_after, limit)
            for conversation_id in due:
                total.handled += self.process_conversation(conversation_id, rasa_down=True).handled
        self.flag_stale()
        return total

    def flag_stale(self, now: datetime | None = None) -> int:
        """Messages waiting longer than 10 minutes get one task per conversation, so staff can look."""
        now = now or utcnow()
        opened = 0
        with self.database.session() as db:
            for conversation_id in _stale_conversations(db, now - STALE_AFTER):
                conversation = db.get(Conversation, conversation_id)
                person = (
                    db.get(Inburgeraar, conversation.inburgeraar_id) if conversation.inburgeraar_id else None
                )
                if tasks.open_task_once(
                    db, TaskKind.message_while_bot_down, inburgeraar=person, conversation_id=conversation_id
                ):
                    opened += 1
            db.commit()
        return opened


def _waiting_conversations(db: Session, now: datetime, limit: int, *also: ColumnElement[bool]) -> list[int]:
    """Conversations nobody holds that have stored, unprocessed messages (and match `also`), oldest
    message first."""
    rows = db.execute(
        select(Message.conversation_id, func.min(Message.id))
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Message.direction == Direction.inbound,
            Message.status == DeliveryStatus.received,
            lease.free(now),
            *also,
        )
        .group_by(Message.conversation_id)
        .order_by(func.min(Message.id))
        .limit(limit)
    ).all()
    return [conversation_id for conversation_id, _ in rows]


def _holding_reply_due(db: Session, now: datetime, stored_before: datetime, limit: int) -> list[int]:
    """Waiting conversations of a person with a message stored before `stored_before` and no holding
    reply in this outage yet."""
    return _waiting_conversations(
        db,
        now,
        limit,
        Message.created_at < stored_before,
        Conversation.outage_reply_sent_at.is_(None),
        Conversation.inburgeraar_id.is_not(None),
    )


def _stale_conversations(db: Session, stored_before: datetime) -> list[int]:
    """Conversations with a message stored before `stored_before` that is still not processed."""
    return list(
        db.execute(
            select(Message.conversation_id)
            .where(
                Message.direction == Direction.inbound,
                Message.status == DeliveryStatus.received,
                Message.created_at < stored_before,
            )
            .distinct()
        )
        .scalars()
        .all()
    )
