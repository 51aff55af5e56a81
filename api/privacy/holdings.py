"""Every row we hold about a person, found by following foreign keys down from them.

A row that points at the person, or at a row that does (their conversation's messages, those messages'
outbox rows), is the person's data. Walking the foreign keys of `Base.metadata` finds them in every
table, so a table added later is exported and erased without anyone listing it here. What foreign keys
cannot find is added by name: the appointments the person takes part in (parents, not children) and the
audit events about their rows. Export shows exactly what erasure deletes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, ColumnElement, Table, delete, false, or_, select
from sqlalchemy.orm import Session

from api.appointments.models import Attendance
from api.audit.models import AuditEvent
from api.db import Base

IN_CHUNK = 500  # keys per IN (...) list, far below SQLite's and PostgreSQL's parameter limits
# Audit events name their object by type and id; these types are rows of these tables. A "conversation"
# event carries the person's id in most places and the conversation's id in some, so both are matched.
AUDIT_OBJECTS = {
    "inburgeraar": ("inburgeraar",),
    "conversation": ("inburgeraar", "conversation"),
    "attendance": ("attendance",),
    "task": ("task",),
    "escalation": ("escalation",),
    "appointment": ("appointment",),
}
Rows = dict[str, set[Any]]
# The tables no foreign key leads to from a person, and why erasure leaves them (a test keeps every table
# either reachable from `inburgeraar` or listed here, so a new table gets a decision).
NOT_ABOUT_ONE_PERSON = {
    "staff": "staff members, not inburgeraars",
    "staff_session": "staff members' sign-ins",
    "appointment": "appointments only the person takes part in go with them; group appointments stay",
    "broadcast": "one message to many; erasure takes the person's id out of list audiences",
    "audit_event": "kept without details for the audit retention (accountability); see `about`",
    "purge_run": "counts of the daily purge, nothing about anyone",
    "tracker_erasure": "Rasa sender ids whose tracker events are still to be deleted; gone when done",
    "auth_failure": "failed staff sign-ins, keyed by a keyed hash of account or address, never a person",
    "oidc_login": "staff sign-ins under way at the identity provider (minutes; no name, no person)",
    "worker_heartbeat": "when each worker process last ran a round (host and process id)",
    "metric_counter": "totals for GET /metrics (bot turns by outcome, their latency), nobody's",
}


@dataclass
class Holdings:
    """What we hold about one person: `rows` go with the person; `shared_appointments` stay for others."""

    person_id: int
    rows: Rows
    shared_appointments: set[int] = field(default_factory=set)

    def count(self, table: str) -> int:
        return len(self.rows.get(table, ()))


def tables() -> dict[str, Table]:
    return {table.name: table for table in Base.metadata.sorted_tables}


def primary_key(table: Table) -> Column[Any]:
    columns = list(table.primary_key.columns)
    if len(columns) != 1:
        raise TypeError(f"table {table.name} needs a one-column primary key to be exported and erased")
    return columns[0]


def chunks(keys: Iterable[Any]) -> Iterator[list[Any]]:
    ordered = sorted(keys)
    for start in range(0, len(ordered), IN_CHUNK):
        yield ordered[start : start + IN_CHUNK]


def person_tables() -> list[str]:
    """The tables a foreign key path leads to from `inburgeraar`: where a person's rows can be."""
    reachable = ["inburgeraar"]
    for table in Base.metadata.sorted_tables:  # parents come before children
        if (
            any(fk.column.table.name in reachable for fk in table.foreign_keys)
            and table.name not in reachable
        ):
            reachable.append(table.name)
    return reachable


def walk(db: Session, roots: Rows) -> Rows:
    """The roots and every row below them: rows that point at one of them, and so on (table → keys)."""
    found: Rows = {name: set(keys) for name, keys in roots.items() if keys}
    pending = list(found)
    schema = tables()
    while pending:
        parent = pending.pop()
        for table in schema.values():
            for fk in table.foreign_keys:
                if fk.column.table.name != parent:
                    continue
                keys = set()
                for chunk in chunks(found[parent]):
                    keys |= set(db.scalars(select(primary_key(table)).where(fk.parent.in_(chunk))))
                new = keys - found.get(table.name, set())
                if new:
                    found.setdefault(table.name, set()).update(new)
                    pending.append(table.name)
    return found


def of_person(db: Session, person_id: int) -> Holdings:
    """The person's rows, the appointments only they take part in, and the group ones they share."""
    taking_part = set(
        db.scalars(select(Attendance.appointment_id).where(Attendance.inburgeraar_id == person_id))
    )
    shared = set(
        db.scalars(
            select(Attendance.appointment_id).where(
                Attendance.appointment_id.in_(taking_part), Attendance.inburgeraar_id != person_id
            )
        )
    )
    rows = walk(db, {"inburgeraar": {person_id}, "appointment": taking_part - shared})
    return Holdings(person_id, rows, shared)


def about(rows: Rows) -> ColumnElement[bool]:
    """SQL: audit events whose object is one of these rows."""
    conditions = []
    for object_type, table_names in AUDIT_OBJECTS.items():
        ids = {str(key) for name in table_names for key in rows.get(name, ())}
        for chunk in chunks(ids):
            conditions.append((AuditEvent.object_type == object_type) & AuditEvent.object_id.in_(chunk))
    return or_(*conditions) if conditions else false()


def delete_rows(db: Session, rows: Rows) -> dict[str, int]:
    """Delete the rows, children before parents; returns how many per table."""
    counts: dict[str, int] = {}
    for table in reversed(Base.metadata.sorted_tables):
        keys = rows.get(table.name)
        if not keys:
            continue
        for chunk in chunks(keys):
            db.execute(delete(table).where(primary_key(table).in_(chunk)))
        counts[table.name] = len(keys)
    return counts
