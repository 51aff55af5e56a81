"""The team inbox (ADR 0019): who sees which question and how much of it, covering for a colleague, handing a
question on, the views, search, the unread marker per staff member, and the fingerprint the page polls."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.audit.models import AuditEvent
from api.auth import Principal, principal_for_staff
from api.db import utcnow
from api.errors import Conflict
from api.inbox import service as inbox
from api.inbox.models import StaffNotification
from api.messaging.conversations import conversation_for
from api.tasks import service as tasks
from api.tasks import visibility
from api.tasks.models import Escalation
from api.tasks.visibility import Access
from tests.web_helpers import csrf_of, escalate, inbound, open_browsers, post_form


@pytest.fixture
def web(app):
    yield from open_browsers(app)


def _names(html: str) -> list[str]:
    return re.findall(r'<th scope="row">\s*(?:<a href="[^"]+">)?<bdi>([^<]+)</bdi>', html)


@dataclass
class Team:
    own: object  # Staff: the person's klantmanager
    colleague: object  # same team
    stranger: object  # another team's klantmanager
    coordinator: object  # same team
    other_coordinator: object


@pytest.fixture
def team(make) -> Team:
    return Team(
        own=make.staff(team="Noord", name="Anna Eigen")[0],
        colleague=make.staff(team="Noord", name="Bart Collega")[0],
        stranger=make.staff(team="Zuid", name="Cees Ander")[0],
        coordinator=make.staff("coordinator", team="Noord", name="Dina Coordinator")[0],
        other_coordinator=make.staff("coordinator", team="Zuid")[0],
    )


def _as(staff) -> Principal:  # noqa: ANN001 - a Staff row
    return principal_for_staff(staff)


def _case(kind: str, team: Team, make, db) -> Escalation:  # noqa: ANN001 - fixtures
    """One escalation of the situation the visibility rule distinguishes."""
    if kind == "unknown-number":
        from api.messaging.models import Conversation

        conversation = Conversation(phone="+31611112222")
        db.add(conversation)
        db.flush()
        escalation = tasks.open_escalation(
            db, conversation.id, inburgeraar_id=None, reason="crisis", urgent=True
        )
        db.commit()
        return escalation
    owner = None if kind == "no-klantmanager" else team.own
    person = make.person(owner, name="Amina Haddad")
    escalation = escalate(db, person, urgent=kind != "normal")
    if kind == "urgent-claimed":
        escalation.status, escalation.assignee_id = "claimed", team.own.id
    if kind == "handed-to-colleague":
        escalation.urgent, escalation.assignee_id = False, team.colleague.id
    if kind == "resolved-by-colleague":
        escalation.status, escalation.assignee_id = "resolved", team.colleague.id
        escalation.resolved_at = utcnow()
    db.commit()
    return escalation


VISIBILITY = [
    # situation, viewer, access
    ("normal", "own", Access.full),
    ("normal", "colleague", Access.none),
    ("normal", "coordinator", Access.row),
    ("normal", "other_coordinator", Access.none),
    ("urgent", "colleague", Access.row),
    ("urgent", "stranger", Access.none),
    ("urgent-claimed", "colleague", Access.none),
    ("urgent-claimed", "own", Access.full),
    ("handed-to-colleague", "colleague", Access.full),
    ("handed-to-colleague", "own", Access.full),
    ("resolved-by-colleague", "colleague", Access.row),
    ("resolved-by-colleague", "own", Access.full),
    ("no-klantmanager", "stranger", Access.row),
    ("no-klantmanager", "coordinator", Access.row),
    ("unknown-number", "stranger", Access.full),
    ("unknown-number", "other_coordinator", Access.row),
]


@pytest.mark.parametrize(
    ("situation", "viewer", "expected"), VISIBILITY, ids=[f"{s}-{v}" for s, v, _ in VISIBILITY]
)
def test_who_sees_what_of_a_question_and_the_lists_agree_with_the_checks(
    team, make, db, situation, viewer, expected
):
    escalation = _case(situation, team, make, db)
    actor = _as(getattr(team, viewer))
    assert visibility.access(db, actor, escalation.id) == expected
    view = inbox.View.resolved if escalation.status == "resolved" else inbox.View.all
    rows = {row.escalation.id: row for row in inbox.inbox(db, actor, view).rows}
    assert (escalation.id in rows) == (expected != Access.none)
    if escalation.id in rows:
        assert rows[escalation.id].whole == (expected == Access.full)


def test_the_admin_sees_no_question():
    admin = Principal(kind="admin", role="admin")
    assert str(visibility.whole(admin)) == "false" and str(visibility.visible(admin, "")) == "false"


def test_a_colleague_sees_an_urgent_question_as_a_row_without_what_was_written(web, team, make, db):
    person = make.person(team.own, name="Amina Haddad", phone="+31612345001")
    inbound(db, person, "Ik ben in paniek, bel me", intent="urgent_help")
    escalate(db, person, urgent=True, summary="crisis:danger")
    html = web(team.colleague).get("/ui/inbox?view=urgent").text
    assert _names(html) == ["Amina Haddad"]
    assert "Klantmanager: Anna Eigen" in html and "Zichtbaar na oppakken" in html
    assert "Ik ben in paniek" not in html and "gevaar" not in html and "+31612345001" not in html
    assert f'href="/ui/people/{person.id}/conversation"' not in html  # not theirs yet
    own = web(team.own).get("/ui/inbox?view=urgent").text
    assert "Ik ben in paniek" in own and "Crisissignaal: gevaar" in own
    assert "Laatste bericht: Vraagt dringend om hulp" in own


def test_taking_an_urgent_question_opens_the_conversation_to_the_colleague_while_it_is_open(
    web, team, make, db
):
    person = make.person(team.own, name="Amina Haddad")
    inbound(db, person, "Help, ik kan niet naar huis")
    escalation = escalate(db, person, urgent=True)
    browser = web(team.colleague)
    conversation = f"/ui/people/{person.id}/conversation"
    assert browser.get(conversation).status_code == 403

    taken = post_form(
        browser, "/ui/inbox?view=urgent", f"/ui/escalations/{escalation.id}/claim", {"next": conversation}
    )
    assert taken.status_code == 303 and taken.headers["location"] == f"{conversation}?done=claimed"
    page = browser.get(conversation)
    assert page.status_code == 200 and "Help, ik kan niet naar huis" in page.text
    db.refresh(escalation)
    assert (escalation.status, escalation.assignee_id) == ("claimed", team.colleague.id)
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "claim"))
    assert (event.actor, event.object_id) == (f"staff:{team.colleague.id}", str(escalation.id))

    replied = post_form(browser, conversation, f"/ui/people/{person.id}/reply", {"text": "Ik bel je nu."})
    assert replied.status_code == 303
    post_form(browser, conversation, f"/ui/escalations/{escalation.id}/resolve")
    db.refresh(escalation)
    assert escalation.status == "resolved"
    assert browser.get(conversation).status_code == 403  # covering ends with the question
    assert web(team.own).get(conversation).status_code == 200


def test_a_colleague_cannot_take_a_question_that_is_not_urgent(web, team, make, db):
    escalation = escalate(db, make.person(team.own))
    response = post_form(web(team.colleague), "/ui/inbox", f"/ui/escalations/{escalation.id}/claim")
    assert response.status_code == 403
    db.refresh(escalation)
    assert escalation.status == "open" and escalation.assignee_id is None
    denied = db.scalar(select(AuditEvent).where(AuditEvent.result == "denied"))
    assert (denied.actor, denied.action, denied.object_id) == (
        f"staff:{team.colleague.id}",
        "claim",
        str(escalation.id),
    )


def test_taking_a_question_a_colleague_took_a_moment_ago_is_a_conflict_not_a_swap(team, make, db, database):
    escalation = escalate(db, make.person(team.own), urgent=True)
    with database.session() as slow:
        stale = slow.get(Escalation, escalation.id)  # the owner's request read it while it was open
        assert stale.status == "open"
        tasks.claim(db, _as(team.colleague), escalation.id)
        db.commit()
        with pytest.raises(Conflict) as raised:
            tasks.claim(slow, _as(team.own), escalation.id)
        assert raised.value.code == "taken"
    db.refresh(escalation)
    assert escalation.assignee_id == team.colleague.id


def test_a_coordinator_hands_a_question_to_a_colleague_audited_and_they_then_hold_it(web, team, make, db):
    person = make.person(team.own, name="Amina Haddad")
    inbound(db, person, "Kan iemand me bellen?")
    escalation = escalate(db, person, urgent=True)
    browser = web(team.coordinator)
    page = browser.get("/ui/team")
    assert page.status_code == 200 and _names(page.text) == ["Amina Haddad"]
    assert "Kan iemand me bellen?" not in page.text  # coordinators never see what was written
    options = re.findall(r'<option value="(\d+)"', page.text)
    assert sorted(int(o) for o in options) == sorted([team.own.id, team.colleague.id])  # not the other team

    response = browser.post(
        f"/ui/escalations/{escalation.id}/reassign",
        data={"csrf_token": csrf_of(page.text), "to": str(team.colleague.id), "next": "/ui/team?view=all"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/ui/team?view=all&done=reassigned"
    db.refresh(escalation)
    assert (escalation.status, escalation.assignee_id) == ("open", team.colleague.id)
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "reassign"))
    assert event.actor == f"staff:{team.coordinator.id}" and event.detail == {
        "previous_assignee": None,
        "to": team.colleague.id,
    }
    colleague = web(team.colleague)
    mine = colleague.get("/ui/inbox?view=mine").text
    assert _names(mine) == ["Amina Haddad"] and "Kan iemand me bellen?" in mine
    assert colleague.get(f"/ui/people/{person.id}/conversation").status_code == 200
    assert _names(web(team.own).get("/ui/inbox?view=mine").text) == []  # the own klantmanager: in "all"


@pytest.mark.parametrize("target", ["stranger", "coordinator", "nobody"])
def test_a_question_goes_only_to_an_active_klantmanager_of_the_team(web, team, make, db, target):
    escalation = escalate(db, make.person(team.own))
    to = {"stranger": team.stranger.id, "coordinator": team.coordinator.id, "nobody": "x"}[target]
    response = post_form(
        web(team.coordinator), "/ui/team", f"/ui/escalations/{escalation.id}/reassign", {"to": to}
    )
    assert response.status_code == 400 and "Kies een collega uit je team." in response.text
    db.refresh(escalation)
    assert escalation.assignee_id is None
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "reassign")) is None


def test_a_klantmanager_hands_on_only_questions_they_may_read(web, team, make, db):
    mine = escalate(db, make.person(team.colleague))
    browser = web(team.own)
    response = post_form(
        browser, "/ui/inbox", f"/ui/escalations/{mine.id}/reassign", {"to": team.colleague.id}
    )
    assert response.status_code == 403
    own = escalate(db, make.person(team.own))
    response = post_form(
        browser, "/ui/inbox", f"/ui/escalations/{own.id}/reassign", {"to": team.colleague.id}
    )
    assert response.status_code == 303
    db.refresh(own)
    assert own.assignee_id == team.colleague.id


def test_handing_on_writes_a_mail_for_the_new_klantmanager_only_when_mail_is_on(team, make, db, settings):
    escalation = escalate(db, make.person(team.own))
    inbox.reassign(db, _as(team.coordinator), escalation.id, team.colleague.id, settings)
    db.commit()
    assert db.scalars(select(StaffNotification)).all() == []
    on = settings.model_copy(update={"notify_by_email": True})
    inbox.reassign(db, _as(team.coordinator), escalation.id, team.own.id, on)
    inbox.reassign(db, _as(team.coordinator), escalation.id, team.colleague.id, on)
    inbox.reassign(db, _as(team.coordinator), escalation.id, team.own.id, on)  # a second hand-over to them
    db.commit()
    mails = db.scalars(select(StaffNotification).order_by(StaffNotification.id)).all()
    assert [(m.kind, m.recipient_id) for m in mails] == [
        ("reassigned", team.own.id),
        ("reassigned", team.colleague.id),
        ("reassigned", team.own.id),
    ]


def test_the_views_split_the_questions_and_count_them(team, make, db):
    now = utcnow()
    mine = escalate(db, make.person(team.own, name="Eigen open"), created_at=now - timedelta(minutes=9))
    urgent = escalate(db, make.person(team.own, name="Eigen dringend"), urgent=True)
    covering = escalate(db, make.person(team.colleague, name="Collega dringend"), urgent=True)
    handed = escalate(db, make.person(team.colleague, name="Aan mij gegeven"))
    handed.assignee_id = team.own.id
    claimed = escalate(db, make.person(team.own, name="Al opgepakt"))
    claimed.status, claimed.assignee_id = "claimed", team.colleague.id
    done = escalate(db, make.person(team.own, name="Klaar"))
    done.status, done.resolved_at = "resolved", now
    db.commit()
    actor = _as(team.own)

    def names(view: inbox.View) -> list[str]:
        return [row.person.name for row in inbox.inbox(db, actor, view).rows]

    assert names(inbox.View.all) == [
        "Eigen dringend",
        "Collega dringend",
        "Eigen open",
        "Aan mij gegeven",
        "Al opgepakt",
    ]
    assert names(inbox.View.mine) == ["Eigen dringend", "Eigen open", "Aan mij gegeven"]
    assert names(inbox.View.unassigned) == ["Eigen dringend", "Collega dringend", "Eigen open"]
    assert names(inbox.View.urgent) == ["Eigen dringend", "Collega dringend"]
    assert names(inbox.View.resolved) == ["Klaar"]
    assert inbox.state(db, actor).counts == {"all": 5, "mine": 3, "unassigned": 3, "urgent": 2}
    assert {mine.id, urgent.id, covering.id} <= {
        r.escalation.id for r in inbox.inbox(db, actor, inbox.View.all).rows
    }


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("amina", ["Amina Haddad"]),
        ("HADD", ["Amina Haddad"]),
        ("06 1234 5001", ["Amina Haddad"]),
        ("+31 6 12345001", ["Amina Haddad"]),
        ("0612345002", []),  # a colleague's person who is not urgent: search finds only what you may see
        ("100%_", []),
    ],
    ids=["name", "case", "national-phone", "international-phone", "not-visible", "wildcards"],
)
def test_search_finds_by_name_or_normalised_phone_within_what_one_may_see(team, make, db, query, found):
    escalate(db, make.person(team.own, name="Amina Haddad", phone="+31612345001"))
    escalate(db, make.person(team.colleague, name="Yonas Tesfay", phone="+31612345002"))
    escalate(db, make.person(team.own, name="Mehmet 100 procent", phone="+31612345003"))
    rows = inbox.inbox(db, _as(team.own), inbox.View.all, query).rows
    assert [row.person.name for row in rows] == found


def test_an_unknown_number_is_found_by_its_number_and_shown_to_whoever_may_read_it(web, make, db, team):
    _case("unknown-number", team, make, db)
    html = web(team.stranger).get("/ui/inbox?q=06-11112222").text
    assert "Onbekend nummer" in html and "+31611112222" in html
    assert "+31611112222" not in web(team.other_coordinator).get("/ui/team").text


def test_the_unread_marker_is_per_staff_member(web, team, make, db):
    person = make.person(team.own, name="Amina Haddad")
    inbound(db, person, "Eerste bericht")
    escalation = escalate(db, person, urgent=True)
    own, colleague = web(team.own), web(team.colleague)
    assert "Nog niet geopend" in own.get("/ui/inbox").text
    own.get(f"/ui/people/{person.id}/conversation")
    assert "Nog niet geopend" not in own.get("/ui/inbox").text
    inbound(db, person, "Nog een bericht")
    inbound(db, person, "En nog een")
    assert "2 nieuw" in own.get("/ui/inbox").text
    tasks.reassign(db, _as(team.coordinator), escalation.id, team.colleague.id)
    db.commit()
    assert "Nog niet geopend" in colleague.get("/ui/inbox").text  # the colleague has read nothing yet
    colleague.get(f"/ui/people/{person.id}/conversation")
    assert "Nog niet geopend" not in colleague.get("/ui/inbox").text
    assert "2 nieuw" in own.get("/ui/inbox").text  # the colleague's reading is not the own klantmanager's


def test_every_inbox_page_is_an_audited_read_naming_who_it_showed(web, team, make, db):
    person = make.person(team.own)
    escalate(db, person, urgent=True)
    for who, path in ((team.colleague, "/ui/inbox?view=urgent&q=Pers"), (team.coordinator, "/ui/team")):
        assert web(who).get(path).status_code == 200
        event = db.scalars(
            select(AuditEvent).where(AuditEvent.actor == f"staff:{who.id}", AuditEvent.action == "read")
        ).one()
        assert event.object_type == "escalation" and event.detail["inburgeraars"] == [person.id]


def test_the_live_fingerprint_changes_with_the_list_names_nobody_and_is_not_audited(web, team, make, db):
    person = make.person(team.own, name="Amina Haddad")
    escalate(db, person)
    browser = web(team.colleague)
    first = browser.get("/ui/inbox/state", headers={"X-Background": "1"})
    assert first.status_code == 200 and first.headers["cache-control"] == "no-store"
    assert first.json()["counts"] == {"all": 0, "mine": 0, "unassigned": 0, "urgent": 0}
    zahra = make.person(team.own, name="Zahra Ahmadi")
    escalate(db, zahra, urgent=True)
    second = browser.get("/ui/inbox/state", headers={"X-Background": "1"}).json()
    assert second["version"] != first.json()["version"] and second["counts"]["urgent"] == 1
    assert "Zahra" not in str(second) and "Amina" not in str(second)
    own = web(team.own)
    before = own.get("/ui/inbox/state").json()["version"]
    inbound(db, zahra, "Nieuw bericht")
    assert own.get("/ui/inbox/state").json()["version"] != before  # a new message changes the unread count
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "read")).all() == []


def test_the_page_polls_with_its_fingerprint_and_a_link_refreshes_without_javascript(web, team, make, db):
    escalate(db, make.person(team.own, name="Amina Haddad"))
    html = web(team.own).get("/ui/inbox?view=mine&q=Amina").text
    version = inbox.state(db, _as(team.own)).version
    assert f'data-version="{version}"' in html and 'data-state-url="/ui/inbox/state"' in html
    assert '<script src="/ui/static/inbox.js" defer></script>' in html
    assert '<a href="/ui/inbox?view=mine&amp;q=Amina">Vernieuwen</a>' in html


def test_background_polling_does_not_keep_an_idle_session_alive(web, team, db):
    from api.web.models import StaffSession

    browser = web(team.own)
    session = db.scalar(select(StaffSession))
    session.last_seen_at = utcnow() - timedelta(minutes=10)
    db.commit()
    before = session.last_seen_at
    assert browser.get("/ui/inbox/state", headers={"X-Background": "1"}).status_code == 200
    db.refresh(session)
    assert session.last_seen_at == before
    assert browser.get("/ui/inbox").status_code == 200
    db.refresh(session)
    assert session.last_seen_at > before


def test_the_team_page_is_for_coordinators_and_the_inbox_for_klantmanagers(web, team):
    assert web(team.own).get("/ui/team").status_code == 403
    assert web(team.coordinator).get("/ui/inbox").status_code == 403
    assert web(team.coordinator).get("/ui/inbox/state").status_code == 200


def test_an_unknown_view_falls_back_to_all(team, db):
    assert inbox.parse_view(_as(team.own), "nonsense") == inbox.View.all
    assert inbox.parse_view(_as(team.coordinator), "mine") == inbox.View.all


def test_marking_read_twice_keeps_the_furthest_point(team, make, db: Session):
    person = make.person(team.own)
    inbound(db, person, "een")
    actor = _as(team.own)
    inbox.mark_read(db, actor, person.id)
    inbox.mark_read(db, actor, person.id)
    db.commit()
    from api.inbox.models import ReadMark

    (mark,) = db.scalars(select(ReadMark)).all()
    assert mark.conversation_id == conversation_for(db, person).id and mark.last_read_message_id > 0


def test_the_admin_puts_a_new_staff_member_in_a_team(client, db):
    from tests.conftest import ADMIN

    created = client.post(
        "/api/v1/staff",
        json={"name": "Eva Nieuw", "email": "eva@gemeente.example", "role": "klantmanager", "team": "Noord "},
        headers=ADMIN,
    )
    assert created.status_code == 201, created.text
    assert created.json()["team"] == "Noord"
    too_long = client.post(
        "/api/v1/staff",
        json={"name": "X", "email": "x@gemeente.example", "role": "klantmanager", "team": "x" * 65},
        headers=ADMIN,
    )
    assert too_long.status_code == 400 and "team" in too_long.text
