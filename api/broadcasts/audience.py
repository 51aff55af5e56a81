"""Audience: who a broadcast reaches. The rule's authorisation, the people it names, their conversations.

Coordinators address anyone; klantmanagers only people in their own caseload.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.appointments import service as appointments
from api.appointments.models import Appointment, Attendance
from api.audit import service as audit
from api.auth import Principal
from api.broadcasts.schemas import Audience
from api.errors import Forbidden, InvalidInput
from api.messaging import service as messaging
from api.messaging.models import Conversation
from api.people.caseload import caseload_of as caseload
from api.people.models import Inburgeraar
from api.staff.models import CASE_ROLES, Role, Staff

IN_CHUNK = 5000  # ids per IN (...) list: far below SQLite's and PostgreSQL's parameter limits
_audience_adapter: TypeAdapter[Any] = TypeAdapter(Audience)


@dataclass
class AuthorizedAudience:
    """An audience the caller may address: the rule as stored, and what it is limited to."""

    rule: dict[str, Any]
    caseload_of: int | None  # a klantmanager's staff id: recipients stay inside their caseload
    appointment: Appointment | None  # an appointment audience's appointment (its values fill variables)


def authorize_audience(db: Session, actor: Principal, audience: Any) -> AuthorizedAudience:
    """Check the caller may address this audience; klantmanagers stay inside their caseload."""
    audit.require_role(db, actor, *CASE_ROLES, action="create", object_type="broadcast")
    caseload_of = actor.staff_id if actor.role == Role.klantmanager else None
    appointment = None
    if audience.type == "appointment":
        appointment = appointments.get_appointment(db, actor, audience.appointment_id)
    elif audience.type == "caseload":
        _check_caseload(db, audience.klantmanager_id, caseload_of)
    elif audience.type == "list":
        _check_list(db, audience.inburgeraar_ids, caseload_of)
    rule = audience.model_dump(mode="json", by_alias=True)
    if audience.type == "list":
        rule["inburgeraarIds"] = sorted(set(audience.inburgeraar_ids))  # one form of each list
    return AuthorizedAudience(rule, caseload_of, appointment)


def _check_caseload(db: Session, klantmanager_id: int, caseload_of: int | None) -> None:
    if caseload_of is not None and klantmanager_id != caseload_of:
        raise Forbidden("klantmanagers broadcast only to their own caseload", field="audience.klantmanagerId")
    staff = db.get(Staff, klantmanager_id)
    if staff is None or staff.role != Role.klantmanager:
        raise InvalidInput("no klantmanager with this id", field="audience.klantmanagerId")


def _check_list(db: Session, inburgeraar_ids: list[int], caseload_of: int | None) -> None:
    ids = sorted(set(inburgeraar_ids))
    rows = []
    for chunk in chunks(ids):
        rows += db.execute(
            select(Inburgeraar.id, Inburgeraar.klantmanager_id).where(Inburgeraar.id.in_(chunk))
        ).all()
    found = {r.id: r.klantmanager_id for r in rows}
    missing = [i for i in ids if i not in found]
    if missing:
        raise InvalidInput(f"unknown inburgeraar ids: {missing[:20]}", field="audience.inburgeraarIds")
    if caseload_of is not None and any(km != caseload_of for km in found.values()):
        raise Forbidden("some people are not in your caseload", field="audience.inburgeraarIds")


def chunks(ids: list[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), IN_CHUNK):
        yield ids[i : i + IN_CHUNK]


def recipients(db: Session, rule: dict[str, Any], caseload_of: int | None) -> list[Inburgeraar]:
    """The people an audience rule names now, in id order (caseload-restricted for klantmanagers)."""
    audience = _audience_adapter.validate_python(rule)
    query = select(Inburgeraar).order_by(Inburgeraar.id)
    if caseload_of is not None:
        query = query.where(caseload(caseload_of))
    if audience.type == "appointment":
        query = query.join(Attendance, Attendance.inburgeraar_id == Inburgeraar.id).where(
            Attendance.appointment_id == audience.appointment_id
        )
    elif audience.type == "leerroute":
        query = query.where(Inburgeraar.leerroute == audience.leerroute)
    elif audience.type == "doelgroep":
        query = query.where(Inburgeraar.doelgroep == audience.doelgroep)
    elif audience.type == "caseload":
        query = query.where(caseload(audience.klantmanager_id))
    else:
        people: list[Inburgeraar] = []
        for chunk in chunks(sorted(set(audience.inburgeraar_ids))):
            people += db.scalars(query.where(Inburgeraar.id.in_(chunk))).unique().all()
        return people
    return list(db.scalars(query).unique())


def channel_of(person: Inburgeraar, conversation: Conversation | None) -> str:
    """The channel a message to this person goes out on (messaging.preferred_channel decides).

    A person without a conversation yet is asked about as one that has not written to us: the preview
    must not create conversations, and the rules stay in messaging.
    """
    return messaging.preferred_channel(conversation or Conversation(), person)


PICK_SHOWN = 20


@dataclass(frozen=True)
class Picked:
    """People to choose from by name: those already chosen and those found (not yet chosen)."""

    chosen: list[Inburgeraar]
    found: list[Inburgeraar]


def pick(db: Session, actor: Principal, *, name: str, chosen: list[int]) -> Picked:
    """The chosen people and up to PICK_SHOWN whose name contains `name`, among those the caller may
    address (a klantmanager: their caseload); one audited read naming everyone shown."""
    audit.require_role(db, actor, *CASE_ROLES, action="read", object_type="inburgeraar")
    query = select(Inburgeraar).order_by(Inburgeraar.name, Inburgeraar.id)
    if actor.role == Role.klantmanager:
        query = query.where(caseload(actor.staff_id))
    ids = sorted(set(chosen))
    picked = [p for chunk in chunks(ids) for p in db.scalars(query.where(Inburgeraar.id.in_(chunk)))]
    found: list[Inburgeraar] = []
    if name.strip():
        pattern = f"%{name.strip()}%"
        found = list(
            db.scalars(
                query.where(Inburgeraar.name.ilike(pattern), Inburgeraar.id.not_in(ids)).limit(PICK_SHOWN)
            )
        )
    shown = picked + found
    if shown:
        audit.record_read(db, actor, "inburgeraar", inburgeraars=[p.id for p in shown])
    return Picked(sorted(picked, key=lambda p: (p.name, p.id)), found)
