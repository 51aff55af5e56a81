"""Reading what Twilio posted: the `X-Twilio-Signature` check and the form's fields.

The signature is checked against PUBLIC_BASE_URL + path (+ query), the URL Twilio signed, not the URL
this process happens to see behind a proxy. A failed check is a 403 and nothing is stored.
"""

from __future__ import annotations

import structlog
from fastapi import Request
from twilio.request_validator import RequestValidator

from api.errors import Forbidden
from api.settings import Settings

log = structlog.get_logger()

MAX_MEDIA = 10


def public_url(settings: Settings, request: Request) -> str:
    url = settings.public_base_url.rstrip("/") + request.url.path
    return f"{url}?{request.url.query}" if request.url.query else url


async def verified_params(request: Request) -> dict[str, str]:
    """The form Twilio posted, after checking its signature (403 otherwise).

    Without an auth token (development, tests of other parts) the check is skipped, never in production.
    """
    settings: Settings = request.app.state.settings
    form = await request.form()
    params = {key: str(value) for key, value in form.multi_items()}
    token = settings.twilio_auth_token
    if not token:
        if settings.environment == "production":
            log.warning("twilio_signature_unverifiable", path=request.url.path)
            raise Forbidden("signature cannot be verified")
        return params
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not RequestValidator(token).validate(
        public_url(settings, request), params, signature
    ):
        log.warning("twilio_signature_invalid", path=request.url.path)
        raise Forbidden("invalid Twilio signature")
    return params


def media_of(params: dict[str, str]) -> list[dict[str, str]]:
    """The attachments Twilio lists as MediaUrlN / MediaContentTypeN (at most MAX_MEDIA)."""
    try:
        count = min(int(params.get("NumMedia") or 0), MAX_MEDIA)
    except ValueError:
        count = 0
    media = []
    for i in range(count):
        url = params.get(f"MediaUrl{i}")
        if url:
            media.append({"url": url, "contentType": params.get(f"MediaContentType{i}", "")})
    return media
