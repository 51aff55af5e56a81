"""Staff API tokens expire, staff rotate their own, the admin issues and revokes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import create_engine, select, text

from api.audit.models import AuditEvent
from api.migrate import alembic_config
from tests.conftest import ADMIN, auth

TOKEN_DAYS = 30


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"staff_token_days": TOKEN_DAYS})


def _create(client, email="nieuw@gemeente.example", role="klantmanager"):
    response = client.post(
        "/api/v1/staff", json={"name": "Nieuw", "email": email, "role": role}, headers=ADMIN
    )
    assert response.status_code == 201, response.text
    return response.json()


def _works(client, token: str) -> int:
    return client.get("/api/v1/inburgeraars", headers=auth(token)).status_code


def test_a_new_token_is_shown_once_with_when_it_expires(client):
    created = _create(client)
    issued, expires = (datetime.fromisoformat(created[k]) for k in ("issuedAt", "expiresAt"))
    assert expires - issued == timedelta(days=TOKEN_DAYS)
    assert abs((issued - datetime.now(UTC)).total_seconds()) < 60
    assert _works(client, created["apiToken"]) == 200


def test_an_expired_token_gets_a_401_problem_saying_it_expired(client):
    created = _create(client)
    expires = datetime.fromisoformat(created["expiresAt"])
    with time_machine.travel(expires - timedelta(minutes=1), tick=False):
        assert _works(client, created["apiToken"]) == 200
    with time_machine.travel(expires + timedelta(seconds=1), tick=False):
        response = client.get("/api/v1/inburgeraars", headers=auth(created["apiToken"]))
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["code"] == "token_expired" and "expired" in response.json()["detail"]


def test_a_staff_member_rotates_their_own_token_and_the_old_one_stops_working(client, db):
    created = _create(client)
    old = created["apiToken"]
    with time_machine.travel(datetime.now(UTC) + timedelta(days=TOKEN_DAYS - 1), tick=False):
        rotated = client.post("/api/v1/staff/me/token", headers=auth(old))
        assert rotated.status_code == 200, rotated.text
        new = rotated.json()["apiToken"]
        assert new != old and _works(client, new) == 200
        refused = client.get("/api/v1/inburgeraars", headers=auth(old))
        assert refused.status_code == 401 and refused.json()["detail"] == "unknown or revoked token"
    with time_machine.travel(datetime.now(UTC) + timedelta(days=TOKEN_DAYS + 5), tick=False):
        assert _works(client, new) == 200  # the rotation started a new term
    rotations = db.scalars(select(AuditEvent).where(AuditEvent.action == "rotate_token")).all()
    assert [(e.actor, e.object_id) for e in rotations] == [(f"staff:{created['id']}", str(created["id"]))]


def test_the_admin_reissues_and_revokes_a_staff_members_token(client, db):
    created = _create(client)
    reissued = client.post(f"/api/v1/staff/{created['id']}/token", headers=ADMIN)
    assert reissued.status_code == 200, reissued.text
    assert _works(client, created["apiToken"]) == 401 and _works(client, reissued.json()["apiToken"]) == 200
    revoked = client.delete(f"/api/v1/staff/{created['id']}/token", headers=ADMIN)
    assert revoked.status_code == 204
    assert _works(client, reissued.json()["apiToken"]) == 401
    actions = db.execute(
        select(AuditEvent.actor, AuditEvent.action).where(AuditEvent.object_type == "staff")
    ).all()
    assert [tuple(a) for a in actions] == [
        ("admin", "create"),
        ("admin", "issue_token"),
        ("admin", "revoke_token"),
    ]


def test_an_expired_token_is_replaced_by_the_admin_not_by_rotation(client):
    created = _create(client)
    with time_machine.travel(datetime.now(UTC) + timedelta(days=TOKEN_DAYS + 1), tick=False):
        assert client.post("/api/v1/staff/me/token", headers=auth(created["apiToken"])).status_code == 401
        reissued = client.post(f"/api/v1/staff/{created['id']}/token", headers=ADMIN).json()
        assert _works(client, reissued["apiToken"]) == 200


@pytest.mark.parametrize(("method", "role"), [("POST", "klantmanager"), ("DELETE", "coordinator")])
def test_only_the_admin_manages_someone_elses_token_and_refusals_are_logged(client, make, db, method, role):
    colleague = _create(client)
    member, headers = make.staff(role)
    response = client.request(method, f"/api/v1/staff/{colleague['id']}/token", headers=headers)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    assert _works(client, colleague["apiToken"]) == 200
    denied = db.scalars(select(AuditEvent).where(AuditEvent.result == "denied")).all()
    assert [(e.actor, e.object_type, e.object_id) for e in denied] == [
        (f"staff:{member.id}", "staff", str(colleague["id"]))
    ]


def test_unknown_staff_is_a_404_and_the_admin_token_itself_is_not_rotated_here(client):
    assert client.post("/api/v1/staff/424242/token", headers=ADMIN).status_code == 404
    response = client.post("/api/v1/staff/me/token", headers=ADMIN)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")


def test_tokens_that_exist_at_the_upgrade_get_the_default_lifetime(tmp_path):
    from alembic import command

    url = f"sqlite:///{tmp_path / 'upgrade.sqlite3'}"
    cfg = alembic_config(url)
    command.upgrade(cfg, "0001")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO staff (name, email, role, api_token_hash, active, created_at) "
                "VALUES ('Oud', 'oud@gemeente.example', 'klantmanager', 'abc', 1, '2026-01-01 00:00:00'), "
                "('Zonder', 'zonder@gemeente.example', 'coordinator', NULL, 1, '2026-01-01 00:00:00')"
            )
        )
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT email, api_token_issued_at, api_token_expires_at FROM staff ORDER BY email")
        ).all()
    engine.dispose()
    (old, issued, expires), (without, none_issued, none_expires) = rows
    assert (old, without, none_issued, none_expires) == (
        "oud@gemeente.example",
        "zonder@gemeente.example",
        None,
        None,
    )
    lifetime = datetime.fromisoformat(expires) - datetime.fromisoformat(issued)
    assert lifetime == timedelta(days=90)


def test_a_staff_member_with_the_admin_role_manages_tokens_and_reads_no_people(client, make):
    _, admin = make.staff("admin")
    colleague = _create(client)
    reissued = client.post(f"/api/v1/staff/{colleague['id']}/token", headers=admin)
    assert reissued.status_code == 200 and _works(client, reissued.json()["apiToken"]) == 200
    assert client.get("/api/v1/inburgeraars", headers=admin).status_code == 403
