"""A broadcast to 10,000 people in ten languages: preview, render and enqueue (section `broadcasts`).

On a fresh database: 10,000 inburgeraars (1,000 per language; a third on WhatsApp, half with a conversation
already), plus opted-out people who must be skipped. Times the preview (every message rendered in its
recipient's language and kept as the preview record, with per-language segments and cost), then the worker's
broadcast job that enqueues the previewed messages (message + outbox rows) in one transaction, and reports
the rate and peak memory.

    .venv/api/bin/python -m bench.broadcasts [--recipients 10000] [--postgres postgresql://...]
"""

from __future__ import annotations

import argparse
import os
import resource
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

from bench.report import write_section

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2030, 1, 7, 10, 0, tzinfo=UTC)  # Monday 11:00 in Amsterdam: inside the send window
LANGUAGES = ("nl", "en", "ar", "ti", "fa", "fa_AF", "tr", "so", "ps", "ku")
OPTED_OUT = 50


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _populate(db, recipients: int) -> None:  # type: ignore[no-untyped-def]
    from api.messaging.models import Conversation
    from api.people.models import Inburgeraar
    from api.staff.models import Staff

    db.execute(
        insert(Staff.__table__),
        [
            {
                "id": 1,
                "name": "Coordinator",
                "email": "c@bench.example",
                "role": "coordinator",
                "active": True,
                "created_at": NOW,
            }
        ],
    )
    total = recipients + OPTED_OUT
    db.execute(
        insert(Inburgeraar.__table__),
        [
            {
                "id": i + 1,
                "name": f"Persoon {i}",
                "phone": f"+3162{i:07d}",
                "language": LANGUAGES[i % 10],
                "whatsapp_opt_in": i % 3 == 0,
                "doelgroep": "asielstatushouder",
                "leerroute": "b1",
                "pvt_hours_done": 0,
                "map_status": "not_started",
                "consent_state": "opted_out" if i >= recipients else "granted",
                "created_at": NOW,
                "updated_at": NOW,
            }
            for i in range(total)
        ],
    )
    db.execute(
        insert(Conversation.__table__),
        [
            {
                "inburgeraar_id": i + 1,
                "phone": f"+3162{i:07d}",
                "language": LANGUAGES[i % 10],
                "last_channel": "sms",
                "created_at": NOW,
            }
            for i in range(0, total, 2)
        ],
    )
    db.commit()


def run(url: str, recipients: int) -> dict:
    from api.auth import Principal
    from api.broadcasts import service
    from api.broadcasts.schemas import BroadcastCreate, BroadcastDraft
    from api.db import Database
    from api.logging import configure
    from api.messaging.models import Message, OutboxItem
    from api.models import metadata
    from api.settings import Settings
    from api.worker import broadcast_dispatch

    configure("WARNING")
    database = Database(url)
    metadata.create_all(database.engine)
    settings = Settings(database_url=url, public_base_url="https://assistent.example.nl")
    coordinator = Principal(kind="staff", role="coordinator", staff_id=1, name="Coordinator")
    body = {
        "template": "office_closed",
        "variables": {"date": "2030-01-14"},
        "audience": {"type": "leerroute", "leerroute": "b1"},
    }
    figures: dict = {"dialect": database.engine.dialect.name, "recipients": recipients}
    with database.session() as db:
        _populate(db, recipients)

        started = time.perf_counter()
        preview = service.preview(db, coordinator, BroadcastDraft.model_validate(body), settings, now=NOW)
        figures["preview_s"] = time.perf_counter() - started
        figures["preview"] = preview
        db.commit()

        confirm = {**body, "previewId": preview["preview_id"], "fingerprint": preview["fingerprint"]}
        confirmed = BroadcastCreate.model_validate(confirm)
        broadcast = service.create(db, coordinator, confirmed, settings, now=NOW)
        db.commit()
        rss_before = _maxrss_mb()
        started, cpu = time.perf_counter(), time.process_time()
        result = broadcast_dispatch(db, NOW, settings)
        figures["render_enqueue_s"] = time.perf_counter() - started
        figures["render_enqueue_cpu_s"] = time.process_time() - cpu
        started = time.perf_counter()
        db.commit()
        figures["commit_s"] = time.perf_counter() - started
        figures["queued"] = result.messages
        figures["rss_before_mb"] = rss_before
        figures["rss_peak_mb"] = _maxrss_mb()
        figures["messages"] = db.scalar(select(func.count()).select_from(Message))
        figures["outbox"] = db.scalar(select(func.count()).select_from(OutboxItem))
        figures["stats"] = service.stats(db, broadcast)
    database.engine.dispose()
    return figures


