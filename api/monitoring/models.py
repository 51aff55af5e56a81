"""The two tables of api.monitoring; neither holds anything about a person."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from api.db import Base, UTCDateTime, utcnow


class WorkerHeartbeat(Base):
    """One row per running worker process, rewritten at the start of each of its rounds."""

    __tablename__ = "worker_heartbeat"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    worker: Mapped[str] = mapped_column(String(120), unique=True)  # host:pid
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class MetricCounter(Base):
    """One series of a durable counter: its name, its labels (canonical JSON) and how much it has counted."""

    __tablename__ = "metric_counter"
    __table_args__ = (UniqueConstraint("name", "labels", name="uq_metric_counter_name_labels"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    labels: Mapped[str] = mapped_column(String(200), default="{}")
    value: Mapped[float] = mapped_column(Float, default=0.0)
