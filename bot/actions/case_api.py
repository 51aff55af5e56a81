"""HTTP client for the case API's bot endpoints (docs/bot-contract.md, "Case API endpoints for the actions").

Every fact about a person comes from here and every change goes here; the bot stores nothing itself.
Connection errors, timeouts and 5xx become `CaseApiUnavailable`; other 4xx answers become `CaseApiError`
with the problem+json `code`, so actions can map them to a reply and never raise.
"""

from __future__ import annotations

import asyncio
import logging
import os
from contextvars import ContextVar
from typing import Any
from urllib.parse import quote

import aiohttp

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
DEFAULT_TOKEN = "dev-bot-token"
TIMEOUT_SECONDS = 3.0
# The gateway's request id for the turn being handled (set by action_server.py), sent as X-Request-ID.
REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)


class CaseApiUnavailable(Exception):
    """The case API could not be reached, timed out, or answered with a server error."""


class CaseApiError(Exception):
    """The case API refused the request (4xx).

    Attributes:
        status: HTTP status code.
        code: The problem's `code` (e.g. "wrong_code", "too_early"), if any.
    """

    def __init__(self, status: int, code: str | None = None, title: str | None = None) -> None:
        super().__init__(f"case API answered {status} ({code or title or 'no detail'})")
        self.status = status
        self.code = code


class CaseApi:
    """The bot endpoints of the case API, on behalf of one conversation (`senderId`)."""

    def __init__(
        self,
        sender_id: str,
        base_url: str | None = None,
        token: str | None = None,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        # Read the environment per instance so a test or a restarted action server picks up changes.
        self.base_url = (base_url or os.environ.get("CASE_API_URL") or DEFAULT_BASE_URL).rstrip("/")
        self.token = token or os.environ.get("BOT_SERVICE_TOKEN") or DEFAULT_TOKEN
        self.sender_id = sender_id
        self.timeout = timeout

    async def profile(self) -> dict[str, Any]:
        """GET the person's profile (language, law, PIP and term dates, route, klantmanager)."""
        return await self._request("GET", "profile")

    async def appointments(self) -> dict[str, Any]:
        """GET upcoming appointments, soonest first, with `contextAppointmentId`."""
        return await self._request("GET", "appointments")

    async def record_attendance(
        self,
        appointment_id: int,
        action: str,
        reason: str | None = None,
        details: str | None = None,
        check_in_code: str | None = None,
    ) -> dict[str, Any]:
        """POST an attendance action: confirm, report_absence, request_reschedule or check_in."""
        body = {
            "appointmentId": appointment_id,
            "action": action,
            "reason": reason,
            "details": details,
            "checkInCode": check_in_code,
        }
        return await self._request("POST", "attendance", body)

    async def escalate(self, reason: str, urgent: bool = False, summary: str | None = None) -> dict[str, Any]:
        """POST an escalation so a person in the inbox picks the conversation up."""
        return await self._request(
            "POST", "escalations", {"reason": reason, "urgent": urgent, "summary": summary}
        )

    async def set_language(self, language: str) -> dict[str, Any]:
        """PUT the person's preferred language."""
        return await self._request("PUT", "language", {"language": language})

    async def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        url = f"{self.base_url}/api/v1/bot/{quote(self.sender_id, safe='')}/{path}"
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        if REQUEST_ID.get():
            headers["X-Request-ID"] = REQUEST_ID.get()
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout)) as session:
                async with session.request(method, url, json=body, headers=headers) as response:
                    status = response.status
                    try:
                        payload = await response.json(content_type=None)
                    except ValueError:
                        payload = None
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            logger.warning(
                "case_api_unavailable method=%s path=%s error=%s", method, path, type(exc).__name__
            )
            raise CaseApiUnavailable(f"{method} {path}: {type(exc).__name__}") from exc

        if status >= 500:
            logger.warning("case_api_unavailable method=%s path=%s status=%s", method, path, status)
            raise CaseApiUnavailable(f"{method} {path}: {status}")
        if status >= 400:
            problem = payload if isinstance(payload, dict) else {}
            logger.info(
                "case_api_refused method=%s path=%s status=%s code=%s",
                method,
                path,
                status,
                problem.get("code"),
            )
            raise CaseApiError(status, problem.get("code"), problem.get("title"))
        if not isinstance(payload, dict):
            # A 2xx without a JSON object means something between us and the API is wrong; treat it as down.
            logger.warning("case_api_bad_body method=%s path=%s status=%s", method, path, status)
            raise CaseApiUnavailable(f"{method} {path}: no JSON object")
        return payload
