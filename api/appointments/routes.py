from __future__ import annotations

from fastapi import APIRouter, FastAPI, Query, status
from pydantic import AwareDatetime

from api.appointments import service
from api.appointments.schemas import AppointmentCreate, AppointmentOut, AppointmentUpdate, AttendanceOut
from api.deps import PrincipalDep, SessionDep

router = APIRouter(tags=["appointments"])


@router.post("/appointments", status_code=status.HTTP_201_CREATED, response_model=AppointmentOut)
def create_appointment(body: AppointmentCreate, db: SessionDep, actor: PrincipalDep) -> dict:
    appointment = service.create_appointment(db, actor, body)
    db.commit()
    return service.to_out(actor, appointment)


@router.get("/appointments", response_model=list[AppointmentOut])
def list_appointments(
    db: SessionDep,
    actor: PrincipalDep,
    start: AwareDatetime | None = None,
    end: AwareDatetime | None = None,
    inburgeraar_id: int | None = Query(None, alias="inburgeraarId"),
) -> list[dict]:
    rows = service.list_appointments(db, actor, start=start, end=end, inburgeraar_id=inburgeraar_id)
    db.commit()  # the audit event of this read
    return [service.to_out(actor, a) for a in rows]


@router.get("/appointments/{appointment_id}", response_model=AppointmentOut)
def get_appointment(appointment_id: int, db: SessionDep, actor: PrincipalDep) -> dict:
    appointment = service.read_appointment(db, actor, appointment_id)
    db.commit()  # the audit event of this read
    return service.to_out(actor, appointment)


@router.patch("/appointments/{appointment_id}", response_model=AppointmentOut)
def update_appointment(
    appointment_id: int, body: AppointmentUpdate, db: SessionDep, actor: PrincipalDep
) -> dict:
    appointment = service.update_appointment(db, actor, appointment_id, body)
    db.commit()
    return service.to_out(actor, appointment)


@router.get(
    "/appointments/{appointment_id}/attendance",
    response_model=list[AttendanceOut],
    response_model_exclude_unset=True,
)
def get_attendance(appointment_id: int, db: SessionDep, actor: PrincipalDep) -> list:
    """The participants the caller may see, with the fields their role may see (others are left out)."""
    rows = service.read_attendance(db, actor, appointment_id)
    db.commit()  # the audit event of this read
    return rows


def mount(app: FastAPI, v1: APIRouter) -> None:
    v1.include_router(router)
