"""Reminder planning and the scheduler tick as the tables grow (section `reminders` of docs/benchmarks.md).

For each size: generate that many appointments (one participant each, core inserts), plan their reminders
with `api.reminders.planner.bulk_plan_rows` (time and peak memory), then time one scheduler tick with
nothing due and with 100 reminders due, and show the database's plan for the due scan. Each size runs in
its own process on a fresh database, so the memory figure is that size's own.

    .venv/api/bin/python -m bench.reminders                         # 10k, 100k and 1M on SQLite
    .venv/api/bin/python -m bench.reminders --sizes 10000,100000
    .venv/api/bin/python -m bench.reminders --sizes 100000 --postgres postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, func, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bench.report import write_section

ROOT = Path(__file__).resolve().parent.parent
AMS = ZoneInfo("Europe/Amsterdam")
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
NOW = datetime(2030, 1, 7, 8, 0, tzinfo=UTC)  # a Monday morning, inside the send window
LANGUAGES = ("nl", "en", "ar", "ti", "fa", "fa_AF", "tr", "so", "ps", "ku")
DUE = 100
INSERT_CHUNK = 20_000


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _generate(db: Session, size: int) -> None:
    """Staff, people and appointments (with one attendance each) by core inserts, in chunks."""
    from api.appointments.models import Appointment, AppointmentKind, Attendance
    from api.people.models import Inburgeraar
    from api.staff.models import Staff

    rng = random.Random(size)
    staff = [
        {
            "name": f"Klantmanager {i}",
            "email": f"km{i}@bench.example",
            "role": "klantmanager",
            "active": True,
            "created_at": NOW,
        }
        for i in range(20)
    ]
    db.execute(insert(Staff.__table__), staff)
    people_count = max(1000, size // 10)
    doelgroepen = ("asielstatushouder", "nareiziger", "gezinsmigrant", "overige_migrant")
    for start in range(0, people_count, INSERT_CHUNK):
        db.execute(
            insert(Inburgeraar.__table__),
            [
                {
                    "name": f"Persoon {i}",
                    "phone": f"+3161{i:07d}",
                    "language": LANGUAGES[i % 10],
                    "whatsapp_opt_in": i % 3 == 0,
                    "doelgroep": doelgroepen[i % 4],
                    "klantmanager_id": i % 20 + 1,
                    "leerroute": ("b1", "onderwijs", "z")[i % 3],
                    "pvt_hours_done": 0,
                    "map_status": "not_started",
                    "consent_state": "granted",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for i in range(start, min(start + INSERT_CHUNK, people_count))
            ],
        )
    kinds = [k.value for k in AppointmentKind]
    first_day = (NOW + timedelta(days=8)).date()
    for start in range(0, size, INSERT_CHUNK):
        stop = min(start + INSERT_CHUNK, size)
        appointments, attendances = [], []
        for i in range(start, stop):
            day = first_day + timedelta(days=rng.randrange(180))
            starts = datetime.combine(day, clock(rng.randrange(9, 17), rng.choice((0, 15, 30, 45))), AMS)
            appointments.append(
                {
                    "id": i + 1,
                    "kind": kinds[i % len(kinds)],
                    "starts_at": starts,
                    "ends_at": starts + timedelta(hours=1),
                    "location": "Stadskantoor, Spui 70",
                    "status": "scheduled",
                    "checkin_code": "4821",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
            )
            attendances.append(
                {
                    "appointment_id": i + 1,
                    "inburgeraar_id": i % people_count + 1,
                    "status": "pending",
                    "updated_at": NOW,
                }
            )
        db.execute(insert(Appointment.__table__), appointments)
        db.execute(insert(Attendance.__table__), attendances)
        db.commit()


def _timed_ticks(database, settings, policy, repeats: int) -> list[float]:  # type: ignore[no-untyped-def]
    from api.reminders.scheduler import tick

    timings = []
    for _ in range(repeats):
        with database.session() as db:
            started = time.perf_counter()
            result = tick(db, NOW, settings=settings, policy=policy)
            timings.append((time.perf_counter() - started) * 1000)
            db.rollback()  # leave the table as it was for the next repetition
    return timings, result  # type: ignore[return-value]


def run_one(size: int, url: str) -> dict:
    """One size on a fresh database; returns the figures (run in a child process)."""
    from api.db import Database
    from api.logging import configure
    from api.models import metadata
    from api.reminders.models import Reminder
    from api.reminders.planner import bulk_plan_rows
    from api.reminders.policy import load_policy
    from api.reminders.scheduler import explain_due
    from api.settings import Settings

    configure("WARNING")  # a log line per reminder would be timed too
    database = Database(url)
    metadata.create_all(database.engine)
    policy = load_policy()
    figures: dict = {"size": size, "dialect": database.engine.dialect.name}

    started = time.perf_counter()
    with database.session() as db:
        _generate(db, size)
    figures["generate_s"] = time.perf_counter() - started

    rss_before = _maxrss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    rows = 0
    with database.session() as db:
        for chunk, _ in bulk_plan_rows(db, NOW, policy, 5000):
            if chunk:
                db.execute(insert(Reminder.__table__), chunk)
                rows += len(chunk)
            db.commit()
    figures["plan_s"] = time.perf_counter() - started
    figures["plan_cpu_s"] = time.process_time() - cpu
    figures["rows"] = rows
    figures["rss_before_plan_mb"] = rss_before
    figures["rss_peak_mb"] = _maxrss_mb()

    if database.engine.dialect.name == "sqlite":
        with database.engine.connect() as conn:
            conn.execute(text("ANALYZE"))
    else:
        with database.engine.connect() as conn:
            conn.execute(text("ANALYZE reminder"))
            conn.commit()

    settings = Settings(database_url=url, public_base_url="https://assistent.example.nl")
    idle, _ = _timed_ticks(database, settings, policy, 15)
    figures["tick_idle_ms"] = statistics.median(idle)

    with database.session() as db:
        total = db.scalar(select(func.max(Reminder.id)))
        ids = random.Random(1).sample(range(1, total + 1), DUE * 3)
        chosen = db.scalars(
            select(Reminder.id).where(Reminder.id.in_(ids), Reminder.kind == "reminder").limit(DUE)
        ).all()
        db.execute(update(Reminder).where(Reminder.id.in_(chosen)).values(due_at=NOW - timedelta(minutes=1)))
        db.commit()
        figures["plan_lines"] = explain_due(db)
    busy, result = _timed_ticks(database, settings, policy, 5)
    figures["tick_busy_ms"] = statistics.median(busy)
    figures["tick_busy_sent"] = result.sent
    database.engine.dispose()
    return figures


def _child(size: int, url: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "bench.reminders", "--one", str(size), "--url", url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"size {size} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _url_for(size: int, postgres: str | None) -> tuple[str, object]:
    """A fresh database per size, and how to clean it up."""
    if postgres is None:
        path = ROOT / "var" / "bench" / f"reminders-{size}.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

        def cleanup() -> None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

        return f"sqlite:///{path}", cleanup
    base = make_url(postgres).set(drivername="postgresql+psycopg")
    name = f"bench_reminders_{size}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


def _markdown(results: list[dict], failures: list[str]) -> str:
    lines = [
        "## Reminder planning and the scheduler tick",
        "",
        *"""`bench/reminders.py`. Per size, on a fresh database: that many appointments (one participant
each; the eight kinds in turn, so a quarter get the 7-day reminder too; starts 8-188 days ahead on a
15-minute grid; people in ten languages) inserted with core inserts, then planned with
`api.reminders.planner.bulk_plan_rows` (5,000 appointments per chunk, committed per chunk). Memory is the
peak RSS (`getrusage`) of the process, which is fresh per size. Tick: median of 15 ticks with nothing due,
and of 5 ticks with 100 reminders due (rendered in the person's language and queued in the outbox, then
rolled back), at `now` inside the send window. The machine is shared (2 cores): wall times include waiting
for a core.""".splitlines(),
        "",
        "| database | appointments | reminder rows | generate | plan (CPU) | plan rate | peak RSS"
        " | tick, nothing due | tick, 100 due | per reminder |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['dialect']} | {r['size']:,} | {r['rows']:,} | {r['generate_s']:.1f} s "
            f"| {r['plan_s']:.1f} s ({r['plan_cpu_s']:.1f} s) "
            f"| {r['size'] / r['plan_s']:,.0f} appointments/s | {r['rss_peak_mb']:.0f} MB "
            f"| {r['tick_idle_ms']:.2f} ms | {r['tick_busy_ms']:.0f} ms ({r['tick_busy_sent']} sent) "
            f"| {r['tick_busy_ms'] / max(r['tick_busy_sent'], 1):.2f} ms |"
        )
    lines += [
        "",
        *"""The tick's cost follows what is due, not the table: it reads planned rows through the index
