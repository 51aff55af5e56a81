"""Gateway and outbox benchmark: inbound webhook -> reply queued latency, and outbox dispatch rate.

Part 1 runs the API (uvicorn, one process) with signed Twilio webhooks and Rasa in the loop, at 1, 10 and
50 concurrent conversations; each conversation sends its next message when the reply to the previous one
is queued. Latency is measured from just before the POST to the reply's outbox row `created_at` (the
clock of the same machine), so polling does not blur it. With the model `make model` trained, the bench
starts Rasa and the action server on it (NLG and actions pointing at the bench's API); it always also runs
the fake Rasa of tests/doubles.py (answers at once) for the gateway's own cost, and the table says which.

Part 2 fills the outbox and measures how fast 1 and 2 worker processes (`python -m api.worker`) hand it
to a Twilio double (target >= 500 messages/s), on SQLite and, when TEST_DATABASE_URL is set, PostgreSQL.
Memory is each process's resident set size at the end.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from twilio.request_validator import RequestValidator

from api.db import Database
from api.localstack import (
    BOT_PROCESS_ENV,
    BotSecrets,
    actions_command,
    api_command,
    free_port,
    rasa_command,
    trained_model,
)
from api.messaging import service as messaging
from api.messaging.models import Message, OutboxItem
from api.migrate import upgrade
from api.people.models import Inburgeraar
from api.settings import ROOT
from bench.report import write_section

TOKEN = "bench-twilio-token"
ACCOUNT = "AC" + "b" * 32
PUBLIC = "https://assistent.example.nl"
CONCURRENCY = (1, 10, 50)
MESSAGES_PER_LEVEL = {1: 40, 10: 200, 50: 400}
OUTBOX_ROWS = 3000
SECRETS = BotSecrets(
    bot_token="bench-bot-token-3a4b5c6d7e8f9a0b1c2d",
    rasa_jwt="bench-rasa-jwt-secret-4b5c6d7e8f9a0b1c",
    action_server="bench-action-server-secret-5c6d7e8f9a0b",
)


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _wait_http(url: str, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return True
        except httpx.HTTPError:
            time.sleep(0.2)
    return False


@contextmanager
def _process(cmd: list[str], env: dict[str, str], log_name: str, cwd: Path = ROOT):
    log_dir = ROOT / "var" / "bench"
    log_dir.mkdir(parents=True, exist_ok=True)
    with (log_dir / f"{log_name}.log").open("wb") as log:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def _databases() -> list[tuple[str, str]]:
    var = ROOT / "var" / "bench"
    var.mkdir(parents=True, exist_ok=True)
    sqlite = var / "gateway.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{sqlite}{suffix}").unlink(missing_ok=True)
    found = [("SQLite", f"sqlite:///{sqlite}")]
    raw = os.environ.get("TEST_DATABASE_URL")
    if raw:
        url = make_url(raw).set(drivername="postgresql+psycopg")
        name = f"bench_gateway_{uuid.uuid4().hex[:8]}"
        admin = create_engine(url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        found.append(("PostgreSQL", url.set(database=name).render_as_string(hide_password=False)))
    return found


def _drop(url: str) -> None:
    if not url.startswith("postgresql"):
        return
    parsed = make_url(url)
    admin = create_engine(
        parsed.set(database="postgres").render_as_string(hide_password=False), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


def _env(url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "RASA_", "DATABASE_URL"))}
    env.update(
        DATABASE_URL=url,
        PUBLIC_BASE_URL=PUBLIC,
        TWILIO_ACCOUNT_SID=ACCOUNT,
        TWILIO_AUTH_TOKEN=TOKEN,
        TWILIO_SMS_FROM="+3197010000001",
        LOG_LEVEL="WARNING",
        ENVIRONMENT="test",
        HF_HUB_OFFLINE="1",
        WORKER_POLL_SECONDS="0.05",
        **BOT_PROCESS_ENV,
    )
    env.update(extra)
    return env


def _wipe(database: Database) -> None:
    with database.engine.begin() as conn:
        for table in ("outbox", "message", "escalation", "task", "consent_event", "conversation"):
            conn.execute(text(f'DELETE FROM "{table}"'))


def _people(database: Database, count: int) -> list[tuple[int, str]]:
    with database.session() as db:
        existing = list(db.execute(select(Inburgeraar.id, Inburgeraar.phone).order_by(Inburgeraar.id)))
        for n in range(len(existing), count):
            db.add(
                Inburgeraar(
                    name=f"Bench {n}", phone=f"+3161{n:07d}", language="nl", doelgroep="asielstatushouder"
                )
            )
        db.commit()
        return [
            tuple(r) for r in db.execute(select(Inburgeraar.id, Inburgeraar.phone).order_by(Inburgeraar.id))
        ]


# --- part 1: inbound latency ----------------------------------------------------------------------


def _conversation(
    api: str, database: Database, phone: str, count: int, out: list[float], errors: list[str], poll: float
) -> None:
    client = httpx.Client(timeout=30)
    validator = RequestValidator(TOKEN)
    for n in range(count):
        sid = "SM" + uuid.uuid4().hex
        form = {
            "MessageSid": sid,
            "From": phone,
            "To": "+3197010000001",
            "Body": TEXTS[n % len(TEXTS)],
            "AccountSid": ACCOUNT,
            "NumMedia": "0",
        }
        headers = {"X-Twilio-Signature": validator.compute_signature(f"{PUBLIC}/twilio/messages", form)}
        started = datetime.now(UTC)
        response = client.post(f"{api}/twilio/messages", data=form, headers=headers)
        if response.status_code != 200:
            errors.append(str(response.status_code))
            continue
        with database.session() as db:  # stored before the 2xx, so it is there now
            inbound = db.execute(
                select(Message.id, Message.conversation_id).where(Message.twilio_sid == sid)
            ).one()
        deadline = time.monotonic() + 30
        reply_at = None
        while time.monotonic() < deadline and reply_at is None:
            # Polling only finds the reply (its time comes from the outbox row); many conversations poll
            # less often each, so the benchmark's own queries do not crowd out the API on two cores.
            time.sleep(poll)
            with database.session() as db:
                reply_id = db.scalar(
                    select(func.min(Message.id)).where(
                        Message.conversation_id == inbound.conversation_id,
                        Message.id > inbound.id,
                        Message.direction == "out",
                        Message.kind == "bot_reply",
                    )
                )
                if reply_id is not None:
                    reply_at = db.scalar(
                        select(OutboxItem.created_at).where(OutboxItem.message_id == reply_id)
                    )
        if reply_at is None:
            errors.append("no reply")
            continue
        out.append((reply_at - started).total_seconds() * 1000)
    client.close()


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


TEXTS = ("hallo", "wanneer is mijn volgende afspraak", "wat is de PVT", "hoe bereik ik mijn klantmanager")


@contextmanager
def _rasa(kind: str, api_port: int, url: str):
    """("trained" | "fake") Rasa for the run: yields (rasa_url, {process name: pid})."""
    if kind == "fake":
        port = free_port()
        with _process(
            [sys.executable, "-m", "tests.doubles", "rasa", str(port)], _env(url), "fake-rasa"
        ) as p:
            _wait_http(f"http://127.0.0.1:{port}/status")
            yield f"http://127.0.0.1:{port}", {"fake Rasa (tests/doubles.py)": p.pid}
        return
    model = trained_model()
    assert model is not None
    rasa_port, actions_port = free_port(), free_port()
    api, actions_url = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{actions_port}"
    actions_env = _env(url, **SECRETS.actions_env(api_url=api))
    rasa_env = _env(url, **SECRETS.rasa_env(actions_url=actions_url, api_url=api))
    actions_cmd = actions_command(actions_port)
    rasa_cmd = rasa_command(model, "endpoints.yml", rasa_port)
    with ExitStack() as stack:
        actions = stack.enter_context(_process(actions_cmd, actions_env, "actions", cwd=ROOT / "bot"))
        rasa = stack.enter_context(_process(rasa_cmd, rasa_env, "rasa", cwd=ROOT / "bot"))
        if not _wait_http(f"http://127.0.0.1:{rasa_port}/version", 300):
            raise RuntimeError("Rasa did not start; see var/bench/rasa.log")
        yield (
            f"http://127.0.0.1:{rasa_port}",
            {"Rasa (trained model)": rasa.pid, "action server": actions.pid},
        )


def inbound_latency(label: str, url: str, api_port: int, rasa_url: str, rasa: str) -> tuple[list[str], float]:
    """Run the three concurrency levels against one API process; returns table rows and its memory."""
    database = Database(url)
    people = _people(database, max(CONCURRENCY))
    rows = []
    api_cmd = api_command(api_port, "--log-level", "warning", "--no-access-log")
    # A generous timeout: a slow turn must be measured, not replaced by the "assistant busy" reply.
    env = _env(url, RASA_URL=rasa_url, RASA_TIMEOUT_SECONDS="30", **SECRETS.api_env())
    with _process(api_cmd, env, f"api-{label}-{rasa}") as api_proc:
        api = f"http://127.0.0.1:{api_port}"
        if not _wait_http(f"{api}/health"):
            raise RuntimeError("API did not start; see var/bench/")
        for level in CONCURRENCY:
            _wipe(database)
            per = MESSAGES_PER_LEVEL[level] // level
            results: list[list[float]] = [[] for _ in range(level)]
            errors: list[str] = []
            threads = [
                threading.Thread(
                    target=_conversation,
                    args=(api, database, people[i][1], per, results[i], errors, 0.01 * level**0.5),
                )
                for i in range(level)
            ]
            started = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.monotonic() - started
            values = [v for r in results for v in r] or [float("nan")]
            rows.append(
                f"| {rasa} | {label} | {level} | {len(values)} | {statistics.median(values):.0f} | "
                f"{_percentile(values, 95):.0f} | {_percentile(values, 99):.0f} | "
                f"{len(values) / elapsed:.0f} | {len(errors)} |"
            )
        memory = _rss_mb(api_proc.pid)
    database.engine.dispose()
    return rows, memory


# --- part 2: dispatch rate -------------------------------------------------------------------------


def _fill(database: Database, count: int) -> None:
    people = _people(database, 200)
    with database.session() as db:
        persons = [db.get(Inburgeraar, pid) for pid, _ in people]
        conversations = [messaging.conversation_for(db, p) for p in persons]
        for n in range(count):
            messaging.queue_outbound(
                db, conversations[n % len(conversations)], f"Bericht {n}", kind="bot_reply"
            )
        db.commit()


def dispatch_rate(label: str, url: str, double_url: str, workers: int) -> tuple[float, list[float]]:
    database = Database(url)
    _wipe(database)
    env = _env(url, TWILIO_API_BASE_URL=double_url, RASA_URL="http://127.0.0.1:9")
    procs = []
    with ExitStack() as stack:
        for i in range(workers):
            procs.append(
                stack.enter_context(
                    _process([sys.executable, "-m", "api.worker"], env, f"worker-{label}-{workers}-{i}")
                )
            )
        time.sleep(4)  # imports and the first empty rounds
        _fill(database, OUTBOX_ROWS)
        started = time.monotonic()
        deadline = started + 300
        sent = 0
        while time.monotonic() < deadline:
            with database.session() as db:
                sent = db.scalar(
                    select(func.count()).select_from(OutboxItem).where(OutboxItem.status == "sent")
                )
            if sent >= OUTBOX_ROWS:
                break
            time.sleep(0.05)
        elapsed = time.monotonic() - started
        memory = [_rss_mb(p.pid) for p in procs]
    database.engine.dispose()
    return sent / elapsed, memory


def main(argv: list[str] | None = None) -> int:
    # A SIGTERM must still stop Rasa, the API and the workers this benchmark started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    load_before = os.getloadavg()[0]
    latency_rows: list[str] = []
    rate_rows: list[str] = []
    memory_rows: list[str] = []
    kinds = ["trained", "fake"] if trained_model() is not None else ["fake"]
    databases = _databases()
    api_port = free_port()  # fixed: the trained Rasa's NLG endpoint and the actions point at it
    double_port = free_port()
    try:
        for _, url in databases:
            upgrade(url)
        for kind in kinds:
            with _rasa(kind, api_port, databases[0][1]) as (rasa_url, pids):
                for label, url in databases:
                    rows, api_mb = inbound_latency(label, url, api_port, rasa_url, kind)
                    latency_rows += rows
                    memory_rows.append(f"| API (uvicorn, {label}, {kind} Rasa) | {api_mb:.0f} |")
                memory_rows += [f"| {name} | {_rss_mb(pid):.0f} |" for name, pid in pids.items()]
        with _process(
            [sys.executable, "-m", "tests.doubles", "twilio", str(double_port)],
            dict(os.environ),
            "twilio-double",
        ) as double_proc:
            double_url = f"http://127.0.0.1:{double_port}"
            _wait_http(double_url + "/")
            for label, url in databases:
                for workers in (1, 2):
                    rate, worker_mem = dispatch_rate(label, url, double_url, workers)
                    verdict = "yes" if rate >= 500 else "NO"
                    rate_rows.append(f"| {label} | {workers} | {OUTBOX_ROWS} | {rate:.0f} | {verdict} |")
                    memory_rows += [
                        f"| worker {i + 1} of {workers} ({label}) | {mb:.0f} |"
                        for i, mb in enumerate(worker_mem)
                    ]
            memory_rows.append(f"| Twilio double (tests/doubles.py) | {_rss_mb(double_proc.pid):.0f} |")
    finally:
        for _, url in databases:
            _drop(url)
    load_after = os.getloadavg()[0]
    rasa_note = (
        "Rows marked *trained* have the **trained Rasa model** in the loop (Rasa, the action server calling "
        "the case API, replies rendered by the API's NLG endpoint). Rows marked *fake* use the fake Rasa of "
        "tests/doubles.py (answers at once, no NLU): the gateway's own cost."
        if "trained" in kinds
        else "**No trained Rasa model was available** (`make model`), so every row uses the fake Rasa of "
        "tests/doubles.py (answers at once, no NLU): these figures are the gateway's own cost; a real turn "
        "adds Rasa's parse, actions and NLG."
    )
    markdown = f"""
Load average of the machine (all processes, 2 cores) at start / end: {load_before:.1f} / {load_after:.1f}.
Figures from a busy machine (other benchmarks, Rasa training) are lower than on an idle one.

### Inbound webhook -> reply queued

Signed Twilio webhooks against one API process (uvicorn). {rasa_note} Each conversation sends its next
message when the bot's reply to the previous one is queued; latency runs from just before the POST to the
reply's outbox row. Milliseconds.

| Rasa | database | concurrent conversations | messages | p50 | p95 | p99 | messages/s | errors |
|---|---|---|---|---|---|---|---|---|
{chr(10).join(latency_rows)}

### Outbox dispatch rate

{OUTBOX_ROWS} queued SMS handed by `python -m api.worker` processes (batch 50, 8 parallel sends each) through
the official twilio client to the hand-written Twilio double (tests/doubles.py, a separate process), from
the commit of the rows until the last is recorded `sent`. Target: 500 messages/s.

| database | workers | messages | messages/s | >= 500/s |
|---|---|---|---|---|
{chr(10).join(rate_rows)}

### Memory (resident set size at the end of the run, MB)

| process | MB |
|---|---|
{chr(10).join(memory_rows)}
"""
    write_section("gateway", markdown)
    print(markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
