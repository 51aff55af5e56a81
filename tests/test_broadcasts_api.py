"""Broadcasts: the right audience, in each person's language, previewed with cost, sent once, cancellable."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select, update

from api.broadcasts.models import BroadcastRecipient
from api.i18n import segments
from api.messaging.models import Message
from api.worker import broadcast_dispatch
from tests.conftest import BOT

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2030, 3, 1, 10, 0, tzinfo=AMS)
EVENING = datetime(2030, 3, 1, 22, 0, tzinfo=AMS)
OFFICE_CLOSED = {"template": "office_closed", "variables": {"date": "2030-03-12"}}


def run_tick(database, settings, at):
    """The worker's broadcast job at `at`, in its own transaction."""
    with database.session() as session:
        result = broadcast_dispatch(session, at.astimezone(UTC), settings)
        session.commit()
    return result


def recipients_of(db, broadcast_id):
    db.expire_all()
    return {
        r.inburgeraar_id: (r.status, r.reason)
        for r in db.scalars(select(BroadcastRecipient).where(BroadcastRecipient.broadcast_id == broadcast_id))
    }


@pytest.fixture
def coordinator(make):
    return make.staff("coordinator")[1]


def test_templates_list_their_variables_for_the_composer(client, coordinator):
    response = client.get("/api/v1/broadcasts/templates", headers=coordinator)
    assert response.status_code == 200
    by_key = {t["key"]: t for t in response.json()}
    assert by_key["office_closed"]["variables"] == [{"name": "date", "type": "date"}]
    assert [v["name"] for v in by_key["appointment_reminder"]["variables"]] == ["kind", "when", "location"]


def test_preview_gives_text_segments_recipients_and_cost_per_language(client, make, coordinator):
    km, _ = make.staff()
    for i in range(3):
        make.person(km, name=f"Sanne {i}", language="nl")
    make.person(km, name="Şükrü Yılmaz", language="tr")  # not GSM-7: the SMS goes out as UCS-2
    make.person(km, name="Sarah", language="en", whatsapp_opt_in=True)
    make.person(km, name="Stil", language="nl", consent_state="opted_out")
    make.person(km, name="Geen nummer", language="nl", phone="onbekend")
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            "/api/v1/broadcasts/preview",
            json={**OFFICE_CLOSED, "audience": {"type": "caseload", "klantmanagerId": km.id}},
            headers=coordinator,
        )
    assert response.status_code == 200, response.text
    preview = response.json()
    assert preview["recipients"] == 5
    assert preview["excluded"] == {"optedOut": 1, "noChannel": 1}
    by_language = {p["language"]: p for p in preview["languages"]}
    assert set(by_language) == {"nl", "tr", "en"}

    nl = by_language["nl"]
    assert (
        nl["text"].startswith("Hallo Sanne 0.") and "12 maart 2030" in nl["text"] and "14 0513" in nl["text"]
    )
    assert (nl["recipients"], nl["encoding"]) == (3, "GSM-7")
    assert nl["segments"] == segments.count(nl["text"]).segments
    tr = by_language["tr"]
    assert tr["encoding"] == "UCS-2" and tr["segments"] == segments.count(tr["text"]).segments >= 2
    en = by_language["en"]
    assert "12 March 2030" in en["text"] and en["totalSegments"] == 0  # WhatsApp: no SMS segments

    sms_segments = 3 * nl["segments"] + tr["segments"]
    assert preview["totalSegments"] == sms_segments
    assert preview["estimatedCost"] == {"amount": round(sms_segments * 0.08 + 0.05, 2), "currency": "EUR"}
    assert en["estimatedCost"]["amount"] == 0.05


@pytest.mark.parametrize(
    "audience",
    ["appointment", "leerroute", "doelgroep", "caseload", "list"],
    ids=["by-appointment", "by-leerroute", "by-doelgroep", "by-caseload", "explicit-list"],
)
def test_audience_filter_names_exactly_the_right_people(
    client, make, database, settings, db, coordinator, audience
):
    km, _ = make.staff()
    other_km, _ = make.staff()
    a = make.person(km, leerroute="b1", doelgroep="gezinsmigrant")
    b = make.person(km, leerroute="z", doelgroep="asielstatushouder")
    c = make.person(other_km, leerroute="b1", doelgroep="asielstatushouder")
    appointment = make.appointment([a, c])
    rule, expected = {
        "appointment": ({"type": "appointment", "appointmentId": appointment.id}, {a.id, c.id}),
        "leerroute": ({"type": "leerroute", "leerroute": "b1"}, {a.id, c.id}),
        "doelgroep": ({"type": "doelgroep", "doelgroep": "asielstatushouder"}, {b.id, c.id}),
        "caseload": ({"type": "caseload", "klantmanagerId": km.id}, {a.id, b.id}),
        "list": ({"type": "list", "inburgeraarIds": [b.id, c.id]}, {b.id, c.id}),
    }[audience]
    with time_machine.travel(NOW, tick=False):
        created = client.post(
            "/api/v1/broadcasts", json={**OFFICE_CLOSED, "audience": rule}, headers=coordinator
        )
        assert created.status_code == 201, created.text
        run_tick(database, settings, NOW)
    assert set(recipients_of(db, created.json()["id"])) == expected


