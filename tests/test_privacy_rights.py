"""The person's rights: export (AVG art. 15) shows everything we hold; erasure (art. 17) leaves nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from api.audit.models import AuditEvent
from api.db import Base, utcnow
from api.models import metadata
from api.privacy import holdings
from api.privacy.models import TrackerErasure
from api.privacy.schemas import ExportOut
from api.worker import tracker_erasure
from tests.conftest import ADMIN, BOT
from tests.privacy_support import create_tracker_store, every_row, full_history, tracker_senders


@pytest.fixture
def tracker_url(tmp_path) -> str:
    """Rasa's SQL tracker store on SQLite (Rasa supports the dialect); PostgreSQL: test_tracker_store.py."""
    url = f"sqlite:///{tmp_path / 'rasa-tracker.sqlite3'}"
    create_tracker_store(url)
    return url


@pytest.fixture
def history(client, make, db, settings, tracker_url):
    settings.rasa_tracker_store_url = tracker_url
    return full_history(client, make, db, tracker_url)


def test_the_export_holds_every_kind_of_data_in_the_documented_shape(client, history, database):
    response = client.get(f"/api/v1/inburgeraars/{history.person.id}/export", headers=history.km_headers)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert "attachment" in response.headers["content-disposition"]
    body = response.json()
    ExportOut.model_validate(body)
    assert body["format"] == "inburgering-export/1"
    assert body["person"]["name"] == "Zeynep Wisbaar" and body["klantmanager"]["name"] == "Sanne Klantmanager"
    data = body["data"]
    for table in (
        "consent_event",
        "conversation",
        "message",
        "outbox",
        "attendance",
        "appointment",
        "reminder",
    ):
        assert data[table], f"nothing exported from {table}"
    assert {"task", "escalation", "broadcast_recipient"} <= set(data)
    assert len(data["appointment"]) == 2  # the group appointment too ...
    assert {a["inburgeraar_id"] for a in data["attendance"]} == {history.person.id}  # ... without the others
    assert all("checkin_code" not in a for a in data["appointment"])
    assert [a["absence_details"] for a in data["attendance"] if a["absence_details"]] == [
        "geheim-zeynep-koorts"
    ]
    assert {m["body"] for m in data["message"]} >= {"Mijn kind is ziek, geheim-zeynep-chat"}
    assert {o["to"] for o in data["outbox"]} == {"+31612000111"}
    assert body["botTracker"]["status"] == "included"
    assert {e["sender_id"] for e in body["botTracker"]["events"]} == set(history.person_senders)
    assert {"read", "report_absence"} <= {e["action"] for e in body["auditTrail"]}
    assert body["retention"]["chatDays"] == 28
    assert "yonas" not in json.dumps(body).lower()


def test_the_export_is_audited(client, history, db):
    client.get(f"/api/v1/inburgeraars/{history.person.id}/export", headers=history.km_headers)
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "export"))
    assert event is not None and event.object_id == str(history.person.id)
    assert event.actor == f"staff:{history.km.id}"
    assert "Zeynep" not in json.dumps(event.detail)


def test_only_the_persons_klantmanager_and_admins_export(client, history, make):
    _, coordinator = make.staff("coordinator")
    _, stranger = make.staff("klantmanager")
    path = f"/api/v1/inburgeraars/{history.person.id}/export"
    assert client.get(path, headers=coordinator).status_code == 403  # coordinators do not read conversations
    assert client.get(path, headers=stranger).status_code == 403
    assert client.get(path, headers=BOT).status_code == 403
    assert client.get(path, headers=ADMIN).status_code == 200


def test_only_coordinators_and_admins_erase_and_only_with_a_reason(client, history):
    path = f"/api/v1/inburgeraars/{history.person.id}/erasure"
    assert client.post(path, headers=history.km_headers, json={"reason": "request"}).status_code == 403
    assert client.post(path, headers=BOT, json={"reason": "request"}).status_code == 403
    assert client.post(path, headers=ADMIN, json={}).status_code == 400
    assert client.post(path, headers=ADMIN, json={"reason": "retention"}).status_code == 400
    assert client.get(f"/api/v1/inburgeraars/{history.person.id}", headers=ADMIN).status_code == 200


def _references(rows: dict[str, list[dict]], table_name: str, column: str, keys: set) -> list[dict]:
    return [row for row in rows[table_name] if row[column] in keys]


