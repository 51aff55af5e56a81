"""Who may see and act on an escalation: the one home of that rule (ADR 0019, which refines ADR 0011).

- **Whole** (the conversation, the summary, the last message): the person's own klantmanager; the
  klantmanager it is assigned to while it is open (who took it to cover, or to whom it was handed); any
  klantmanager for an unknown number's open escalation (there is no caseload to ask, and no conversation
  page: the inbox row is where it is read).
- **As a row** (who waits, in which language, why, since when, whose person it is; enough to decide to take
  it, not what the person wrote): a colleague in the own klantmanager's team sees an *urgent* escalation
  that nobody has taken yet; every klantmanager sees the open escalations of people without a klantmanager;
  a klantmanager keeps a row of what they handled for someone else once it is resolved; a coordinator sees
  every escalation of their team (and the nobody's ones) to reassign them, never the contents.
- Nobody else sees anything; the admin manages accounts only.

Taking an escalation one sees as a row makes one its assignee and so opens the conversation while it is
open. The SQL conditions below are the rule; `access` evaluates them for one escalation, so the lists and
the checks on each action cannot drift apart.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ColumnElement, Select, and_, exists, false, or_, select
from sqlalchemy.orm import Session, aliased

from api.audit import service as audit
from api.auth import Principal
from api.errors import Forbidden, NotFound
from api.people.caseload import in_caseload, is_in_caseload
from api.people.models import Inburgeraar
from api.staff.models import Role, Staff
from api.tasks.models import Escalation, EscalationStatus

ACTIVE = (EscalationStatus.open, EscalationStatus.claimed)
# The person's own klantmanager, whose team decides who may cover.
Owner = aliased(Staff, name="owner")


class Access(StrEnum):
    none = "none"
    row = "row"
    full = "full"


def team_of(db: Session, actor: Principal) -> str:
    """The caller's team; "" is the one team of a municipality that has not named teams."""
    staff = db.get(Staff, actor.staff_id) if actor.staff_id is not None else None
    return staff.team if staff is not None else ""


def _active() -> ColumnElement[bool]:
    return Escalation.status.in_(ACTIVE)


def _nobodys() -> ColumnElement[bool]:
    return or_(Escalation.inburgeraar_id.is_(None), Inburgeraar.klantmanager_id.is_(None))


def whole(actor: Principal) -> ColumnElement[bool]:
    """SQL: the escalations `actor` may read whole (needs `joined`)."""
    if actor.role != Role.klantmanager:
        return false()
    return or_(
        in_caseload(actor),
        and_(_active(), or_(Escalation.inburgeraar_id.is_(None), Escalation.assignee_id == actor.staff_id)),
    )


def visible(actor: Principal, team: str) -> ColumnElement[bool]:
    """SQL: the escalations `actor` sees at least as a row (needs `joined`)."""
    if actor.role == Role.coordinator:
        return or_(_nobodys(), Owner.team == team)
    if actor.role != Role.klantmanager:
        return false()
    return or_(
        whole(actor),
        and_(_active(), Inburgeraar.klantmanager_id.is_(None)),
        and_(
            Escalation.urgent.is_(True),
            Escalation.status == EscalationStatus.open,
            Owner.team == team,
        ),
        and_(Escalation.status == EscalationStatus.resolved, Escalation.assignee_id == actor.staff_id),
    )


def joined(query: Select) -> Select:
    """`query` with the person and their klantmanager joined, as the conditions above need."""
    return query.outerjoin(Inburgeraar, Inburgeraar.id == Escalation.inburgeraar_id).outerjoin(
        Owner, Owner.id == Inburgeraar.klantmanager_id
    )


def access(db: Session, actor: Principal, escalation_id: int) -> Access:
    """How much of one escalation `actor` may see, by the same conditions the lists use."""
    team = team_of(db, actor)
    query = joined(select(whole(actor), visible(actor, team)).select_from(Escalation)).where(
        Escalation.id == escalation_id
    )
    found = db.execute(query).first()
    if found is None:
        raise NotFound(f"no escalation {escalation_id}")
    is_whole, is_visible = found
    return Access.full if is_whole else Access.row if is_visible else Access.none


def require(
    db: Session, actor: Principal, escalation_id: int, at_least: Access, *, action: str
) -> Escalation:
    """The escalation, when `actor` has at least `at_least` access to it; a refusal is audited (403)."""
    granted = access(db, actor, escalation_id)
    if granted == Access.none or (at_least == Access.full and granted != Access.full):
        audit.record_denied(db, actor, action, "escalation", escalation_id)
        raise Forbidden("this question is not yours to see")
    escalation = db.get(Escalation, escalation_id)
    assert escalation is not None  # access() found it
    return escalation


def covers(db: Session, actor: Principal, person_id: int) -> bool:
    """True when `actor` holds an open escalation of the person (took it, or was handed it)."""
    if actor.role != Role.klantmanager or actor.staff_id is None:
        return False
    return bool(
        db.scalar(
            select(
                exists().where(
                    Escalation.inburgeraar_id == person_id,
                    Escalation.assignee_id == actor.staff_id,
                    _active(),
                )
            )
        )
    )


def conversation_person(
    db: Session, actor: Principal, person_id: int, *, action: str = "read"
) -> Inburgeraar:
    """The person whose conversation `actor` may read and answer: their own klantmanager, or the colleague
    who holds an open escalation of theirs. A refusal is audited (403)."""
    person = db.get(Inburgeraar, person_id)
    if person is None:
        raise NotFound(f"no inburgeraar {person_id}")
    if actor.role == Role.klantmanager and (is_in_caseload(actor, person) or covers(db, actor, person_id)):
        return person
    audit.record_denied(db, actor, action, "inburgeraar", person_id)
    raise Forbidden("this person is not in your caseload")
