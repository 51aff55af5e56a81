from __future__ import annotations

from fastapi import APIRouter, FastAPI, Query, status

from api.deps import PrincipalDep, SessionDep
from api.people import service
from api.people.schemas import (
    InburgeraarCreate,
    InburgeraarOut,
    InburgeraarUpdate,
    StaffCreate,
    StaffCreated,
    StaffOut,
)

router = APIRouter(tags=["people"])


@router.post("/inburgeraars", status_code=status.HTTP_201_CREATED, response_model=InburgeraarOut)
def create_inburgeraar(body: InburgeraarCreate, db: SessionDep, actor: PrincipalDep) -> dict:
    person = service.create_inburgeraar(db, actor, body)
    db.commit()
    return service.to_out(person)


@router.get("/inburgeraars", response_model=list[InburgeraarOut])
def list_inburgeraars(
    db: SessionDep,
    actor: PrincipalDep,
    limit: int = Query(200, ge=1, le=1000),
    offset: int = Query(0, ge=0),
) -> list[dict]:
    people = service.list_inburgeraars(db, actor, limit=limit, offset=offset)
    db.commit()  # the audit event of this read
    return [service.to_out(p) for p in people]


@router.get("/inburgeraars/{inburgeraar_id}", response_model=InburgeraarOut)
def get_inburgeraar(inburgeraar_id: int, db: SessionDep, actor: PrincipalDep) -> dict:
    person = service.read_inburgeraar(db, actor, inburgeraar_id)
    db.commit()  # the audit event of this read
    return service.to_out(person)


@router.patch("/inburgeraars/{inburgeraar_id}", response_model=InburgeraarOut)
def update_inburgeraar(
    inburgeraar_id: int, body: InburgeraarUpdate, db: SessionDep, actor: PrincipalDep
) -> dict:
    person = service.update_inburgeraar(db, actor, inburgeraar_id, body)
    db.commit()
    return service.to_out(person)


@router.post("/staff", status_code=status.HTTP_201_CREATED, response_model=StaffCreated)
def create_staff(body: StaffCreate, db: SessionDep, actor: PrincipalDep) -> dict:
    staff, token = service.create_staff(db, actor, body)
    db.commit()
    return {**StaffOut.model_validate(staff).model_dump(), "api_token": token}


def mount(app: FastAPI, v1: APIRouter) -> None:
    v1.include_router(router)