def test_erasure_leaves_no_row_about_the_person_in_any_table_nor_in_the_tracker_store(
    client, history, make, database, tracker_url
):
    _, coordinator = make.staff("coordinator")
    before = every_row(database)
    conversations = {r["id"] for r in before["conversation"] if r["inburgeraar_id"] == history.person.id}
    messages = {r["id"] for r in before["message"] if r["conversation_id"] in conversations}
    assert messages and conversations

    response = client.post(
        f"/api/v1/inburgeraars/{history.person.id}/erasure", headers=coordinator, json={"reason": "request"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["trackerSendersQueued"] == len(history.person_senders)
    assert response.json()["trackerSendersPending"] == 0

    after = every_row(database)
    erased = {"inburgeraar": {history.person.id}, "conversation": conversations, "message": messages}
    for table in metadata.sorted_tables:  # a table added later is checked too
        for fk in table.foreign_keys:
            target = fk.column.table.name
            if target in erased:
                left = _references(after, table.name, fk.parent.name, erased[target])
                assert not left, f"{table.name}.{fk.parent.name} still points at the erased {target}"
        for row in after[table.name]:
            flat = json.dumps(row, default=str)
            for marker in history.markers:
                assert marker not in flat, f"{table.name} still holds {marker!r}: {row}"
    assert not [r for r in after["inburgeraar"] if r["id"] == history.person.id]
    assert not [r for r in after["appointment"] if r["id"] == history.own_appointment]
    assert tracker_senders(tracker_url) == {sender: 2 for sender in history.other_senders}
    assert not after["tracker_erasure"]


def test_erasure_keeps_the_other_participants_and_minimises_the_audit_trail(client, history, db, database):
    before = every_row(database)
    response = client.post(
        f"/api/v1/inburgeraars/{history.person.id}/erasure",
        headers=ADMIN,
        json={"reason": "registered_in_error"},
    )
    assert response.status_code == 200
    after = every_row(database)
    other = history.other.id
    for table in ("attendance", "reminder", "broadcast_recipient"):
        assert [r for r in before[table] if r["inburgeraar_id"] == other] == [
            r for r in after[table] if r["inburgeraar_id"] == other
        ], table
    assert [a["id"] for a in after["appointment"]] == [history.group_appointment]
    (broadcast,) = after["broadcast"]
    assert broadcast["audience"]["inburgeraarIds"] == [other]
    about_person = [
        e
        for e in after["audit_event"]
        if e["object_type"] == "inburgeraar" and e["object_id"] == str(history.person.id)
    ]
    erase = [e for e in about_person if e["action"] == "erase"]
    assert len(erase) == 1 and erase[0]["detail"]["reason"] == "registered_in_error"
    assert erase[0]["detail"]["rows"]["message"] == 2
    assert all(e["detail"] is None for e in about_person if e["action"] != "erase")
    assert client.get(f"/api/v1/inburgeraars/{history.person.id}", headers=ADMIN).status_code == 404


def test_a_failing_erasure_changes_nothing(client, history, database, monkeypatch):
    from api.privacy import tracker_store

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full")

    before = every_row(database)
    monkeypatch.setattr(tracker_store, "queue_erasure", broken)  # after every row is deleted
    response = client.post(
        f"/api/v1/inburgeraars/{history.person.id}/erasure", headers=ADMIN, json={"reason": "request"}
    )
    assert response.status_code == 500
    after = every_row(database)
    after["audit_event"] = [e for e in after["audit_event"] if e["result"] != "denied"]
    assert {t: len(r) for t, r in after.items()} == {t: len(r) for t, r in before.items()}


def test_tracker_events_are_deleted_by_the_worker_when_the_store_was_down(
    client, history, settings, db, tracker_url, tmp_path
):
    settings.rasa_tracker_store_url = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"
    response = client.post(
        f"/api/v1/inburgeraars/{history.person.id}/erasure", headers=ADMIN, json={"reason": "request"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["trackerSendersPending"] == 1
    (waiting,) = db.scalars(select(TrackerErasure))
    assert [waiting.sender_id] == history.person_senders and waiting.attempts == 1
    assert waiting.next_attempt_at > utcnow()

    settings.rasa_tracker_store_url = tracker_url  # the store is back
    assert tracker_erasure(db, utcnow(), settings) == 0  # not due yet: the worker waits before retrying
    assert tracker_erasure(db, waiting.next_attempt_at, settings) == 1
    db.commit()
    assert db.scalar(select(func.count()).select_from(TrackerErasure)) == 0
    assert not set(history.person_senders) & set(tracker_senders(tracker_url))


def test_every_table_is_either_reached_from_a_person_or_declared_not_about_one():
    reachable = {"inburgeraar"}
    changed = True
    while changed:
        changed = False
        for table in Base.metadata.sorted_tables:
            if table.name not in reachable and any(
                fk.column.table.name in reachable for fk in table.foreign_keys
            ):
                reachable.add(table.name)
                changed = True
    unclassified = {t.name for t in metadata.sorted_tables} - reachable - set(holdings.NOT_ABOUT_ONE_PERSON)
    assert not unclassified, (
        f"say how erasure treats {unclassified} (holdings.NOT_ABOUT_ONE_PERSON or a foreign key)"
    )
    assert not reachable & set(holdings.NOT_ABOUT_ONE_PERSON)
