"""The team inbox: the views (mine, not yet taken, urgent, all, resolved), search by name or phone, the
last message and the unread marker per staff member, and taking or handing on a question.

Who sees which escalation, and how much of it, is api.tasks.visibility's rule; this module only filters
and decorates what that rule lets through. Every list is an audited read; `state` (what the page polls
for live updates) returns a fingerprint and counts, nothing about anyone.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, case, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from api.audit import service as audit
from api.auth import Principal
from api.db import utcnow
from api.inbox import notifications
from api.inbox.models import NotificationKind, ReadMark, dialect_insert
from api.messaging.conversations import conversation_ids_of
from api.messaging.models import Conversation, Direction, Message
from api.people.models import Inburgeraar
from api.people.schemas import normalize_phone
from api.settings import Settings
from api.staff.models import Role, Staff
from api.tasks import service as tasks
from api.tasks import visibility
from api.tasks.models import Escalation, EscalationStatus
from api.tasks.visibility import ACTIVE, Owner


class View(StrEnum):
    mine = "mine"
    unassigned = "unassigned"  # nobody has taken it yet
    urgent = "urgent"
    all = "all"
    resolved = "resolved"  # the history


KLANTMANAGER_VIEWS = (View.all, View.mine, View.unassigned, View.urgent, View.resolved)
COORDINATOR_VIEWS = (View.all, View.unassigned, View.urgent, View.resolved)
ACTIVE_LIMIT = 300
RESOLVED_LIMIT = 100
PREVIEW_CHARS = 140
Assignee = aliased(Staff, name="assignee")


def views_for(actor: Principal) -> tuple[View, ...]:
    return KLANTMANAGER_VIEWS if actor.role == Role.klantmanager else COORDINATOR_VIEWS


def parse_view(actor: Principal, value: str | None) -> View:
    """The view asked for, or the first of the caller's (an unknown one is not an error: it is a link)."""
    allowed = views_for(actor)
    return next((v for v in allowed if v.value == value), allowed[0])


# --- what a row shows ---------------------------------------------------------------------------------

_CRISIS = re.compile(r"^crisis:(\w+)$")
_FALLBACK = re.compile(r"^nlu_fallback x(\d+)$")
_DOUBT = re.compile(r"^intent=(\S+) confidence=([0-9.]+)$")
REASON_ENTITIES = ("reason", "absence_reason")


@dataclass(frozen=True)
class Summary:
    """What the question is about, as codes the page labels in Dutch: the escalation's own summary (the bot
    writes codes such as `crisis:medical`) and what the assistant understood of the latest message."""

    crisis: tuple[str, ...] = ()
    not_understood: int | None = None
    doubt_intent: str | None = None
    doubt_confidence: float | None = None
    note: str | None = None  # free text as the bot wrote it
    last_intent: str | None = None
    last_reasons: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return any(
            (
                self.crisis,
                self.not_understood,
                self.doubt_intent,
                self.note,
                self.last_intent,
                self.last_reasons,
            )
        )


def summarize(escalation: Escalation, last_inbound: Message | None) -> Summary:
    crisis: list[str] = []
    notes: list[str] = []
    not_understood = doubt_intent = doubt_confidence = None
    for line in (escalation.summary or "").splitlines():
        line = line.strip()
        if found := _CRISIS.match(line):
            crisis.append(found.group(1))
        elif found := _FALLBACK.match(line):
            not_understood = int(found.group(1))
        elif found := _DOUBT.match(line):
            doubt_intent, doubt_confidence = found.group(1), float(found.group(2))
        elif line:
            notes.append(line)
    reasons: tuple[str, ...] = ()
    if last_inbound is not None:
        reasons = tuple(
            str(e.get("value"))
            for e in last_inbound.entities or []
            if e.get("entity") in REASON_ENTITIES and e.get("value")
        )
    return Summary(
        crisis=tuple(dict.fromkeys(crisis)),
        not_understood=not_understood,
        doubt_intent=doubt_intent,
        doubt_confidence=doubt_confidence,
        note="\n".join(notes) or None,
        last_intent=last_inbound.intent if last_inbound is not None else None,
        last_reasons=reasons,
    )


