"""Broadcasts: the right audience, in each person's language, previewed with cost, sent once, cancellable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select, update

from api.audit.models import AuditEvent
from api.broadcasts.models import Broadcast, BroadcastRecipient
from api.broadcasts.previews import PREVIEW_VALID
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
    make.person(km, name="Nummer van een ander", language="nl", phone_disputed_at=NOW)  # a recycled number
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            "/api/v1/broadcasts/preview",
            json={**OFFICE_CLOSED, "audience": {"type": "caseload", "klantmanagerId": km.id}},
            headers=coordinator,
        )
    assert response.status_code == 200, response.text
    preview = response.json()
    assert preview["recipients"] == 5
    assert preview["excluded"] == {"optedOut": 1, "noChannel": 1, "numberDisputed": 1, "leftCaseload": 0}
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
    channels = {c["channel"]: c for c in preview["channels"]}
    assert channels["sms"]["recipients"] == 4 and channels["sms"]["segments"] == sms_segments
    assert channels["whatsapp"] == {
        "channel": "whatsapp",
        "recipients": 1,
        "segments": 0,
        "estimatedCost": {"amount": 0.05, "currency": "EUR"},
    }


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
    assert set(recipients_of(db, later["id"]).values()) == {("cancelled", None)}
    texts = db.scalars(select(BroadcastRecipient.text).where(BroadcastRecipient.broadcast_id == later["id"]))
    assert set(texts) == {None}  # nothing goes out, so the rendered texts (with names) are not kept


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
    assert stats["skipped"] == {"optedOut": 1, "noChannel": 0, "numberDisputed": 0, "leftCaseload": 0}
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


# --- the preview is what is sent (ADR 0020) -----------------------------------------------------------


def _preview(client, headers, body):
    response = client.post("/api/v1/broadcasts/preview", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _confirm(client, headers, body, preview, **changes):
    payload = {**body, "previewId": preview["previewId"], "fingerprint": preview["fingerprint"], **changes}
    return client.post("/api/v1/broadcasts", json=payload, headers=headers)


def test_the_messages_sent_are_the_previewed_ones_to_the_previewed_people(
    client, make, database, settings, db, coordinator
):
    km, _ = make.staff()
    first = make.person(km, name="Amina", language="ar", leerroute="b1")
    second = make.person(km, name="Bram", language="nl", leerroute="b1")
    leaving = make.person(km, name="Chris", language="nl", leerroute="b1")
    body = {**OFFICE_CLOSED, "audience": {"type": "leerroute", "leerroute": "b1"}}
    with time_machine.travel(NOW, tick=False):
        preview = _preview(client, coordinator, body)
        # After the preview: someone joins the audience, someone opts out. Neither changes the preview's
        # messages; the newcomer was not previewed, the one who opted out is skipped.
        newcomer = make.person(km, name="Dina", language="nl", leerroute="b1")
        leaving.consent_state = "opted_out"
        db.commit()
        created = _confirm(client, coordinator, body, preview)
        assert created.status_code == 201, created.text
        run_tick(database, settings, NOW)
    assert recipients_of(db, created.json()["id"]) == {
        first.id: ("queued", None),
        second.id: ("queued", None),
        leaving.id: ("skipped", "opted_out"),
    }
    assert newcomer.id not in recipients_of(db, created.json()["id"])
    sent = {
        m.language: m.body
        for m in db.scalars(select(Message).where(Message.kind == "broadcast").order_by(Message.id))
    }
    previewed = {lang["language"]: lang["text"] for lang in preview["languages"]}
    assert sent == {"ar": previewed["ar"], "nl": previewed["nl"]}


def test_a_preview_is_sent_as_it_was_made_even_when_the_template_would_render_differently_now(
    client, make, database, settings, db, coordinator
):
    """The record is sent, not re-rendered: a name changed after the preview does not change the text."""
    person = make.person(name="Amina", leerroute="b1")
    body = {**OFFICE_CLOSED, "audience": {"type": "list", "inburgeraarIds": [person.id]}}
    with time_machine.travel(NOW, tick=False):
        preview = _preview(client, coordinator, body)
        person.name = "Amina Haddad"
        db.commit()
        assert _confirm(client, coordinator, body, preview).status_code == 201
        run_tick(database, settings, NOW)
    (message,) = db.scalars(select(Message).where(Message.kind == "broadcast"))
    assert message.body == preview["languages"][0]["text"] and "Hallo Amina." in message.body


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"audience": "caseload"}, "audience"),
        ({"variables": {"date": "2030-03-13"}}, "variables.date"),
        ({"sendAt": "2030-03-02T10:00:00+01:00"}, "sendAt"),
        ({"template": "call_us", "variables": {}}, "template"),
        ({"fingerprint": "0" * 64}, "fingerprint"),
    ],
    ids=["audience-one-person-to-caseload", "date", "send-time", "template", "fingerprint"],
)
def test_a_confirmation_that_differs_from_its_preview_is_refused_and_nothing_is_scheduled(
    client, make, db, coordinator, change, field
):
    km, _ = make.staff()
    person = make.person(km)
    make.person(km)
    body = {**OFFICE_CLOSED, "audience": {"type": "list", "inburgeraarIds": [person.id]}}
    if change.get("audience") == "caseload":
        change = {"audience": {"type": "caseload", "klantmanagerId": km.id}}
    with time_machine.travel(NOW, tick=False):
        preview = _preview(client, coordinator, body)
        response = _confirm(client, coordinator, body, preview, **change)
    assert response.status_code == 409, response.text
    assert (response.json()["code"], response.json()["field"]) == ("preview_changed", field)
    assert client.get("/api/v1/broadcasts", headers=coordinator).json() == []


def test_confirming_the_same_preview_twice_schedules_it_once(client, make, db, coordinator):
    person = make.person()
    body = {**OFFICE_CLOSED, "audience": {"type": "list", "inburgeraarIds": [person.id]}}
    with time_machine.travel(NOW, tick=False):
        preview = _preview(client, coordinator, body)
        first = _confirm(client, coordinator, body, preview)
        second = _confirm(client, coordinator, body, preview)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"] == preview["previewId"]
    assert len(client.get("/api/v1/broadcasts", headers=coordinator).json()) == 1
    creates = db.scalars(select(AuditEvent).where(AuditEvent.action == "create")).all()
    assert [e.object_type for e in creates] == ["broadcast"]


def test_a_preview_expires_and_the_broadcast_job_deletes_it(
    client, make, database, settings, db, coordinator
):
    person = make.person()
    body = {**OFFICE_CLOSED, "audience": {"type": "list", "inburgeraarIds": [person.id]}}
    with time_machine.travel(NOW, tick=False):
        preview = _preview(client, coordinator, body)
    later = NOW + PREVIEW_VALID + timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        response = _confirm(client, coordinator, body, preview)
        assert response.status_code == 409 and response.json()["code"] == "preview_expired"
        run_tick(database, settings, later)
    db.expire_all()
    assert db.get(Broadcast, preview["previewId"]) is None
    assert recipients_of(db, preview["previewId"]) == {}


def test_another_staff_members_preview_cannot_be_sent(client, make, coordinator):
    person = make.person()
    _, colleague = make.staff("coordinator")
    body = {**OFFICE_CLOSED, "audience": {"type": "list", "inburgeraarIds": [person.id]}}
    with time_machine.travel(NOW, tick=False):
        preview = _preview(client, coordinator, body)
        response = _confirm(client, colleague, body, preview)
    assert response.status_code == 404


def test_the_preview_says_when_a_later_broadcast_goes_out_and_it_goes_out_then(
    client, make, database, settings, db, coordinator
):
    make.person(leerroute="b1")
    chosen = datetime(2030, 3, 4, 14, 30, tzinfo=AMS)
    body = {
        **OFFICE_CLOSED,
        "audience": {"type": "leerroute", "leerroute": "b1"},
        "sendAt": chosen.isoformat(),
    }
    with time_machine.travel(NOW, tick=False):
        preview = _preview(client, coordinator, body)
        assert datetime.fromisoformat(preview["sendAt"]) == chosen
        created = _confirm(client, coordinator, body, preview).json()
    assert datetime.fromisoformat(created["sendAt"]) == chosen
    with time_machine.travel(chosen - timedelta(minutes=1), tick=False):
        assert run_tick(database, settings, chosen - timedelta(minutes=1)).broadcasts == 0
    with time_machine.travel(chosen, tick=False):
        assert run_tick(database, settings, chosen).broadcasts == 1


def test_a_later_time_that_passed_before_the_confirmation_is_refused(client, make, coordinator):
    make.person(leerroute="b1")
    chosen = NOW + timedelta(minutes=20)
    body = {
        **OFFICE_CLOSED,
        "audience": {"type": "leerroute", "leerroute": "b1"},
        "sendAt": chosen.isoformat(),
    }
    with time_machine.travel(NOW, tick=False):
        preview = _preview(client, coordinator, body)
    with time_machine.travel(chosen + timedelta(minutes=10), tick=False):
        response = _confirm(client, coordinator, body, preview)
    assert response.status_code == 400 and response.json()["field"] == "sendAt"


def test_send_now_previewed_in_the_window_is_refused_when_the_window_closed_before_the_confirmation(
    client, make, coordinator
):
    make.person(leerroute="b1")
    body = {**OFFICE_CLOSED, "audience": {"type": "leerroute", "leerroute": "b1"}}
    with time_machine.travel(NOW, tick=False):
        preview = _preview(client, coordinator, body)
    with time_machine.travel(EVENING, tick=False):
        response = _confirm(client, coordinator, body, preview)
    assert response.status_code == 409 and response.json()["code"] == "send_time_moved"


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"variables": {"date": "2030-02-28"}}, "variables.date", "event_past"),
        (
            {"variables": {"date": "2030-03-02"}, "sendAt": "2030-03-03T10:00:00+01:00"},
            "sendAt",
            "after_event",
        ),
        ({"sendAt": "2030-03-01T08:00:00+01:00"}, "sendAt", "send_at_past"),
        ({"sendAt": "2031-06-01T10:00:00+02:00"}, "sendAt", "send_at_too_late"),
    ],
    ids=["date-already-past", "would-go-out-after-the-date", "send-time-past", "more-than-a-year-ahead"],
)
def test_a_preview_about_a_past_date_or_at_an_impossible_time_is_refused(
    client, make, db, coordinator, body, field, code
):
    person = make.person()
    payload = {**OFFICE_CLOSED, "audience": {"type": "list", "inburgeraarIds": [person.id]}, **body}
    with time_machine.travel(NOW, tick=False):
        response = client.post("/api/v1/broadcasts/preview", json=payload, headers=coordinator)
    assert response.status_code == 400, response.text
    assert (response.json()["field"], response.json()["code"]) == (field, code)
    assert db.scalar(select(Broadcast)) is None  # no preview record either


def test_a_reminder_for_an_appointment_that_already_started_is_refused_naming_the_appointment(
    client, make, coordinator
):
    person = make.person()
    appointment = make.appointment([person], starts_at=NOW - timedelta(hours=1))
    body = {
        "template": "appointment_reminder",
        "audience": {"type": "appointment", "appointmentId": appointment.id},
    }
    with time_machine.travel(NOW, tick=False):
        response = client.post("/api/v1/broadcasts/preview", json=body, headers=coordinator)
    assert response.status_code == 400
    assert response.json()["field"] == "audience.appointmentId"


def test_someone_who_left_the_caseload_before_the_send_is_skipped(client, make, database, settings, db):
    km, km_headers = make.staff()
    other, _ = make.staff()
    stays, moves = make.person(km), make.person(km)
    body = {**OFFICE_CLOSED, "audience": {"type": "caseload", "klantmanagerId": km.id}}
    with time_machine.travel(NOW, tick=False):
        preview = _preview(client, km_headers, body)
        moves.klantmanager_id = other.id
        db.commit()
        created = _confirm(client, km_headers, body, preview).json()
        run_tick(database, settings, NOW)
    assert recipients_of(db, created["id"]) == {
        stays.id: ("queued", None),
        moves.id: ("skipped", "left_caseload"),
    }


def test_the_preview_is_an_audited_read_naming_the_people_listed(client, make, db, coordinator):
    people = [make.person(name=f"Persoon {n}") for n in range(3)]
    body = {**OFFICE_CLOSED, "audience": {"type": "list", "inburgeraarIds": [p.id for p in people]}}
    with time_machine.travel(NOW, tick=False):
        preview = _preview(client, coordinator, body)
    (event,) = db.scalars(select(AuditEvent).where(AuditEvent.action == "preview"))
    assert event.object_id == str(preview["previewId"])
    assert sorted(event.detail["inburgeraars"]) == sorted(p.id for p in people)
