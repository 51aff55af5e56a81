from __future__ import annotations

from fastapi import APIRouter, FastAPI, Query, Response, status

from api.deps import PrincipalDep, SessionDep, SettingsDep
from api.people import service, staff_accounts
from api.people.schemas import (
    InburgeraarCreate,
    InburgeraarOut,
    InburgeraarUpdate,
    StaffCreate,
    StaffCreated,
    StaffOut,
    TokenOut,
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


@router.post("/staff", status_code=status.HTTP_201_CREATED, response_model=StaffCreated, tags=["staff"])
def create_staff(body: StaffCreate, db: SessionDep, actor: PrincipalDep, settings: SettingsDep) -> dict:
    """The admin creates a staff account; its API token is in the answer, once."""
    staff, token = staff_accounts.create_staff(db, actor, body, token_days=settings.staff_token_days)
    db.commit()
    return {**StaffOut.model_validate(staff).model_dump(), **staff_accounts.token_out(staff, token)}


@router.post("/staff/me/token", response_model=TokenOut, tags=["staff"])
def rotate_own_token(db: SessionDep, actor: PrincipalDep, settings: SettingsDep) -> dict:
    """Replace the calling staff member's token with a new one; the old one stops working at once."""
    staff, token = staff_accounts.rotate_own_token(db, actor, token_days=settings.staff_token_days)
    db.commit()
    return staff_accounts.token_out(staff, token)


@router.post("/staff/{staff_id}/token", response_model=TokenOut, tags=["staff"])
def reissue_token(staff_id: int, db: SessionDep, actor: PrincipalDep, settings: SettingsDep) -> dict:
    """The admin issues a staff member a new token (expired or leaked); the old one stops working."""
    staff, token = staff_accounts.reissue_token(db, actor, staff_id, token_days=settings.staff_token_days)
    db.commit()
    return staff_accounts.token_out(staff, token)


@router.delete("/staff/{staff_id}/token", status_code=status.HTTP_204_NO_CONTENT, tags=["staff"])
def revoke_token(staff_id: int, db: SessionDep, actor: PrincipalDep) -> Response:
    """The admin revokes a staff member's token; the API answers it with 401 from now on."""
    staff_accounts.revoke_token(db, actor, staff_id)
    db.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def mount(app: FastAPI, v1: APIRouter) -> None:
    v1.include_router(router)
