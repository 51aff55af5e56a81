"""Pricing: a broadcast's SMS segments and estimated cost per language and channel (the preview).

Prices come from the cost file the settings name (`BROADCAST_COST_PATH`, config/broadcasts.json).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from api.audit import service as audit
from api.auth import Principal
from api.broadcasts import audience as audiences
from api.broadcasts.schemas import BroadcastDraft
from api.broadcasts.sending import send_time
from api.broadcasts.templates import Renderer, check_variables, template_for
from api.db import utcnow
from api.i18n import segments
from api.messaging import service as messaging
from api.messaging.models import Channel
from api.people.models import Inburgeraar
from api.people.reachability import NO_CHANNEL, OPTED_OUT, language_of, unreachable_reason
from api.reminders.policy import Policy, load_policy
from api.settings import Settings


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


@dataclass
class _LanguageTotals:
    recipients: int = 0
    text: str = ""
    segments: int = 0
    encoding: str = "GSM-7"
    total_segments: int = 0
    cost: float = 0.0


@dataclass
class _Tally:
    """What a broadcast would cost, per language, and who it would leave out."""

    per_language: dict[str, _LanguageTotals] = field(default_factory=dict)
    opted_out: int = 0
    no_channel: int = 0


def preview(
    db: Session,
    actor: Principal,
    draft: BroadcastDraft,
    settings: Settings,
    *,
    policy: Policy | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Per language of the audience: the text, its SMS segments, recipients and the estimated cost."""
    policy = policy or load_policy()
    template = template_for(draft.template)
    audience = audiences.authorize_audience(db, actor, draft.audience)
    values = check_variables(template, draft.variables, audience.appointment)
    people = audiences.recipients(db, audience.rule, audience.caseload_of)
    price = prices(settings)
    tally = _tally(db, people, Renderer(template, values, settings), price)
    audit.record(
        db, actor, "preview", "broadcast", None, template=template.key, audience=audience.rule["type"]
    )
    return _preview_out(template.key, tally, price, send_time(policy, now or utcnow()))


def _tally(db: Session, people: list[Inburgeraar], renderer: Renderer, price: Prices) -> _Tally:
    tally = _Tally()
    conversations = messaging.current_conversations(db, people)
    for person in people:
        unreachable = unreachable_reason(person)
        if unreachable is not None:
            tally.opted_out += unreachable == OPTED_OUT
            tally.no_channel += unreachable == NO_CHANNEL
            continue
        language = language_of(person)
        text = renderer.text(language, person.name)
        info = segments.count(text)
        channel = audiences.channel_of(person, conversations.get(person.id))
        totals = tally.per_language.setdefault(language, _LanguageTotals())
        if totals.recipients == 0:
            totals.text, totals.segments, totals.encoding = text, info.segments, info.encoding
        totals.recipients += 1
        if channel == Channel.sms:
            totals.total_segments += info.segments
        totals.cost += price.of(channel, info.segments)
    return tally


def _preview_out(template: str, tally: _Tally, price: Prices, send_at: datetime) -> dict[str, Any]:
    per_language = tally.per_language
    return {
        "template": template,
        "recipients": sum(t.recipients for t in per_language.values()),
        "excluded": {"opted_out": tally.opted_out, "no_channel": tally.no_channel},
        "languages": [
            {
                "language": code,
                "recipients": t.recipients,
                "text": t.text,
                "segments": t.segments,
                "encoding": t.encoding,
                "total_segments": t.total_segments,
                "estimated_cost": {"amount": round(t.cost, 2), "currency": price.currency},
            }
            for code, t in sorted(per_language.items(), key=lambda kv: (-kv[1].recipients, kv[0]))
        ],
        "total_segments": sum(t.total_segments for t in per_language.values()),
        "estimated_cost": {
            "amount": round(sum(t.cost for t in per_language.values()), 2),
            "currency": price.currency,
        },
        "send_at": send_at,
    }
