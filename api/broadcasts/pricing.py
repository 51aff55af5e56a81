"""Pricing: a broadcast's SMS segments and estimated cost per language and per channel.

The same summary serves the preview and the broadcast's page, from the recipient rows (`Line`). Prices
come from the cost file the settings name (`BROADCAST_COST_PATH`, config/broadcasts.json).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from api.broadcasts.models import RecipientStatus
from api.i18n import segments
from api.messaging.models import Channel
from api.settings import Settings

GETS_IT = (RecipientStatus.planned, RecipientStatus.queued)
SKIP_REASONS = ("opted_out", "no_channel", "number_disputed", "left_caseload")


@dataclass(frozen=True)
class Prices:
    currency: str
    sms_segment: float
    whatsapp_message: float
    web_message: float

    def of(self, channel: str, segment_count: int) -> float:
        if channel == Channel.sms:
            return segment_count * self.sms_segment
        return self.whatsapp_message if channel == Channel.whatsapp else self.web_message


@lru_cache(maxsize=4)
def _prices(path: str, mtime: float) -> Prices:
    with open(path, encoding="utf-8") as fh:
        raw = json.load(fh)
    return Prices(
        currency=raw.get("currency", "EUR"),
        sms_segment=float(raw["price_per_sms_segment"]),
        whatsapp_message=float(raw.get("price_per_whatsapp_message", 0)),
        web_message=float(raw.get("price_per_web_message", 0)),
    )


def prices(settings: Settings) -> Prices:
    """Prices from the cost file of the settings, re-read when the file changes."""
    path = settings.broadcast_cost_path
    return _prices(str(path), path.stat().st_mtime)


@dataclass(frozen=True)
class Line:
    """One recipient of a preview or a broadcast, as the pages show them and the summary counts them."""

    inburgeraar_id: int
    name: str
    status: str  # RecipientStatus
    reason: str | None = None  # why skipped
    language: str | None = None
    channel: str | None = None
    text: str | None = None  # the planned text, or the message's once queued ("" when purged)
    segments: int | None = None
    delivery: str | None = None  # the message's delivery status once queued


@dataclass
class _Totals:
    recipients: int = 0
    text: str = ""
    segments: int = 0
    encoding: str = "GSM-7"
    sms_segments: int = 0
    cost: float = 0.0


def _cost(amount: float, price: Prices) -> dict[str, Any]:
    return {"amount": round(amount, 2), "currency": price.currency}


def summary(lines: list[Line], price: Prices) -> dict[str, Any]:
    """Recipients, who is left out and why, and per language and per channel: texts, segments, cost."""
    per_language: dict[str, _Totals] = {}
    per_channel: dict[str, _Totals] = {}
    excluded = dict.fromkeys(SKIP_REASONS, 0)
    for line in lines:
        if line.status == RecipientStatus.skipped and line.reason in excluded:
            excluded[line.reason] += 1
        if line.status not in GETS_IT or line.channel is None:
            continue
        count = line.segments or 0
        cost = price.of(line.channel, count)
        sms = count if line.channel == Channel.sms else 0
        language = per_language.setdefault(line.language or "nl", _Totals())
        if not language.text and line.text:
            info = segments.count(line.text)
            language.text, language.segments, language.encoding = line.text, info.segments, info.encoding
        for totals in (language, per_channel.setdefault(line.channel, _Totals())):
            totals.recipients += 1
            totals.sms_segments += sms
            totals.cost += cost
    return {
        "recipients": sum(t.recipients for t in per_language.values()),
        "excluded": excluded,
        "languages": [
            {
                "language": code,
                "recipients": t.recipients,
                "text": t.text,
                "segments": t.segments,
                "encoding": t.encoding,
                "total_segments": t.sms_segments,
                "estimated_cost": _cost(t.cost, price),
            }
            for code, t in sorted(per_language.items(), key=lambda kv: (-kv[1].recipients, kv[0]))
        ],
        "channels": [
            {
                "channel": code,
                "recipients": t.recipients,
                "segments": t.sms_segments,
                "estimated_cost": _cost(t.cost, price),
            }
            for code, t in sorted(per_channel.items())
        ],
        "total_segments": sum(t.sms_segments for t in per_language.values()),
        "estimated_cost": _cost(sum(t.cost for t in per_language.values()), price),
    }
