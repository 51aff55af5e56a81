"""The case API client: contract paths and auth, and every failure mapped to a typed exception."""

from __future__ import annotations

import asyncio

import pytest

from actions.case_api import CaseApi, CaseApiError, CaseApiUnavailable
from support import SENDER, TOKEN


def test_requests_go_to_the_senders_path_with_the_bot_token(case_api):
    case_api.on("POST", "attendance", {"appointmentId": 7, "status": "confirmed", "late": False})

    result = asyncio.run(CaseApi(SENDER).record_attendance(7, "confirm"))

    assert result["status"] == "confirmed"
    [request] = case_api.requests
    assert request.path == f"/api/v1/bot/{SENDER}/attendance"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.body == {
        "appointmentId": 7,
        "action": "confirm",
        "reason": None,
        "details": None,
        "checkInCode": None,
    }


def test_language_is_stored_with_put(case_api):
    case_api.on("PUT", "language", {"language": "ti"})

    asyncio.run(CaseApi(SENDER).set_language("ti"))

    assert case_api.sent("PUT", "language")[0].body == {"language": "ti"}


def test_server_error_means_unavailable(case_api):
    case_api.on("GET", "profile", {"title": "boom"}, status=503)

    with pytest.raises(CaseApiUnavailable):
        asyncio.run(CaseApi(SENDER).profile())


def test_refused_connection_means_unavailable(api_down):
    with pytest.raises(CaseApiUnavailable):
        asyncio.run(CaseApi(SENDER).profile())


def test_slow_answer_times_out_as_unavailable(case_api):
    case_api.on("GET", "appointments", {"appointments": []}, delay=1.0)

    with pytest.raises(CaseApiUnavailable):
        asyncio.run(CaseApi(SENDER, timeout=0.2).appointments())


def test_default_timeout_is_three_seconds():
    assert CaseApi(SENDER).timeout == 3.0


def test_conflict_carries_the_problem_code(case_api):
    case_api.on("POST", "attendance", {"title": "Conflict", "status": 409, "code": "wrong_code"}, status=409)

    with pytest.raises(CaseApiError) as refused:
        asyncio.run(CaseApi(SENDER).record_attendance(7, "check_in", check_in_code="0000"))

    assert (refused.value.status, refused.value.code) == (409, "wrong_code")


def test_a_body_that_is_not_json_means_unavailable(case_api):
    case_api.on("GET", "profile", raw=b"<html>proxy error</html>")

    with pytest.raises(CaseApiUnavailable):
        asyncio.run(CaseApi(SENDER).profile())
