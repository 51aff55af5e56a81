"""The Twilio REST transport: how an outbox row leaves the building through Twilio's Messages API.

`TwilioTransport` uses twilio 9's client with an HTTP client of our own: pooled httpx connections, a
strict timeout, and `TWILIO_API_BASE_URL` honoured so tests and benchmarks can point it at a local
double (Prism serving Twilio's OpenAPI document, or a hand-written double for error paths). Failures are
classified here and Twilio's statuses are reported in ours; what to do about them is the dispatcher's
business (api.messaging.outbox), which knows only the Transport protocol.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from twilio.base.exceptions import TwilioRestException
from twilio.http import HttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.rest import Client

from api.messaging.transports import Outgoing, SendFailed, Sent
from api.settings import Settings
from api.twilio import errors, statuses

TWILIO_API = "https://api.twilio.com"
_quiet = logging.getLogger("twilio.quiet")
_quiet.disabled = True  # the client's own logger would print request URLs with phone numbers


class BaseUrlHttpClient(HttpClient):
    """Twilio's HttpClient on httpx, sending requests for api.twilio.com to `base_url` instead."""

    def __init__(self, base_url: str, timeout: float, pool_size: int = 16) -> None:
        super().__init__(_quiet, is_async=False, timeout=timeout)
        self.base_url = base_url.rstrip("/")
        self.client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            limits=httpx.Limits(max_connections=pool_size, max_keepalive_connections=pool_size),
        )

    def request(
        self,
        method: str,
        uri: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> TwilioResponse:
        if uri.startswith(TWILIO_API):
            uri = self.base_url + uri[len(TWILIO_API) :]
        response = self.client.request(
            method,
            uri,
            params=params,  # type: ignore[arg-type]
            content=urlencode(data or {}, doseq=True) if data else None,
            headers=headers,
            auth=auth,
            follow_redirects=allow_redirects,
        )
        return TwilioResponse(response.status_code, response.text, response.headers)

    def close(self) -> None:
        self.client.close()


class TwilioTransport:
    """Sends through Twilio's Messages API with the Messaging Service, or the SMS/WhatsApp sender."""

    name = "twilio"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.http = BaseUrlHttpClient(settings.twilio_api_base_url, settings.twilio_timeout_seconds)
        self.client = Client(settings.twilio_account_sid, settings.twilio_auth_token, http_client=self.http)

    def _sender(self, message: Outgoing) -> dict[str, str]:
        if self.settings.twilio_messaging_service_sid:
            return {"messaging_service_sid": self.settings.twilio_messaging_service_sid}
        if message.channel == "whatsapp":
            return {"from_": self.settings.twilio_whatsapp_from}
        return {"from_": self.settings.twilio_sms_from}

    def send(self, message: Outgoing) -> Sent:
        kwargs: dict[str, Any] = {"to": message.to, **self._sender(message)}
        if message.status_callback:
            kwargs["status_callback"] = message.status_callback
        if message.content_sid:
            kwargs["content_sid"] = message.content_sid
            if message.content_variables:
                kwargs["content_variables"] = json.dumps(message.content_variables, ensure_ascii=False)
        else:
            kwargs["body"] = message.body
        try:
            created = self.client.messages.create(**kwargs)
        except TwilioRestException as exc:
            raise classify_rest_error(exc) from exc
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            # The request never left: safe to send again without looking it up.
            raise SendFailed("unavailable", type(exc).__name__, retryable=True) from exc
        except httpx.TimeoutException as exc:
            raise SendFailed("timeout", type(exc).__name__, retryable=True, ambiguous=True) from exc
        except httpx.TransportError as exc:
            raise SendFailed("unavailable", type(exc).__name__, retryable=True, ambiguous=True) from exc
        return Sent(sid=created.sid, status=statuses.from_twilio(created.status))

    def lookup(self, message: Outgoing) -> list[Sent]:
        """Messages Twilio accepted that may be this one although we never heard back (Twilio has no
        idempotency key): to the same address, created after the outbox row was, with the same body
        (templates: same address and time window). Newest first, as Twilio lists them.
        """
        since = (message.queued_at or datetime.min.replace(tzinfo=UTC)) - timedelta(minutes=2)
        try:
            candidates = self.client.messages.list(to=message.to, limit=20)
        except TwilioRestException as exc:
            raise classify_rest_error(exc) from exc
        except httpx.HTTPError as exc:
            raise SendFailed("unavailable", type(exc).__name__, retryable=True, ambiguous=True) from exc
        found = []
        for candidate in candidates:
            created = candidate.date_created
            if not isinstance(created, datetime) or created < since:
                continue
            if message.content_sid or (candidate.body or "") == message.body:
                found.append(Sent(sid=candidate.sid, status=statuses.from_twilio(candidate.status)))
        return found

    def close(self) -> None:
        self.http.close()


def classify_rest_error(exc: TwilioRestException) -> SendFailed:
    """Turn Twilio's error response into retry/permanent, keeping Twilio's code for staff."""
    code = str(exc.code) if exc.code is not None else None
    status = int(exc.status)
    if status == 429 or code in errors.RETRYABLE_CODES:
        return SendFailed(code or "rate_limited", exc.msg, retryable=True, http_status=status)
    if status >= 500:
        return SendFailed(code or "unavailable", exc.msg, retryable=True, ambiguous=True, http_status=status)
    return SendFailed(code or str(status), exc.msg, retryable=False, http_status=status)
