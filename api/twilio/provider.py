"""Twilio as messaging's provider: the one object api.wiring installs into api.messaging.provider."""

from __future__ import annotations

from api.messaging.provider import Provider
from api.messaging.transports import LocalTransport, Transport
from api.settings import Settings
from api.twilio import errors, whatsapp
from api.twilio.transport import TwilioTransport


def make_transport(settings: Settings) -> Transport:
    """Twilio when it is configured, else the local transport (development and the simulator)."""
    return TwilioTransport(settings) if settings.twilio_configured else LocalTransport()


def status_callback(settings: Settings, outbox_id: int) -> str:
    """Twilio posts delivery reports here; the outbox id lets us find the row whatever Twilio's SID is."""
    return f"{settings.public_base_url.rstrip('/')}/twilio/status?outboxId={outbox_id}"


def means_opted_out(code: str | None) -> bool:
    return code == errors.OPTED_OUT


TWILIO = Provider(
    name="twilio",
    make_transport=make_transport,
    meaning=errors.meaning,
    means_opted_out=means_opted_out,
    status_callback=status_callback,
    whatsapp_rules=whatsapp.apply_rules,
)
