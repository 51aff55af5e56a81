from __future__ import annotations

from sqlalchemy import select

from api.audit.models import AuditEvent
from tests.conftest import ADMIN


def test_klantmanager_sees_only_their_own_caseload(client, make):
    km1, h1 = make.staff()
    km2, _ = make.staff()
    mine = make.person(km1, name="Mijn persoon")
    other = make.person(km2, name="Andere persoon")
    listed = client.get("/api/v1/inburgeraars", headers=h1).json()
    assert [p["id"] for p in listed] == [mine.id]
    assert client.get(f"/api/v1/inburgeraars/{other.id}", headers=h1).status_code == 403


def test_reading_a_conversation_is_audit_logged(client, make, db):
    km, headers = make.staff()
    person = make.person(km)
    assert client.get(f"/api/v1/inburgeraars/{person.id}/messages", headers=headers).status_code == 200
    events = db.scalars(select(AuditEvent).where(AuditEvent.object_type == "conversation")).all()
    assert [(e.actor, e.action, e.object_id, e.result) for e in events] == [
        (f"staff:{km.id}", "read", str(person.id), "ok")
    ]


def test_denied_reads_of_another_caseload_are_audit_logged(client, make, db):
    _, h1 = make.staff()
    km2, _ = make.staff()
    other = make.person(km2)
    assert client.get(f"/api/v1/inburgeraars/{other.id}/messages", headers=h1).status_code == 403
    denied = db.scalars(select(AuditEvent).where(AuditEvent.result == "denied")).all()
    assert len(denied) == 1 and denied[0].object_id == str(other.id)


def test_coordinator_may_not_read_conversation_contents(client, make):
    km, _ = make.staff()
    _, coordinator = make.staff("coordinator")
    person = make.person(km)
    assert client.get(f"/api/v1/inburgeraars/{person.id}/messages", headers=coordinator).status_code == 403
    assert client.get(f"/api/v1/inburgeraars/{person.id}", headers=coordinator).status_code == 200


def test_only_admins_create_staff_and_the_token_works_once_created(client, make):
    _, km_headers = make.staff()
    body = {"name": "Nieuw", "email": "nieuw@gemeente.example", "role": "klantmanager"}
    assert client.post("/api/v1/staff", json=body, headers=km_headers).status_code == 403
    created = client.post("/api/v1/staff", json=body, headers=ADMIN)
    assert created.status_code == 201
    token = created.json()["apiToken"]
    assert client.get("/api/v1/inburgeraars", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_bot_token_cannot_use_staff_endpoints(client):
    from tests.conftest import BOT

    assert client.get("/api/v1/inburgeraars", headers=BOT).status_code == 403
