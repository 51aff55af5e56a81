"""Machine translation around a conversation (ADR 0018), when the municipality switched a provider on.

- **In**: what the person wrote, in Dutch beside the original for the klantmanager (`add_dutch_lines`).
  Only messages a klantmanager opens are sent, once: the Dutch line is cached on the message (`dutch`,
  `translated_by`) and purged with its text.
- **Out**: the klantmanager writes Dutch, sees the translation before sending (`translate_reply`), and
  the message that goes out is exactly that preview (`send_translated_reply` checks its fingerprint, so
  nothing is translated again between preview and send), labelled as machine translation.

The provider gets the texts and the language codes, nothing else. Each call is audited (who, which
conversation, how many texts, which provider; never the text).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field

import structlog
from sqlalchemy.orm import Session

from api.audit import service as audit
from api.auth import Principal
from api.errors import InvalidInput
from api.i18n import languages, segments
from api.messaging.models import Direction, Message
from api.messaging.staff_replies import (
    MAX_REPLY_CHARS,
    send_staff_reply,
    signed_translation,
)
from api.people.models import Inburgeraar
from api.translation import TranslationUnavailable, Translator

log = structlog.get_logger()

STAFF_LANGUAGE = "nl"
MAX_PER_VIEW = (
    40  # the latest untranslated messages translated for one page view; older ones on scrolling back
)


@dataclass
class DutchLines:
    """What `add_dutch_lines` did for one page: how many it translated, what it could not."""

    translated: int = 0
    failed: bool = False  # the provider did not answer: the originals are shown, the next view tries again
    unsupported: set[str] = field(default_factory=set)  # languages the provider cannot translate to Dutch


def source_language(message: Message, person: Inburgeraar | None) -> str | None:
    """The language a message is in, as far as we know (None: let the provider detect it)."""
    known = languages.normalize(message.language)
    if known:
        return known
    return None if person is None or person.language != STAFF_LANGUAGE else STAFF_LANGUAGE


def needs_dutch(message: Message, person: Inburgeraar | None) -> bool:
    return (
        message.direction == Direction.inbound
        and message.purged_at is None
        and message.dutch is None
        and bool(message.body.strip())
        and source_language(message, person) != STAFF_LANGUAGE
    )


def add_dutch_lines(
    db: Session,
    actor: Principal,
    person: Inburgeraar,
    messages: list[Message],
    translator: Translator | None,
) -> DutchLines:
    """Translate into Dutch what the person wrote that has no Dutch line yet, and keep it on the message.

    For a caller who was allowed to read these messages. Does nothing (and calls nobody) when translation
    is off. A provider failure leaves the messages as they were.
    """
    outcome = DutchLines()
    if translator is None:
        return outcome
    waiting = [m for m in messages if needs_dutch(m, person)][-MAX_PER_VIEW:]
    by_language: dict[str | None, list[Message]] = {}
    for message in waiting:
        by_language.setdefault(source_language(message, person), []).append(message)
    for source, batch in by_language.items():
        if not translator.supports(source, STAFF_LANGUAGE):
            outcome.unsupported.add(source or "")
            continue
        try:
            dutch = translator.translate([m.body for m in batch], source=source, target=STAFF_LANGUAGE)
        except TranslationUnavailable as exc:
            log.warning("translation_unavailable", provider=translator.name, reason=exc.reason)
            outcome.failed = True
            break
        for message, line in zip(batch, dutch, strict=True):
            message.dutch, message.translated_by = line, translator.name
        outcome.translated += len(batch)
        _audit(db, actor, person, translator, len(batch), source or "auto", STAFF_LANGUAGE)
    return outcome


def _audit(
    db: Session,
    actor: Principal,
    person: Inburgeraar,
    translator: Translator,
    texts: int,
    source: str,
    target: str,
) -> None:
    """Texts of this person's conversation went to the provider: who, how many, which languages (no text)."""
    audit.record(
        db,
        actor,
        "machine_translate",
        "conversation",
        person.id,
        provider=translator.name,
        texts=texts,
        source=source,
        target=target,
    )


@dataclass(frozen=True)
class TranslatedReply:
    """A klantmanager's Dutch reply and its translation, as previewed; `text` is what will be sent."""

    dutch: str
    translation: str
    language: str
    provider: str
    text: str
    segments: int
    encoding: str
    fingerprint: str


def _fingerprint(key: bytes, actor: Principal, person: Inburgeraar, *parts: str) -> str:
    payload = json.dumps([actor.staff_id, person.id, person.language, *parts], ensure_ascii=False)
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def _checked_dutch(dutch: str) -> str:
    dutch = (dutch or "").strip()
    if not dutch:
        raise InvalidInput("write a reply or choose a canned reply", field="text")
    if len(dutch) > MAX_REPLY_CHARS:
        raise InvalidInput(f"a reply has at most {MAX_REPLY_CHARS} characters", field="text")
    return dutch


def can_translate_reply(translator: Translator | None, person: Inburgeraar) -> bool:
    """Whether a Dutch reply to this person can be machine-translated (provider on, their language in it)."""
    return (
        translator is not None
        and person.language != STAFF_LANGUAGE
        and translator.supports(STAFF_LANGUAGE, person.language)
    )


def translate_reply(
    db: Session, actor: Principal, person: Inburgeraar, dutch: str, translator: Translator, key: bytes
) -> TranslatedReply:
    """Translate a Dutch reply for the preview. Raises TranslationUnavailable (the draft stays with the
    caller); the call is audited. `key` signs the preview so that exactly it can be sent."""
    dutch = _checked_dutch(dutch)
    if not can_translate_reply(translator, person):
        raise TranslationUnavailable("unsupported_language")
    (translation,) = translator.translate([dutch], source=STAFF_LANGUAGE, target=person.language)
    translation = translation.strip()
    if not translation:
        raise TranslationUnavailable("empty_translation")
    _audit(db, actor, person, translator, 1, STAFF_LANGUAGE, person.language)
    text = signed_translation(translation, person.language, actor.name)
    info = segments.count(text)
    fingerprint = _fingerprint(key, actor, person, dutch, translation, translator.name)
    return TranslatedReply(
        dutch, translation, person.language, translator.name, text, info.segments, info.encoding, fingerprint
    )


def send_translated_reply(
    db: Session,
    actor: Principal,
    person: Inburgeraar,
    key: bytes,
    *,
    dutch: str,
    translation: str,
    provider: str,
    fingerprint: str,
) -> Message:
    """Queue exactly the previewed translation (no new call to the provider), with the Dutch beside it.

    InvalidInput (field `translation`) when the preview does not match what is submitted: another person,
    another language since, or an edited text. The caller then shows the preview again.
    """
    dutch = _checked_dutch(dutch)
    expected = _fingerprint(key, actor, person, dutch, translation, provider)
    if not hmac.compare_digest(expected, fingerprint or ""):
        raise InvalidInput(
            "this is not the translation that was previewed; preview it again", field="translation"
        )
    text = signed_translation(translation, person.language, actor.name)
    message = send_staff_reply(db, actor, person, text, language=person.language)
    message.dutch, message.translated_by = dutch, provider
    return message