def test_appointment_audience_fills_kind_time_and_place_from_the_appointment(
    client, make, database, settings, db, coordinator
):
    person = make.person(language="nl")
    appointment = make.appointment(
        [person],
        kind="pvt_excursie",
        location="Rijksmuseum",
        starts_at=datetime(2030, 3, 12, 10, 0, tzinfo=AMS),
    )
    with time_machine.travel(NOW, tick=False):
        created = client.post(
            "/api/v1/broadcasts",
            headers=coordinator,
            json={
                "template": "appointment_reminder",
                "audience": {"type": "appointment", "appointmentId": appointment.id},
            },
        )
        assert created.status_code == 201, created.text
        run_tick(database, settings, NOW)
    (message,) = db.scalars(select(Message).where(Message.kind == "broadcast"))
    assert "excursie participatieverklaring (PVT)" in message.body and "Rijksmuseum" in message.body
    assert "12 maart" in message.body and message.appointment_id == appointment.id


def test_klantmanager_broadcasts_only_inside_their_own_caseload(client, make, database, settings, db):
    km, km_headers = make.staff()
    other_km, _ = make.staff()
    mine = make.person(km, leerroute="b1")
    theirs = make.person(other_km, leerroute="b1")
    for rule in (
        {"type": "caseload", "klantmanagerId": other_km.id},
        {"type": "list", "inburgeraarIds": [mine.id, theirs.id]},
    ):
        response = client.post(
            "/api/v1/broadcasts/preview", json={**OFFICE_CLOSED, "audience": rule}, headers=km_headers
        )
        assert response.status_code == 403, rule
    with time_machine.travel(NOW, tick=False):
        created = client.post(
            "/api/v1/broadcasts",
            json={**OFFICE_CLOSED, "audience": {"type": "leerroute", "leerroute": "b1"}},
            headers=km_headers,
        )
        run_tick(database, settings, NOW)
    assert set(recipients_of(db, created.json()["id"])) == {mine.id}


@pytest.mark.parametrize(("headers", "status"), [(BOT, 403), ({}, 401)], ids=["bot", "anonymous"])
def test_only_staff_may_broadcast(client, make, headers, status):
    response = client.post(
        "/api/v1/broadcasts",
        json={**OFFICE_CLOSED, "audience": {"type": "leerroute", "leerroute": "b1"}},
        headers=headers,
    )
    assert response.status_code == status


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"template": "nope"}, "template"),
        ({"variables": {}}, "variables.date"),
        ({"variables": {"date": "12 maart"}}, "variables.date"),
        ({"variables": {"date": "2030-03-12", "colour": "red"}}, "variables.colour"),
        ({"audience": {"type": "list", "inburgeraarIds": [999999]}}, "audience.inburgeraarIds"),
        ({"audience": {"type": "planet", "name": "Mars"}}, "audience"),
        ({"sendAt": "2030-03-02T10:00:00"}, "sendAt"),
        ({"sendAt": "2020-01-01T10:00:00+01:00"}, "sendAt"),
    ],
    ids=[
        "unknown-template",
        "missing-variable",
        "bad-date",
        "unknown-variable",
        "unknown-person",
        "unknown-audience",
        "naive-send-at",
        "send-at-in-the-past",
    ],
)
def test_bad_broadcast_is_a_400_naming_the_field_and_nothing_is_saved(client, make, coordinator, body, field):
    person = make.person(leerroute="b1")
    payload = {**OFFICE_CLOSED, "audience": {"type": "list", "inburgeraarIds": [person.id]}, **body}
    with time_machine.travel(NOW, tick=False):
        response = client.post("/api/v1/broadcasts", json=payload, headers=coordinator)
    assert response.status_code == 400, response.text
    assert response.json()["field"].startswith(field)
    assert client.get("/api/v1/broadcasts", headers=coordinator).json() == []


def test_scheduled_broadcast_is_sent_by_the_tick_at_its_time_and_only_once(
    client, make, database, settings, db, coordinator
):
    people = [make.person(leerroute="b1") for _ in range(3)]
    send_at = datetime(2030, 3, 2, 11, 0, tzinfo=AMS)
    with time_machine.travel(NOW, tick=False):
        created = client.post(
            "/api/v1/broadcasts",
            headers=coordinator,
            json={
                **OFFICE_CLOSED,
                "audience": {"type": "leerroute", "leerroute": "b1"},
                "sendAt": send_at.isoformat(),
            },
        )
    broadcast = created.json()
    assert (broadcast["status"], broadcast["movedToWindow"], broadcast["stats"]) == ("scheduled", False, None)
    with time_machine.travel(NOW, tick=False):
        assert run_tick(database, settings, NOW).broadcasts == 0
    with time_machine.travel(send_at, tick=False):
        result = run_tick(database, settings, send_at)
        assert (result.broadcasts, result.messages) == (1, 3)
        assert run_tick(database, settings, send_at).broadcasts == 0
        shown = client.get(f"/api/v1/broadcasts/{broadcast['id']}", headers=coordinator).json()
    assert shown["status"] == "sent"
    assert shown["stats"]["recipients"] == 3 and shown["stats"]["messages"]["queued"] == 3
    assert len(list(db.scalars(select(Message).where(Message.kind == "broadcast")))) == len(people)


