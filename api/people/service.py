"""Inburgeraars: registration, lookup with caseload rules, and the dates the law derives."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.audit import service as audit
from api.auth import Principal
from api.errors import Conflict, Forbidden, InvalidInput, NotFound
from api.events import Hook
from api.people import number_dispute
from api.people.caseload import in_caseload, is_in_caseload
from api.people.models import Inburgeraar
from api.people.schemas import InburgeraarCreate, InburgeraarUpdate
from api.staff.models import CASE_ROLES, Role, Staff

WI2021_START = date(2022, 1, 1)

# Listeners are called as listener(db, person, old_phone) after a person's number changed (the messaging
# package registers at start-up: the conversation on the old number ends, a new one starts).
phone_changed = Hook("phone_changed")


def law_for(obligation_start: date | None) -> str:
    """The Wet inburgering 2021 took effect on 1 January 2022; earlier obligations stay under 2013.

    Without a start date in the file the law is "unknown": nothing is assumed, the person is referred.
    """
    if obligation_start is None:
        return "unknown"
    return "wi2013" if obligation_start < WI2021_START else "wi2021"


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a non-leap target year
        return day.replace(year=day.year + years, day=28)


def term_ends_on(pip_date: date | None) -> date | None:
    """The term starts the day after the PIP's date and runs three years (Wi2021 art. 11)."""
    if pip_date is None:
        return None
    return _add_years(pip_date + timedelta(days=1), 3)


def to_out(person: Inburgeraar) -> dict:
    data = {c.key: getattr(person, c.key) for c in Inburgeraar.__table__.columns}
    data["term_ends_on"] = term_ends_on(person.pip_date)
    data["law"] = law_for(person.obligation_start_date)
    return data


def _klantmanager(db: Session, staff_id: int | None, field: str = "klantmanagerId") -> Staff | None:
    if staff_id is None:
        return None
    staff = db.get(Staff, staff_id)
    if staff is None or staff.role != Role.klantmanager:
        raise InvalidInput("no klantmanager with this id", field=field)
    return staff


def create_inburgeraar(db: Session, actor: Principal, data: InburgeraarCreate) -> Inburgeraar:
    """Register an inburgeraar. Klantmanagers register into their own caseload."""
    audit.require_role(db, actor, *CASE_ROLES, action="create", object_type="inburgeraar")
    klantmanager_id = data.klantmanager_id
    if actor.role == Role.klantmanager:
        if klantmanager_id not in (None, actor.staff_id):
            raise Forbidden("klantmanagers register people into their own caseload", field="klantmanagerId")
        klantmanager_id = actor.staff_id
    _klantmanager(db, klantmanager_id)
    if db.scalar(select(Inburgeraar.id).where(Inburgeraar.phone == data.phone)) is not None:
        raise Conflict("an inburgeraar with this phone number exists", field="phone")
    person = Inburgeraar(**data.model_dump(exclude={"klantmanager_id"}), klantmanager_id=klantmanager_id)
    db.add(person)
    try:
        db.flush()
    except IntegrityError as exc:
        raise Conflict("an inburgeraar with this phone number exists", field="phone") from exc
    audit.record(db, actor, "create", "inburgeraar", person.id)
    return person


def can_see(actor: Principal, person: Inburgeraar) -> bool:
    """A klantmanager sees their caseload, a coordinator everyone (to plan and assign); the admin nobody."""
    if actor.role == Role.klantmanager:
        return is_in_caseload(actor, person)
    return actor.role == Role.coordinator or actor.is_bot


def get_inburgeraar(
    db: Session, actor: Principal, inburgeraar_id: int, *, action: str = "read"
) -> Inburgeraar:
    """Fetch one person; a klantmanager only sees their own caseload (denials are audit-logged)."""
    person = db.get(Inburgeraar, inburgeraar_id)
    if person is None:
        raise NotFound(f"no inburgeraar {inburgeraar_id}")
    if not can_see(actor, person):
        audit.record_denied(db, actor, action, "inburgeraar", inburgeraar_id)
        raise Forbidden("this person is not in your caseload")
    return person


def read_inburgeraar(db: Session, actor: Principal, inburgeraar_id: int) -> Inburgeraar:
    """One person's file for the caller, the read audit-logged."""
    person = get_inburgeraar(db, actor, inburgeraar_id)
    audit.record_read(db, actor, "inburgeraar", person.id)
    return person


def list_inburgeraars(
    db: Session, actor: Principal, *, limit: int = 200, offset: int = 0, name: str | None = None
) -> list[Inburgeraar]:
    """People by name (a klantmanager: their own caseload); `name` keeps those whose name contains it. The
    read is audit-logged."""
    audit.require_role(db, actor, *CASE_ROLES, action="read", object_type="inburgeraar")
    query = select(Inburgeraar).order_by(Inburgeraar.name, Inburgeraar.id)
    if name and name.strip():
        query = query.where(Inburgeraar.name.ilike(f"%{name.strip()}%"))
    if actor.role == Role.klantmanager:
        query = query.where(in_caseload(actor))
    people = list(db.scalars(query.limit(limit).offset(offset)))
    audit.record_read(db, actor, "inburgeraar", inburgeraars=[p.id for p in people])
    return people


def update_inburgeraar(
    db: Session, actor: Principal, inburgeraar_id: int, data: InburgeraarUpdate
) -> Inburgeraar:
    audit.require_role(
        db, actor, *CASE_ROLES, action="update", object_type="inburgeraar", object_id=inburgeraar_id
    )
    person = get_inburgeraar(db, actor, inburgeraar_id, action="update")
    changes = data.model_dump(exclude_unset=True)
    if "klantmanager_id" in changes:
        if actor.role == Role.klantmanager:
            raise Forbidden("only a coordinator moves people between caseloads", field="klantmanagerId")
        _klantmanager(db, changes["klantmanager_id"])
    old_phone = person.phone
    if "phone" in changes and changes["phone"] != old_phone:
        taken = db.scalar(select(Inburgeraar.id).where(Inburgeraar.phone == changes["phone"]))
        if taken is not None:
            raise Conflict("an inburgeraar with this phone number exists", field="phone")
    for key, value in changes.items():
        setattr(person, key, value)
    if person.phone != old_phone:
        number_dispute.number_changed(person)
    db.flush()
    audit.record(db, actor, "update", "inburgeraar", person.id, fields=sorted(changes))
    if person.phone != old_phone:
        phone_changed.emit(db, person, old_phone)
    return person


def find_by_phone(db: Session, phone: str) -> Inburgeraar | None:
    return db.scalar(select(Inburgeraar).where(Inburgeraar.phone == phone))