@dataclass(frozen=True)
class LastMessage:
    direction: str
    kind: str
    at: datetime
    text: str | None  # None: cleared by the retention purge
    language: str | None

    @classmethod
    def of(cls, message: Message) -> LastMessage:
        text = None if message.purged_at else message.body
        if text is not None and len(text) > PREVIEW_CHARS:
            text = text[: PREVIEW_CHARS - 1].rstrip() + "…"
        return cls(message.direction, message.kind, message.created_at, text, message.language)


@dataclass(frozen=True)
class Row:
    escalation: Escalation
    person: Inburgeraar | None
    owner: Staff | None  # the person's klantmanager
    assignee: Staff | None
    phone: str | None  # an unknown number's, shown to whoever may read it whole
    whole: bool
    last: LastMessage | None = None
    summary: Summary | None = None
    unread: int | None = None  # inbound messages since you last opened it; None: you never did
    can_take: bool = False
    can_reassign: bool = False


@dataclass(frozen=True)
class State:
    """What the page polls: a fingerprint of everything the caller's views show, and their counts."""

    version: str
    counts: dict[str, int]


@dataclass(frozen=True)
class Inbox:
    view: View
    query: str
    rows: list[Row]
    state: State
    views: tuple[View, ...]
    colleagues: list[Staff]
    truncated: bool


# --- the views ----------------------------------------------------------------------------------------


def _view_clause(actor: Principal, view: View) -> ColumnElement[bool]:
    if view == View.resolved:
        return Escalation.status == EscalationStatus.resolved
    active = Escalation.status.in_(ACTIVE)
    if view == View.mine:
        return and_(
            active,
            or_(
                Escalation.assignee_id == actor.staff_id,
                and_(Escalation.assignee_id.is_(None), Inburgeraar.klantmanager_id == actor.staff_id),
            ),
        )
    if view == View.unassigned:
        return and_(Escalation.status == EscalationStatus.open, Escalation.assignee_id.is_(None))
    if view == View.urgent:
        return and_(active, Escalation.urgent.is_(True))
    return active


def phone_of(query: str) -> str | None:
    """The query as an E.164 number when it reads as one ("06 1234 5678", "+31 6..."), else None."""
    if sum(ch.isdigit() for ch in query) < 6:
        return None
    try:
        return normalize_phone(query)
    except ValueError:
        return None


def _search_clause(query: str) -> ColumnElement[bool]:
    if not query:
        return true()
    phone = phone_of(query)
    if phone is not None:
        return or_(Inburgeraar.phone == phone, Conversation.phone == phone)
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return Inburgeraar.name.ilike(f"%{escaped}%", escape="\\")


def state(db: Session, actor: Principal) -> State:
    """The fingerprint and counts of the caller's views; not audited: it shows nobody (ADR 0019)."""
    team = visibility.team_of(db, actor)
    counted = [v for v in views_for(actor) if v != View.resolved]
    columns = [
        Escalation.id,
        Escalation.status,
        Escalation.urgent,
        Escalation.assignee_id,
        Escalation.conversation_id,
        visibility.whole(actor),
        *(case((_view_clause(actor, v), 1), else_=0) for v in counted),
    ]
    query = visibility.joined(select(*columns).select_from(Escalation)).where(
        visibility.visible(actor, team), Escalation.status.in_(ACTIVE)
    )
    rows = db.execute(query.order_by(Escalation.id)).all()
    whole = [r.conversation_id for r in rows if r[5]]
    latest = _latest_ids(db, whole)
    marks = _marks(db, actor, whole)
    digest = hashlib.sha256()
    for r in rows:
        seen = (latest.get(r.conversation_id), marks.get(r.conversation_id)) if r[5] else ()
        digest.update(repr((r.id, r.status, bool(r.urgent), r.assignee_id, seen)).encode())
    last_resolved = db.scalar(
        visibility.joined(select(func.max(Escalation.resolved_at)).select_from(Escalation)).where(
            visibility.visible(actor, team), Escalation.status == EscalationStatus.resolved
        )
    )
    digest.update(repr(last_resolved).encode())
    counts = {v.value: sum(int(r[6 + n]) for r in rows) for n, v in enumerate(counted)}
    return State(digest.hexdigest()[:20], counts)


