"""Every read of personal data is in the audit log: the API and the staff UI, walked route by route.

Each GET route of the app is either a read of personal data below (with a request that makes it) or named
in NO_PERSONAL_DATA with the reason; a new route fails the first test until it is classified.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from api.audit.models import AuditEvent
from api.tasks import service as tasks
from tests.klantinteracties_double import failed_export
from tests.web_helpers import csrf_of, escalate, inbound, open_browsers

NO_PERSONAL_DATA = {
    "/openapi.json": "the API's description",
    "/docs": "the API's description",
    "/docs/oauth2-redirect": "the API's description",
    "/redoc": "the API's description",
    "/health": "a liveness answer",
    "/health/live": "a liveness answer",
    "/health/ready": "which parts of the assistant answer",
    "/metrics": "counts and ages over everyone, nobody named (Prometheus, behind METRICS_TOKEN)",
    "/ui": "a redirect",
    "/ui/": "a redirect to the caller's start page",
    "/ui/login": "the sign-in form",
    "/ui/login/oidc": "a redirect to the identity provider",
    "/ui/login/oidc/callback": "the identity provider's answer; opens a session (audited as a login)",
    "/ui/reminders": "the reminder policy",
    "/ui/stats": "figures per week (attendance, questions to staff, languages, spend), nobody named",
    "/ui/inbox/state": "a fingerprint and counts of the caller's inbox views, nobody named",
    "/ui/broadcasts/new": "the composer: templates, appointments by kind, time, place and head count",
    "/api/v1/reminders/policy": "the reminder policy",
    "/api/v1/broadcasts/templates": "the broadcast templates",
    "/api/v1/bot/{sender}/profile": "the person's own data, read by the bot for them",
    "/api/v1/bot/{sender}/appointments": "the person's own data, read by the bot for them",
    "/ics/{token}.ics": "the person's own appointment, through the link sent to them",
    "/simulator": "the demo phone simulator, refused in production",
    "/simulator/static/simulator.js": "the demo phone simulator, refused in production",
    "/simulator/people": "the demo phone simulator, refused in production",
    "/simulator/{inburgeraar_id}/messages": "the demo phone simulator, refused in production",
}


@dataclass(frozen=True)
class Read:
    """One read of personal data: who makes it, where, and whether its audit event names the person."""

    method: str
    path: str
    role: str  # klantmanager | coordinator
    names_person: bool = True
    form: dict[str, str] | None = None  # a UI form posted from /ui/broadcasts/new
    json: dict[str, Any] | None = None
    query: dict[str, str] | None = None

    @property
    def web(self) -> bool:
        return self.path.startswith("/ui/")


PREVIEW = {"template": "office_closed", "variables": {"date": "2030-03-12"}}
READS = [
    Read("GET", "/api/v1/inburgeraars", "coordinator"),
    Read("GET", "/api/v1/inburgeraars/{inburgeraar_id}", "klantmanager"),
    Read("GET", "/api/v1/inburgeraars/{inburgeraar_id}/messages", "klantmanager"),
    Read("GET", "/api/v1/inburgeraars/{inburgeraar_id}/evidence", "klantmanager"),
    Read("GET", "/api/v1/appointments", "coordinator"),
    Read("GET", "/api/v1/appointments/{appointment_id}", "klantmanager"),
    Read("GET", "/api/v1/appointments/{appointment_id}/attendance", "coordinator"),
    Read("GET", "/api/v1/appointments/{appointment_id}/reminders", "klantmanager"),
    Read("GET", "/api/v1/appointments/{appointment_id}/evidence", "klantmanager"),
    Read("GET", "/api/v1/inburgeraars/{inburgeraar_id}/export", "klantmanager"),
    Read("GET", "/api/v1/broadcasts", "coordinator", names_person=False),
    Read("GET", "/api/v1/broadcasts/{broadcast_id}", "coordinator", names_person=False),
    Read(
        "POST",
        "/api/v1/broadcasts/preview",
        "coordinator",
        json={**PREVIEW, "audience": {"type": "list", "inburgeraarIds": ["{inburgeraar_id}"]}},
    ),
    Read("GET", "/ui/inbox", "klantmanager"),
    Read("GET", "/ui/team", "coordinator"),
    Read("GET", "/ui/people/{person_id}/conversation", "klantmanager"),
    Read("GET", "/ui/appointments", "klantmanager"),
    Read("GET", "/ui/appointments/{appointment_id}/evidence", "klantmanager"),
    Read("GET", "/ui/appointments/{appointment_id}/evidence.csv", "klantmanager"),
    Read("GET", "/ui/tasks", "klantmanager"),
    Read("GET", "/ui/caseload", "klantmanager"),
    Read("GET", "/ui/people", "coordinator"),
    Read("GET", "/ui/people/{person_id}/privacy", "klantmanager"),
    Read("GET", "/ui/people/{person_id}/export.json", "klantmanager"),
    Read("GET", "/ui/people/{person_id}/erase", "coordinator", query={"reason": "request"}),
    Read("GET", "/ui/register", "coordinator"),
    Read("GET", "/ui/broadcasts", "coordinator", names_person=False),
    Read("GET", "/ui/broadcasts/{broadcast_id}", "coordinator"),
    Read("GET", "/ui/broadcasts/{broadcast_id}/cancel", "coordinator", names_person=False),
    Read(
        "POST",
        "/ui/broadcasts/preview",
        "coordinator",
        form={"template": "office_closed", "date": "2030-03-12", "audience_type": "list", "send_mode": "now"},
    ),
    Read("POST", "/ui/broadcasts/new", "coordinator", form={"template": "call_us", "person_query": "Amina"}),
]
READ_ACTIONS = {"read", "read_evidence", "read_privacy", "export", "preview"}


def get_routes(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The path of every GET route, through the routers the app includes."""
    for route in app.routes:
        contexts = route.effective_route_contexts() if hasattr(route, "effective_route_contexts") else [route]
        for context in contexts:
            if "GET" in (getattr(context, "methods", None) or ()):
                yield context.path