def test_send_now_in_the_evening_waits_for_the_send_window(client, make, database, settings, coordinator):
    make.person(leerroute="b1")
    with time_machine.travel(EVENING, tick=False):
        created = client.post(
            "/api/v1/broadcasts",
            headers=coordinator,
            json={**OFFICE_CLOSED, "audience": {"type": "leerroute", "leerroute": "b1"}},
        ).json()
        assert run_tick(database, settings, EVENING).broadcasts == 0
    assert created["movedToWindow"] is True
    assert datetime.fromisoformat(created["sendAt"]) == datetime(2030, 3, 2, 9, 0, tzinfo=AMS)


def test_cancelled_broadcast_never_goes_out_and_a_sent_one_cannot_be_cancelled(
    client, make, database, settings, db, coordinator
):
    make.person(leerroute="b1")
    rule = {"type": "leerroute", "leerroute": "b1"}
    with time_machine.travel(NOW, tick=False):
        later = client.post(
            "/api/v1/broadcasts",
            headers=coordinator,
            json={**OFFICE_CLOSED, "audience": rule, "sendAt": "2030-03-02T10:00:00+01:00"},
        ).json()
        cancelled = client.post(f"/api/v1/broadcasts/{later['id']}/cancel", headers=coordinator)
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        again = client.post(f"/api/v1/broadcasts/{later['id']}/cancel", headers=coordinator)
        assert again.status_code == 409 and again.json()["code"] == "already_cancelled"
        now = client.post(
            "/api/v1/broadcasts", headers=coordinator, json={**OFFICE_CLOSED, "audience": rule}
        ).json()
        run_tick(database, settings, NOW)
        too_late = client.post(f"/api/v1/broadcasts/{now['id']}/cancel", headers=coordinator)
        assert too_late.status_code == 409 and too_late.json()["code"] == "already_sent"
    later_time = datetime(2030, 3, 2, 10, 0, tzinfo=AMS)
    with time_machine.travel(later_time, tick=False):
        assert run_tick(database, settings, later_time).broadcasts == 0
    assert recipients_of(db, later["id"]) == {}


def test_delivery_statistics_count_messages_by_status_and_skipped_people(
    client, make, database, settings, db, coordinator
):
    people = [make.person(leerroute="b1") for _ in range(4)]
    make.person(leerroute="b1", consent_state="opted_out")
    with time_machine.travel(NOW, tick=False):
        created = client.post(
            "/api/v1/broadcasts",
            headers=coordinator,
            json={**OFFICE_CLOSED, "audience": {"type": "leerroute", "leerroute": "b1"}},
        ).json()
        run_tick(database, settings, NOW)
    ids = sorted(db.scalars(select(Message.id).where(Message.kind == "broadcast")))
    assert len(ids) == len(people)
    db.execute(update(Message).where(Message.id.in_(ids[:2])).values(status="delivered"))
    db.execute(update(Message).where(Message.id == ids[2]).values(status="failed"))
    db.commit()
    stats = client.get(f"/api/v1/broadcasts/{created['id']}", headers=coordinator).json()["stats"]
    assert stats["recipients"] == 4
    assert {k: v for k, v in stats["messages"].items() if v} == {"delivered": 2, "failed": 1, "queued": 1}
    assert stats["skipped"] == {"optedOut": 1, "noChannel": 0}
    assert stats["progress"] == 0.75


def test_each_recipient_reads_the_broadcast_in_their_own_language(
    client, make, database, settings, db, coordinator
):
    people = {lang: make.person(language=lang, leerroute="b1") for lang in ("nl", "en", "ar")}
    with time_machine.travel(NOW, tick=False):
        client.post(
            "/api/v1/broadcasts",
            headers=coordinator,
            json={**OFFICE_CLOSED, "audience": {"type": "leerroute", "leerroute": "b1"}},
        )
        run_tick(database, settings, NOW)
    rows = {r.inburgeraar_id: r for r in db.scalars(select(BroadcastRecipient))}
    bodies = {lang: db.get(Message, rows[p.id].message_id) for lang, p in people.items()}
    assert "12 maart 2030" in bodies["nl"].body
    assert "12 March 2030" in bodies["en"].body
    assert (
        bodies["ar"].language == "ar" and "\u2068" in bodies["ar"].body
    )  # dates isolated in right-to-left text