def _database(postgres: str | None) -> tuple[str, object]:
    if postgres is None:
        path = ROOT / "var" / "bench" / "broadcasts.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)

        def cleanup() -> None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

        cleanup()
        return f"sqlite:///{path}", cleanup
    base = make_url(postgres).set(drivername="postgresql+psycopg")
    name = f"bench_broadcasts_{uuid.uuid4().hex[:6]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


def _markdown(results: list[dict]) -> str:
    lines = [
        "## Broadcast to 10,000 people in ten languages",
        "",
        *f"""`bench/broadcasts.py`: template `office_closed` to everyone on the B1 route: 1,000 people per
language plus {OPTED_OUT} who opted out (skipped); a third on WhatsApp (outside the 24-hour window, so held
behind one approved template each, as `api.messaging.service.queue_outbound` does), half with an existing
conversation. Preview = every message rendered in its recipient's language and stored as the preview record
that is sent (ADR 0020), with per-language segments and cost. Enqueue = the worker's broadcast job that writes
the previewed messages as message and outbox rows, all in one transaction (then committed); CPU = the
process's CPU time for it (the machine is shared, so wall time includes waiting for a core).""".splitlines(),
        "",
        "| database | recipients | preview | enqueue (CPU) | commit | rate | messages written | peak RSS |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        total = r["render_enqueue_s"] + r["commit_s"]
        lines.append(
            f"| {r['dialect']} | {r['queued']:,} | {r['preview_s']:.2f} s | {r['render_enqueue_s']:.1f} s "
            f"({r['render_enqueue_cpu_s']:.1f} s) "
            f"| {r['commit_s']:.2f} s | {r['queued'] / total:,.0f} messages/s | {r['messages']:,} "
            f"(outbox {r['outbox']:,}) | {r['rss_peak_mb']:.0f} MB |"
        )
    preview = results[0]["preview"]
    lines += [
        "",
        f"Preview: {preview['recipients']:,} recipients, "
        f"{preview['excluded']['opted_out']} skipped (opted out), "
        f"{preview['total_segments']:,} SMS segments, estimated "
        f"{preview['estimated_cost']['currency']} {preview['estimated_cost']['amount']:,.2f} "
        "(prices in config/broadcasts.json).",
        "",
        "| language | recipients | segments per SMS | encoding | SMS segments | estimated cost |",
        "|---|---:|---:|---|---:|---:|",
    ]
    for lang in sorted(preview["languages"], key=lambda item: item["language"]):
        lines.append(
            f"| {lang['language']} | {lang['recipients']:,} | {lang['segments']} | {lang['encoding']} "
            f"| {lang['total_segments']:,} | {lang['estimated_cost']['amount']:,.2f} |"
        )
    stats = results[0]["stats"]
    lines += [
        "",
        f"Delivery statistics right after the job: {stats['messages']}, skipped {stats['skipped']}.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--postgres", help="also run on PostgreSQL (a scratch database)")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    results = []
    load_before = os.getloadavg()[0]
    for postgres in [None] + ([args.postgres] if args.postgres else []):
        url, cleanup = _database(postgres)
        try:
            results.append(run(url, args.recipients))
        finally:
            cleanup()  # type: ignore[operator]
    markdown = _markdown(results)
    load_after = os.getloadavg()[0]
    markdown += f"\n\nLoad average (1 min) at the start {load_before:.1f}, at the end {load_after:.1f}.\n"
    print(markdown)
    if not args.no_write:
        write_section("broadcasts", markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