def inbox(db: Session, actor: Principal, view: View, query: str = "") -> Inbox:
    """One view of the caller's inbox, searched by name or phone (an audited read naming who it shows)."""
    audit.require_role(
        db, actor, Role.klantmanager, Role.coordinator, action="read", object_type="escalation"
    )
    query = query.strip()[:100]
    current = state(db, actor)  # before the rows: a change in between only costs the page one refresh
    team = visibility.team_of(db, actor)
    limit = RESOLVED_LIMIT if view == View.resolved else ACTIVE_LIMIT
    order = (
        (Escalation.resolved_at.desc(), Escalation.id.desc())
        if view == View.resolved
        else (Escalation.urgent.desc(), Escalation.created_at, Escalation.id)
    )
    select_rows = (
        visibility.joined(
            select(Escalation, Inburgeraar, Owner, Assignee, Conversation.phone, visibility.whole(actor))
            .select_from(Escalation)
            .join(Conversation, Conversation.id == Escalation.conversation_id)
        )
        .outerjoin(Assignee, Assignee.id == Escalation.assignee_id)
        .where(visibility.visible(actor, team), _view_clause(actor, view), _search_clause(query))
        .order_by(*order)
        .limit(limit + 1)
    )
    found = db.execute(select_rows).all()
    truncated = len(found) > limit
    rows = _decorate(db, actor, found[:limit])
    audit.record_read(
        db,
        actor,
        "escalation",
        inburgeraars=sorted({r.person.id for r in rows if r.person}),
        view=view.value,
        searched=bool(query),
    )
    return Inbox(
        view=view,
        query=query,
        rows=rows,
        state=current,
        views=views_for(actor),
        colleagues=tasks.colleagues(db, actor),
        truncated=truncated,
    )


def _decorate(db: Session, actor: Principal, found: list) -> list[Row]:
    whole_conversations = [e.conversation_id for e, *_, whole in found if whole]
    last = _messages(db, _latest_ids(db, whole_conversations).values())
    last_in = _messages(db, _latest_ids(db, whole_conversations, Direction.inbound).values())
    unread = _unread(db, actor, whole_conversations)
    is_klantmanager = actor.role == Role.klantmanager
    rows = []
    for escalation, person, owner, assignee, phone, whole in found:
        active = escalation.status in ACTIVE
        conversation = escalation.conversation_id
        rows.append(
            Row(
                escalation=escalation,
                person=person,
                owner=owner,
                assignee=assignee,
                phone=phone if whole and person is None else None,
                whole=bool(whole),
                last=LastMessage.of(last[conversation]) if whole and conversation in last else None,
                summary=summarize(escalation, last_in.get(conversation)) if whole else None,
                unread=unread.get(conversation) if whole else None,
                can_take=is_klantmanager and escalation.status == EscalationStatus.open,
                can_reassign=active and (bool(whole) or not is_klantmanager),
            )
        )
    return rows


def _latest_ids(db: Session, conversations: list[int], direction: str | None = None) -> dict[int, int]:
    if not conversations:
        return {}
    query = select(Message.conversation_id, func.max(Message.id)).where(
        Message.conversation_id.in_(conversations)
    )
    if direction is not None:
        query = query.where(Message.direction == direction)
    return dict(db.execute(query.group_by(Message.conversation_id)).all())


