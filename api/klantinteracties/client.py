"""The Klantinteracties API over HTTP: token authentication, the calls the export makes, error meanings.

A failure is a `RegisterError` that says whether another attempt can help: timeouts, refused connections,
408, 429 and 5xx can; any other 4xx cannot (the register refuses the request as it is, so coordinators
must see it). Error details keep field names and codes from the register's answer, never values.
"""

from __future__ import annotations

from typing import Any

import httpx

from api.settings import Settings

RETRYABLE_STATUS = frozenset({408, 425, 429})


class RegisterError(Exception):
    def __init__(self, code: str, detail: str, *, retryable: bool) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code[:16]
        self.detail = detail[:300]
        self.retryable = retryable


def _problem(response: httpx.Response) -> str:
    """The register's reason without echoing what we sent: title, then each invalid field's name and code."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or "error"
    if not isinstance(body, dict):
        return response.reason_phrase or "error"
    params = body.get("invalidParams") or body.get("validation") or []
    fields = []
    for param in params if isinstance(params, list) else []:
        if isinstance(param, dict):
            name = param.get("name") or ".".join(str(p) for p in param.get("location") or [])
            fields.append(f"{name}:{param.get('code', '')}")
    title = str(body.get("title") or response.reason_phrase or "error")
    return "; ".join([title, *fields])


class RegisterClient:
    """One connection pool to the register; `close()` when done."""

    def __init__(self, settings: Settings, transport: httpx.BaseTransport | None = None) -> None:
        self.http = httpx.Client(
            base_url=settings.klantinteracties_url.rstrip("/"),
            headers={
                "Authorization": f"Token {settings.klantinteracties_token}",
                "Accept": "application/json",
            },
            timeout=settings.klantinteracties_timeout_seconds,
            transport=transport,
        )

    def close(self) -> None:
        self.http.close()

    def request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise RegisterError("timeout", type(exc).__name__, retryable=True) from exc
        except httpx.TransportError as exc:
            raise RegisterError("unavailable", type(exc).__name__, retryable=True) from exc
        if response.status_code >= 400:
            retryable = response.status_code >= 500 or response.status_code in RETRYABLE_STATUS
            raise RegisterError(str(response.status_code), _problem(response), retryable=retryable)
        try:
            body = response.json()
        except ValueError as exc:  # a proxy's HTML page: the register may still have done it, so look again
            raise RegisterError("bad_response", "not JSON", retryable=True) from exc
        if not isinstance(body, dict):
            raise RegisterError("bad_response", "not an object", retryable=True)
        return body

    def create(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.request("POST", path, json=body)

    def update(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.request("PATCH", path, json=body)

    def search(self, path: str, **filters: str) -> list[dict[str, Any]]:
        """The first page of a filtered list (our filters match one or two objects)."""
        results = self.request("GET", path, params=filters).get("results")
        return [r for r in results if isinstance(r, dict)] if isinstance(results, list) else []


def uuid_of(reference: Any) -> str | None:
    """The uuid of a foreign key object ({"uuid": ..., "url": ...}), or None."""
    if isinstance(reference, dict) and isinstance(reference.get("uuid"), str):
        return reference["uuid"]
    return None