def test_every_get_route_is_an_audited_read_or_holds_no_personal_data(app):
    audited = {r.path for r in READS if r.method == "GET"}
    assert not audited & set(NO_PERSONAL_DATA)
    assert set(get_routes(app)) == audited | set(NO_PERSONAL_DATA)


@pytest.fixture
def web(app):
    yield from open_browsers(app)


@pytest.fixture
def case(client, make, db):
    """A person with a conversation, an escalation, a task, an appointment and a broadcast to read."""
    km, km_headers = make.staff()
    coordinator, coordinator_headers = make.staff("coordinator")
    person = make.person(km, name="Amina Haddad")
    inbound(db, person, "ik ben ziek")
    escalate(db, person)
    appointment = make.appointment([person])
    tasks.open_task(db, "absence_reported", inburgeraar=person, appointment_id=appointment.id)
    db.commit()
    failed_export(db, person)
    audience = {"type": "list", "inburgeraarIds": [person.id]}
    broadcast = client.post(
        "/api/v1/broadcasts", json={**PREVIEW, "audience": audience}, headers=coordinator_headers
    )
    assert broadcast.status_code == 201, broadcast.text
    return {
        "person": person,
        "staff": {"klantmanager": (km, km_headers), "coordinator": (coordinator, coordinator_headers)},
        "ids": {
            "inburgeraar_id": person.id,
            "person_id": person.id,
            "appointment_id": appointment.id,
            "broadcast_id": broadcast.json()["id"],
        },
    }


def _fill(value: Any, ids: dict[str, int]) -> Any:
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, str) and value.startswith("{") and value.endswith("}") and value[1:-1] in ids:
        return ids[value[1:-1]]
    return value.format(**ids) if isinstance(value, str) else value


def _last_id(db) -> int:
    return db.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0


def _request(read: Read, case, client, web):  # type: ignore[no-untyped-def]
    member, headers = case["staff"][read.role]
    url = _fill(read.path, case["ids"])
    if not read.web:
        return None, lambda: client.request(
            read.method, url, json=_fill(read.json, case["ids"]), headers=headers
        )
    browser = web(member)
    if read.form is None:
        return browser, lambda: browser.get(url, params=read.query)
    form = {**read.form, "csrf_token": csrf_of(browser.get("/ui/broadcasts/new").text)}
    if "person_query" not in form:
        form["person"] = str(case["person"].id)
    return browser, lambda: browser.post(url, data=form)


@pytest.mark.parametrize("read", READS, ids=[f"{r.method} {r.path}" for r in READS])
def test_each_read_of_personal_data_writes_one_audit_event_naming_the_reader(read, case, client, web, db):
    member, _ = case["staff"][read.role]
    _, make_request = _request(read, case, client, web)
    before = _last_id(db)
    response = make_request()
    assert response.status_code == 200, response.text[:500]
    db.expire_all()
    events = db.scalars(select(AuditEvent).where(AuditEvent.id > before)).all()
    reads = [e for e in events if e.action in READ_ACTIONS]
    assert len(reads) == 1, [(e.action, e.object_type) for e in events]
    (event,) = reads
    assert (event.actor, event.result) == (f"staff:{member.id}", "ok")
    if read.names_person:
        person_id = case["person"].id
        named = event.object_id == str(person_id) or person_id in (event.detail or {}).get("inburgeraars", [])
        assert named, (event.object_type, event.object_id, event.detail)