def _messages(db: Session, ids: Iterable[int]) -> dict[int, Message]:
    ids = list(ids)
    if not ids:
        return {}
    return {m.conversation_id: m for m in db.scalars(select(Message).where(Message.id.in_(ids)))}


def _marks(db: Session, actor: Principal, conversations: list[int]) -> dict[int, int]:
    if not conversations or actor.staff_id is None:
        return {}
    return dict(
        db.execute(
            select(ReadMark.conversation_id, ReadMark.last_read_message_id).where(
                ReadMark.staff_id == actor.staff_id, ReadMark.conversation_id.in_(conversations)
            )
        ).all()
    )


def _unread(db: Session, actor: Principal, conversations: list[int]) -> dict[int, int | None]:
    """Inbound messages per conversation since the caller last opened it; None where they never did."""
    marks = _marks(db, actor, conversations)
    counted = [c for c in conversations if c in marks]
    counts: dict[int, int] = {}
    if counted:
        counts = dict(
            db.execute(
                select(Message.conversation_id, func.count(Message.id))
                .join(
                    ReadMark,
                    and_(
                        ReadMark.conversation_id == Message.conversation_id,
                        ReadMark.staff_id == actor.staff_id,
                    ),
                )
                .where(
                    Message.conversation_id.in_(counted),
                    Message.direction == Direction.inbound,
                    Message.id > ReadMark.last_read_message_id,
                )
                .group_by(Message.conversation_id)
            ).all()
        )
    return {c: (counts.get(c, 0) if c in marks else None) for c in conversations}


# --- read state, taking and handing on ----------------------------------------------------------------


def mark_read(db: Session, actor: Principal, person_id: int) -> None:
    """The caller has read the person's conversations up to their latest message (their unread marker
    clears; colleagues' do not). Call after the conversation was shown."""
    if actor.staff_id is None:
        return
    latest = _latest_ids(db, conversation_ids_of(db, person_id))
    now = utcnow()
    for conversation_id, message_id in latest.items():
        statement = dialect_insert(db)(ReadMark).values(
            staff_id=actor.staff_id,
            conversation_id=conversation_id,
            last_read_message_id=message_id,
            read_at=now,
        )
        db.execute(
            statement.on_conflict_do_update(
                index_elements=["staff_id", "conversation_id"],
                set_={
                    "last_read_message_id": func.max(ReadMark.last_read_message_id, message_id)
                    if db.get_bind().dialect.name == "sqlite"
                    else func.greatest(ReadMark.last_read_message_id, message_id),
                    "read_at": now,
                },
            )
        )


def take(db: Session, actor: Principal, escalation_id: int, settings: Settings) -> Escalation:
    """Take a question (tasks.claim); when it is someone else's person's urgent one, their klantmanager is
    told by e-mail that a colleague took it (when NOTIFY_BY_EMAIL is on)."""
    escalation = tasks.claim(db, actor, escalation_id)
    person = db.get(Inburgeraar, escalation.inburgeraar_id) if escalation.inburgeraar_id else None
    owner = person.klantmanager_id if person is not None else None
    if settings.notify_by_email and escalation.urgent and owner not in (None, actor.staff_id):
        notifications.queue(
            db, NotificationKind.taken_over, escalation.id, owner, now=utcnow(), occasion=str(actor.staff_id)
        )
    return escalation


def reassign(
    db: Session, actor: Principal, escalation_id: int, to_staff_id: int, settings: Settings
) -> Staff:
    """Hand a question to a colleague (tasks.reassign, audited); they get an e-mail when NOTIFY_BY_EMAIL is
    on."""
    target = tasks.reassign(db, actor, escalation_id, to_staff_id)
    if settings.notify_by_email and target.id != actor.staff_id:
        now = utcnow()  # one mail per hand-over: its moment tells a second hand-over to them apart
        notifications.queue(
            db,
            NotificationKind.reassigned,
            escalation_id,
            target.id,
            now=now,
            occasion=now.strftime("%Y%m%d%H%M%S%f"),
        )
    return target
