"""Durable counters and histograms: rows in `metric_counter`, incremented in the caller's transaction.

An event and its count commit together, so a figure is exact across any number of API processes and
workers, and survives their restarts; GET /metrics reads the rows at scrape time. Each increment is one
upsert on one row (held until the caller commits, so callers increment just before they commit).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from api.monitoring.models import MetricCounter

INF = "+Inf"


def _key(labels: dict[str, str]) -> str:
    return json.dumps(labels, sort_keys=True, separators=(",", ":"))


def _add(db: Session, name: str, labels: dict[str, str], amount: float) -> None:
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(MetricCounter).values(name=name, labels=_key(labels), value=amount)
    db.execute(
        statement.on_conflict_do_update(
            index_elements=["name", "labels"], set_={"value": MetricCounter.value + amount}
        )
    )


def _series(db: Session, name: str) -> list[tuple[dict[str, str], float]]:
    rows = db.execute(select(MetricCounter.labels, MetricCounter.value).where(MetricCounter.name == name))
    return [(json.loads(labels), value) for labels, value in rows]


@dataclass(frozen=True)
class Counter:
    """A counter with fixed label names; `inc` in the transaction of the event it counts."""

    name: str
    help: str
    labels: tuple[str, ...] = ()

    def inc(self, db: Session, amount: float = 1.0, **labels: str) -> None:
        if set(labels) != set(self.labels):
            raise ValueError(f"{self.name} takes the labels {self.labels}, got {tuple(labels)}")
        _add(db, self.name, labels, amount)

    def read(self, db: Session) -> list[tuple[dict[str, str], float]]:
        """Every series counted so far: (labels, value)."""
        return _series(db, self.name)


@dataclass(frozen=True)
class Histogram:
    """A histogram without labels; each observation adds to one bucket and to the sum.

    Buckets are stored as they are hit and made cumulative when read, as Prometheus wants them.
    """

    name: str
    help: str
    buckets: tuple[float, ...]

    def observe(self, db: Session, value: float) -> None:
        bucket = next((f"{upper:g}" for upper in self.buckets if value <= upper), INF)
        _add(db, f"{self.name}_bucket", {"le": bucket}, 1.0)
        _add(db, f"{self.name}_sum", {}, value)

    def read(self, db: Session) -> tuple[list[tuple[str, float]], float]:
        """([(upper bound, cumulative count)] ending with +Inf, sum of the observations)."""
        hits: dict[str, float] = defaultdict(float)
        for labels, value in _series(db, f"{self.name}_bucket"):
            hits[labels.get("le", INF)] += value
        cumulative, running = [], 0.0
        for bound in [f"{upper:g}" for upper in self.buckets] + [INF]:
            running += hits.get(bound, 0.0)
            cumulative.append((bound, running))
        total = sum(value for _, value in _series(db, f"{self.name}_sum"))
        return cumulative, total