`ix_reminder_status_due_at (status, due_at)` and stops at the batch limit (delivery outcomes are watched
through the partial index `ix_reminder_delivery_pending`). The database's plan for the due scan at the
largest size of each database:""".splitlines(),
        "",
    ]
    seen = set()
    for r in reversed(results):
        if r["dialect"] in seen:
            continue
        seen.add(r["dialect"])
        lines += [f"{r['dialect']}, {r['size']:,} appointments:", "", "```", *r["plan_lines"], "```", ""]
    for failure in failures:
        lines.append(f"- Not measured: {failure}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default=",".join(str(s) for s in DEFAULT_SIZES))
    parser.add_argument("--postgres", help="also run on PostgreSQL (a scratch database per size)")
    parser.add_argument("--postgres-sizes", help="sizes for PostgreSQL (default: --sizes)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--no-write", action="store_true", help="print, do not write docs/benchmarks.md")
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one, args.url)))
        return 0
    runs = [(int(s), None) for s in args.sizes.split(",") if s]
    if args.postgres:
        runs += [(int(s), args.postgres) for s in (args.postgres_sizes or args.sizes).split(",") if s]
    results, failures = [], []
    load_before = os.getloadavg()[0]
    for size, postgres in runs:
        url, cleanup = _url_for(size, postgres)
        started = time.monotonic()
        try:
            results.append(_child(size, url))
            print(
                f"reminders: {size:,} on {'postgresql' if postgres else 'sqlite'} in "
                f"{time.monotonic() - started:.0f}s",
                flush=True,
            )
        except RuntimeError as exc:
            failures.append(
                f"{size:,} on {'postgresql' if postgres else 'sqlite'}: {str(exc).splitlines()[-1]}"
            )
        finally:
            cleanup()  # type: ignore[operator]
    markdown = _markdown(results, failures)
    markdown += (
        f"\n\nLoad average (1 min) at the start {load_before:.1f}, at the end {os.getloadavg()[0]:.1f}; "
        "the CPU column is the planning process's own CPU time.\n"
    )
    print(markdown)
    if not args.no_write:
        write_section("reminders", markdown)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
