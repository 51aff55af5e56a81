"""/api/v1/broadcasts: templates, preview, schedule (or send now), progress, cancel."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Query, status

from api.broadcasts import service
from api.broadcasts.schemas import BroadcastCreate, BroadcastDraft, BroadcastOut, Preview, TemplateOut
from api.deps import PrincipalDep, SessionDep, SettingsDep
from api.staff.models import CASE_ROLES

router = APIRouter(prefix="/broadcasts", tags=["broadcasts"])


@router.get("/templates", response_model=list[TemplateOut])
def list_templates(actor: PrincipalDep) -> list[dict]:
    """The catalog a broadcast chooses from (Dutch source texts; recipients get their own language)."""
    actor.require(*CASE_ROLES)
    return service.templates()


@router.post("/preview", response_model=Preview)
def preview(body: BroadcastDraft, db: SessionDep, actor: PrincipalDep, settings: SettingsDep) -> dict:
    """Per language of the audience: the rendered text, SMS segments, recipients and estimated cost; the
    cost per channel; when it goes out. Kept as a preview record (12 hours) that POST /broadcasts sends."""
    result = service.preview(db, actor, body, settings)
    db.commit()  # the preview record and the audit event of this read
    return result


@router.post("", status_code=status.HTTP_201_CREATED, response_model=BroadcastOut)
def create_broadcast(
    body: BroadcastCreate, db: SessionDep, actor: PrincipalDep, settings: SettingsDep
) -> dict:
    """Schedule a broadcast: the preview `previewId` exactly as it was shown (409 `preview_changed` when
    the other fields differ from it), or without one preview and schedule in one step. Without `sendAt`
    it goes out now (or when the send window opens)."""
    broadcast = service.create(db, actor, body, settings)
    db.commit()
    return service.to_out(db, broadcast)


@router.get("", response_model=list[BroadcastOut])
def list_broadcasts(
    db: SessionDep, actor: PrincipalDep, limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0)
) -> list[dict]:
    rows = service.list_broadcasts(db, actor, limit=limit, offset=offset)
    db.commit()  # the audit event of this read
    return [service.to_out(db, b) for b in rows]


@router.get("/{broadcast_id}", response_model=BroadcastOut)
def get_broadcast(broadcast_id: int, db: SessionDep, actor: PrincipalDep) -> dict:
    """One broadcast with its delivery statistics once it went out."""
    broadcast = service.read(db, actor, broadcast_id)
    db.commit()  # the audit event of this read
    return service.to_out(db, broadcast)


@router.post("/{broadcast_id}/cancel", response_model=BroadcastOut)
def cancel_broadcast(broadcast_id: int, db: SessionDep, actor: PrincipalDep) -> dict:
    """Cancel before it goes out; 409 when it already went out or was cancelled."""
    broadcast = service.cancel(db, actor, broadcast_id)
    db.commit()
    return service.to_out(db, broadcast)


def mount(app: FastAPI, v1: APIRouter) -> None:
    v1.include_router(router)
