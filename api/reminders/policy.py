"""The reminder policy: which reminders each appointment kind gets, and when messages may go out.

Read from `config/reminder_policy.json` (path overridable with `REMINDER_POLICY_PATH`). Offsets in days
are calendar days in local time at the same wall-clock time ("1d" before a 10:00 appointment is 10:00 the
day before, also across a daylight-saving switch); offsets in hours or minutes are elapsed time.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from api.settings import Settings

OFFSET_RE = re.compile(r"^(\d{1,3})([dhm])$")
# How far the window search looks for an open day; a longer run of holidays is a configuration error.
MAX_CLOSED_DAYS = 31


class Offset(BaseModel):
    """One reminder slot, e.g. "3d" (three calendar days before) or "2h" (two hours before)."""

    model_config = ConfigDict(frozen=True)

    key: str
    amount: int
    unit: str

    @classmethod
    def parse(cls, raw: str) -> Offset:
        match = OFFSET_RE.match(raw.strip())
        if match is None or int(match.group(1)) == 0:
            raise ValueError(f"offset {raw!r} must look like 7d, 2h or 30m")
        return cls(key=raw.strip(), amount=int(match.group(1)), unit=match.group(2))

    @cached_property
    def approx(self) -> timedelta:
        if self.unit == "d":
            return timedelta(days=self.amount)
        return timedelta(hours=self.amount) if self.unit == "h" else timedelta(minutes=self.amount)

    def nominal(self, starts_at: datetime, tz: ZoneInfo) -> datetime:
        """The moment this reminder is meant for, before any send-window adjustment."""
        if self.unit != "d":
            return starts_at - self.approx
        local = starts_at.astimezone(tz)
        wall = local.replace(tzinfo=None) - timedelta(days=self.amount)
        return wall.replace(tzinfo=tz).astimezone(UTC)


class SendWindow(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    start: time = time(9, 0)
    end: time = time(20, 0)

    @model_validator(mode="after")
    def _ordered(self) -> SendWindow:
        if self.end <= self.start:
            raise ValueError("send_window.end must be after send_window.start")
        return self


class FollowUp(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    no_answer_hours_before: float = Field(
        24, gt=0, description="Task for the klantmanager when still unanswered"
    )
    min_hours_after_first_message: float = Field(4, ge=0, description="Give people time to answer first")


class Policy(BaseModel):
    """Typed reminder policy; see config/reminder_policy.json."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    timezone: str = "Europe/Amsterdam"
    reminders: dict[str, tuple[str, ...]] = Field(default_factory=lambda: {"default": ("3d", "1d", "2h")})
    send_window: SendWindow = SendWindow()
    holidays: frozenset[date] = frozenset()
    min_lead_minutes: int = Field(30, ge=0, le=24 * 60)
    min_gap_hours: float = Field(4, ge=0, le=72)
    follow_up: FollowUp = FollowUp()
    late_after_minutes: int = Field(15, ge=0)

    @field_validator("reminders")
    @classmethod
    def _valid_offsets(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        if "default" not in value:
            raise ValueError("reminders needs a 'default' entry")
        for kind, offsets in value.items():
            keys = [Offset.parse(o).key for o in offsets]
            if len(set(keys)) != len(keys):
                raise ValueError(f"reminders.{kind} repeats an offset")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        ZoneInfo(value)
        return value

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def min_lead(self) -> timedelta:
        return timedelta(minutes=self.min_lead_minutes)

    @cached_property
    def min_gap(self) -> timedelta:
        return timedelta(hours=self.min_gap_hours)

    @cached_property
    def _offsets(self) -> dict[str, list[Offset]]:
        return {
            kind: sorted((Offset.parse(o) for o in raw), key=lambda o: o.approx, reverse=True)
            for kind, raw in self.reminders.items()
        }

    def offsets_for(self, kind: str) -> list[Offset]:
        """The kind's offsets, earliest (furthest from the start) first."""
        return self._offsets.get(kind, self._offsets["default"])

    # --- send window --------------------------------------------------------------------------

    def bounds(self, day: date) -> tuple[datetime, datetime] | None:
        """The window of one local day in UTC, or None on a listed holiday."""
        if day in self.holidays:
            return None
        return _bounds(self.timezone, self.send_window.start, self.send_window.end, day)

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()

    def in_window(self, moment: datetime) -> bool:
        b = self.bounds(self.local_date(moment))
        return b is not None and b[0] <= moment <= b[1]

    def next_open(self, moment: datetime) -> datetime:
        """The earliest in-window instant at or after `moment`."""
        day = self.local_date(moment)
        for i in range(MAX_CLOSED_DAYS + 1):
            b = self.bounds(day + timedelta(days=i))
            if b is not None and moment <= b[1]:
                return max(moment, b[0])
        raise ValueError("no send window in the next month; check the holiday list")

    def last_open(self, moment: datetime) -> datetime:
        """The latest in-window instant at or before `moment`."""
        day = self.local_date(moment)
        for i in range(MAX_CLOSED_DAYS + 1):
            b = self.bounds(day - timedelta(days=i))
            if b is not None and moment >= b[0]:
                return min(moment, b[1])
        raise ValueError("no send window in the previous month; check the holiday list")

    def public(self) -> dict[str, Any]:
        """The policy as JSON for the console's overview."""
        return {
            "timezone": self.timezone,
            "reminders": {k: list(v) for k, v in self.reminders.items()},
            "sendWindow": {
                "start": self.send_window.start.strftime("%H:%M"),
                "end": self.send_window.end.strftime("%H:%M"),
            },
            "holidays": sorted(d.isoformat() for d in self.holidays),
            "minLeadMinutes": self.min_lead_minutes,
            "minGapHours": self.min_gap_hours,
            "followUp": {
                "noAnswerHoursBefore": self.follow_up.no_answer_hours_before,
                "minHoursAfterFirstMessage": self.follow_up.min_hours_after_first_message,
            },
            "lateAfterMinutes": self.late_after_minutes,
        }


@lru_cache(maxsize=8192)
def _bounds(zone: str, start: time, end: time, day: date) -> tuple[datetime, datetime]:
    tz = ZoneInfo(zone)
    return (
        datetime.combine(day, start, tz).astimezone(UTC),
        datetime.combine(day, end, tz).astimezone(UTC),
    )


def policy_path() -> Path:
    """The policy file the settings name (`REMINDER_POLICY_PATH`).

    Settings are read afresh (about a millisecond), not from the cached `get_settings()`: the path has
    always followed the environment of the moment, and callers of `load_policy()` hold no settings.
    """
    return Settings().reminder_policy_path


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> Policy:
    with open(path, encoding="utf-8") as fh:
        return Policy.model_validate(json.load(fh))


def load_policy() -> Policy:
    """The configured policy; re-read when the file changes, so an edit needs no restart."""
    path = policy_path()
    return _load(str(path), path.stat().st_mtime)
