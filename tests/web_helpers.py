"""Helpers shared by the web UI tests: log in through the real form, read CSRF tokens from pages."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from fastapi.testclient import TestClient

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def login(client: TestClient, email: str, password: str = PASSWORD, *, next_path: str = "/ui/"):
    form = client.get("/ui/login")
    assert form.status_code == 200
    return client.post(
        "/ui/login",
        data={"email": email, "password": password, "csrf_token": csrf_of(form.text), "next": next_path},
        follow_redirects=False,
    )


def post_form(client: TestClient, page_path: str, action: str, data: dict | None = None):
    """POST a form the way the browser does: with the CSRF token from the page it sits on."""
    page = client.get(page_path)
    assert page.status_code == 200, page.text[:500]
    form = {"csrf_token": csrf_of(page.text), **(data or {})}
    return client.post(action, data=form, follow_redirects=False)


def inbound(db, person, body: str, *, channel: str = "sms", at=None, **kw):
    """An inbound message as the gateway stores it (with what the bot understood), committed."""
    from api.db import utcnow
    from api.messaging.models import Message
    from api.messaging.service import conversation_for

    conversation = conversation_for(db, person)
    when = at or utcnow()
    message = Message(
        conversation_id=conversation.id,
        direction="in",
        channel=channel,
        kind="person",
        body=body,
        status="processed",
        created_at=when,
        **kw,
    )
    conversation.last_inbound_at = when
    conversation.last_channel = channel
    if channel == "whatsapp":
        conversation.last_whatsapp_inbound_at = when
    db.add(message)
    db.commit()
    return message


def outbound(db, person, body: str, *, kind: str = "bot_reply", at=None, **kw):
    """An outgoing message (the bot's reply by default) in the person's conversation, committed."""
    from api.db import utcnow
    from api.messaging.models import Message
    from api.messaging.service import conversation_for

    message = Message(
        conversation_id=conversation_for(db, person).id,
        direction="out",
        channel=kw.pop("channel", "sms"),
        kind=kind,
        body=body,
        status=kw.pop("status", "delivered"),
        created_at=at or utcnow(),
        **kw,
    )
    db.add(message)
    db.commit()
    return message


def escalate(
    db,
    person,
    *,
    reason: str = "request_human",
    urgent: bool = False,
    summary: str | None = None,
    created_at=None,
):
    from api.messaging.service import conversation_for
    from api.tasks.service import open_escalation

    escalation = open_escalation(
        db,
        conversation_for(db, person).id,
        inburgeraar_id=person.id,
        reason=reason,
        urgent=urgent,
        summary=summary,
    )
    if created_at is not None:
        escalation.created_at = created_at
    db.commit()
    return escalation


def open_browsers(app) -> Iterator[Callable[..., TestClient]]:
    """Body of each test module's `web` fixture: `web()` anonymous, `web(staff)` logged in.

    They talk https, so the Secure session cookie flows as it would in production.
    """
    opened: list[TestClient] = []

    def open_browser(staff=None) -> TestClient:
        browser = TestClient(app, base_url="https://testserver", raise_server_exceptions=False)
        browser.__enter__()
        opened.append(browser)
        if staff is not None:
            response = login(browser, staff.email)
            assert response.status_code == 303, response.text[:500]
        return browser

    yield open_browser
    for browser in opened:
        browser.__exit__(None, None, None)
