"""The caseload rule, in one place: a klantmanager works with the people whose klantmanager they are."""

from __future__ import annotations

from sqlalchemy import ColumnElement

from api.auth import Principal
from api.people.models import Inburgeraar


def caseload_of(staff_id: int | None) -> ColumnElement[bool]:
    """SQL condition: the person's klantmanager is `staff_id`."""
    return Inburgeraar.klantmanager_id == staff_id


def in_caseload(actor: Principal) -> ColumnElement[bool]:
    """SQL condition: the person is in the caseload of `actor`."""
    return caseload_of(actor.staff_id)


def is_in_caseload(actor: Principal, person: Inburgeraar) -> bool:
    """True when `person` is in the caseload of `actor`."""
    return person.klantmanager_id == actor.staff_id
