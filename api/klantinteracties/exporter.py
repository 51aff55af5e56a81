"""The worker's export to the register: claims due rows, makes their requests, records how it went.

One round (`Exporter.run_once`), like the outbox's (ADR 0004):

1. claim a due row (`FOR UPDATE SKIP LOCKED` on PostgreSQL) with a lease long enough for its requests,
   one row at a time; a row whose cause is not yet sent (an absence's task waits for the absence's
   Klantcontact) is not due. Every write back checks the lease is still ours, and no request is made
   once it has run out: a row another worker took over is left to it;
2. per row, each object in order: the person's DigitaalAdres and Partij, the Klantcontact with its
   Betrokkene, the InterneTaak, or the InterneTaak's new status. **Before creating anything it looks the
   object up by our own reference** (the address's `referentie`, the contact's Onderwerpobject, the task's
   kenmerk), and stores every UUID the register gives as soon as it has it. So an attempt after a crash
   between the register's answer and our commit finds what the earlier one created instead of creating it
   twice. The register's UUIDs are its own (`uuid` is read-only in the API): we cannot choose them;
3. sent; or back to pending with backoff (5xx, 429, timeouts); or failed for good (other 4xx, or out of
   attempts), shown to coordinators on /ui/register, who can try it again.

No database lock or transaction is held while the register answers, except the person's own
`klantinteracties_partij` row on PostgreSQL while their Partij is first made (two workers never make two).
"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import structlog
from sqlalchemy import ColumnElement, and_, exists, or_, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from api.appointments.models import Appointment, Attendance
from api.db import claim_rows, utcnow
from api.klantinteracties import mapping
from api.klantinteracties.client import RegisterClient, RegisterError, uuid_of
from api.klantinteracties.models import ExportKind, ExportStatus, RegisterExport, RegisterParty
from api.messaging.outbox import backoff
from api.people.models import Inburgeraar
from api.settings import Settings
from api.tasks.models import Escalation, Task

log = structlog.get_logger()

BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
REQUESTS_PER_EXPORT = 8  # the most one row makes: 2 per object, 4 objects


class LeaseLost(Exception):
    """Another worker took the row over (our lease ran out): stop without recording anything."""


@dataclass
class Report:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0


@dataclass(frozen=True)
class _Work:
    """What one export needs, read in one short transaction before any request."""

    export_id: int
    kind: str
    person_id: int
    name: str
    phone: str
    language: str | None
    contact: mapping.Contact | None
    klantcontact_uuid: str | None  # known already: ours from an earlier attempt, or the cause's
    internetaak_uuid: str | None
    done_at: datetime | None = None


def claim(
    db: Session, *, limit: int, now: datetime, lease_until: datetime, exclude: Sequence[int] = ()
) -> list[int]:
    """Take up to `limit` due rows until `lease_until` (the caller commits); a row waits while its cause is
    not sent. `exclude`: rows this round already tried (a round tries a row once)."""
    cause = aliased(RegisterExport)
    ready = or_(
        RegisterExport.cause_id.is_(None),
        exists().where(cause.id == RegisterExport.cause_id, cause.status == ExportStatus.sent),
    )
    due = or_(
        and_(RegisterExport.status == ExportStatus.pending, RegisterExport.next_attempt_at <= now),
        and_(RegisterExport.status == ExportStatus.sending, RegisterExport.locked_until < now),
    )
    return claim_rows(
        db,
        RegisterExport.id,
        due=and_(due, ready, RegisterExport.id.not_in(exclude)),
        order_by=(RegisterExport.next_attempt_at, RegisterExport.id),
        limit=limit,
        values={
            "status": ExportStatus.sending,
            "locked_until": lease_until,
            "attempts": RegisterExport.attempts + 1,
        },
    )


def phone_digest(phone: str) -> str:
    return hashlib.sha256(phone.encode()).hexdigest()


class Exporter:
    """Sends due export rows to the register; several may run side by side (workers)."""

    def __init__(
        self,
        settings: Settings,
        bind: Engine | Connection,
        *,
        transport: httpx.BaseTransport | None = None,
        rng: random.Random | None = None,
        batch_size: int = 20,
    ) -> None:
        self.settings = settings
        self.bind = bind
        self.transport = transport
        self.rng = rng or random.Random()
        self.batch_size = batch_size
        self.lease = timedelta(
            seconds=max(60.0, settings.klantinteracties_timeout_seconds * REQUESTS_PER_EXPORT + 30)
        )
        self.client: RegisterClient | None = None
        self.lease_until = utcnow()  # of the row being exported

    def session(self) -> Session:
        return Session(bind=self.bind, expire_on_commit=False)

    def run_once(self, now: datetime | None = None) -> Report:
        """Export up to `batch_size` due rows, claiming one at a time; returns what happened.

        One row at a time, so each lease covers one row's requests: a slow register never lets the lease of
        a row still waiting in a batch run out (another worker would then make the same objects).
        """
        report = Report()
        tried: list[int] = []
        try:
            while len(tried) < self.batch_size:
                lease_until = utcnow() + self.lease
                with self.session() as db:
                    ids = claim(db, limit=1, now=now or utcnow(), lease_until=lease_until, exclude=tried)
                    db.commit()
                if not ids:
                    break
                tried += ids
                report.claimed += 1
                if self.client is None:
                    self.client = RegisterClient(self.settings, self.transport)
                outcome = self.export(ids[0], lease_until)
                if outcome == "sent":
                    report.sent += 1
                elif outcome == "retry":
                    report.retried += 1
                elif outcome == "failed":
                    report.failed += 1
        finally:
            if self.client is not None:
                self.client.close()
                self.client = None
        return report

    def drain(self, *, max_rounds: int = 50, now: datetime | None = None) -> Report:
        """Rounds until nothing is due (tests)."""
        total = Report()
        for _ in range(max_rounds):
            report = self.run_once(now)
            for name in ("claimed", "sent", "retried", "failed"):
                setattr(total, name, getattr(total, name) + getattr(report, name))
            if not report.claimed:
                break
        return total

    # --- one row -----------------------------------------------------------------------------------

    def export(self, export_id: int, lease_until: datetime) -> str:
        """Make one row's requests; "sent", "retry", "failed", or "gone" (erased or taken over)."""
        self.lease_until = lease_until
        try:
            work = self._read(export_id)
            if work is None:
                return "gone"
            self._send(work)
        except LeaseLost:
            return "gone"
        except RegisterError as error:
            return self._record_failure(export_id, error)
        except Exception as exc:  # a bug or a database hiccup must not lose the row: try again later
            log.exception("klantinteracties_export_error", export_id=export_id, error=type(exc).__name__)
            return self._record_failure(export_id, RegisterError("error", type(exc).__name__, retryable=True))
        return self._record_sent(export_id)

    def _send(self, work: _Work) -> None:
        if work.kind == ExportKind.task_done:
            if work.internetaak_uuid is None:
                raise RegisterError("no_task", "the task was never created in the register", retryable=False)
            assert work.done_at is not None
            body = mapping.task_done_body(work.done_at)
            self._call().update(f"/internetaken/{work.internetaak_uuid}", body)
            return
        klantcontact = work.klantcontact_uuid
        if klantcontact is None:
            partij = self.party(work)
            klantcontact = self.contact(work, partij)
        if work.kind == ExportKind.task and work.internetaak_uuid is None:
            self.task(work, klantcontact)

    def _call(self) -> RegisterClient:
        """The client, while our lease lasts: past it another worker may be doing this row already."""
        assert self.client is not None, "requests are made inside run_once"
        if utcnow() >= self.lease_until:
            raise LeaseLost("the lease ran out")
        return self.client

    def _ours(self, export_id: int) -> ColumnElement[bool]:
        return and_(
            RegisterExport.id == export_id,
            RegisterExport.status == ExportStatus.sending,
            RegisterExport.locked_until == self.lease_until,
        )

    def _read(self, export_id: int) -> _Work | None:
        with self.session() as db:
            row = db.scalar(select(RegisterExport).where(self._ours(export_id)))
            person = db.get(Inburgeraar, row.inburgeraar_id) if row is not None else None
            if row is None or person is None:
                return None
            cause = db.get(RegisterExport, row.cause_id) if row.cause_id else None
            work = dict(
                export_id=row.id,
                kind=row.kind,
                person_id=person.id,
                name=person.name,
                phone=person.phone,
                language=person.language,
                klantcontact_uuid=row.klantcontact_uuid,
                internetaak_uuid=row.internetaak_uuid,
                contact=None,
            )
            if row.kind == ExportKind.task_done:
                task = db.get(Task, row.task_id) if row.task_id else None
                work.update(
                    internetaak_uuid=cause.internetaak_uuid if cause else None,
                    done_at=(task.done_at if task else None) or row.occurred_at,
                )
                return _Work(**work)
            if row.kind == ExportKind.task and cause is not None and work["klantcontact_uuid"] is None:
                work["klantcontact_uuid"] = cause.klantcontact_uuid
            work["contact"] = self._contact_facts(db, row, person)
            return _Work(**work)

    def _contact_facts(self, db: Session, row: RegisterExport, person: Inburgeraar) -> mapping.Contact:
        facts: dict[str, Any] = dict(
            kind=row.kind,
            reference=row.reference,
            channel=row.channel,
            language=person.language,
            occurred_at=row.occurred_at,
            topic=row.topic,
        )
        appointment_id = None
        if row.kind == ExportKind.absence and row.attendance_id:
            attendance = db.get(Attendance, row.attendance_id)
            if attendance is not None:
                appointment_id = attendance.appointment_id
                facts["late"] = bool(attendance.reported_late)
        elif row.kind == ExportKind.escalation and row.escalation_id:
            escalation = db.get(Escalation, row.escalation_id)
            facts["closed_at"] = escalation.resolved_at if escalation else None
        elif row.kind == ExportKind.task and row.task_id:
            task = db.get(Task, row.task_id)
            if task is not None:
                facts["kind"] = task.kind
                appointment_id = task.appointment_id
        appointment = db.get(Appointment, appointment_id) if appointment_id else None
        if appointment is not None:
            facts["appointment"] = mapping.Appointment(appointment.kind, appointment.starts_at)
        return mapping.Contact(**facts)

    # --- the objects, each looked up by our reference before it is created ---------------------------

    def party(self, work: _Work) -> str:
        """The person's Partij (with their current number as DigitaalAdres), found or made; its uuid.

        The address is made first, with our `referentie`, and the Partij with that address in one request:
        whatever an interrupted attempt left, the address found by `referentie` leads to it.
        """
        digest = phone_digest(work.phone)
        with self.session() as db:
            link = self._lock_party(db, work.person_id, digest)
            if link.partij_uuid and link.digitaal_adres_uuid and link.phone_digest == digest:
                return link.partij_uuid
            number = link.address_number
            if link.digitaal_adres_uuid and link.phone_digest != digest:
                number += 1  # a new number: a new address of the same Partij (it becomes the standard one)
            referentie = f"{link.reference}-{number}"
            address = self._find_address(referentie)
            # Only an address found again can have a Partij we do not know: one made now has ours or none.
            partij = link.partij_uuid or (uuid_of(address.get("verstrektDoorPartij")) if address else None)
            if address is None:
                address = self._call().create(
                    "/digitaleadressen", mapping.address_body(work.phone, referentie, link.partij_uuid)
                )
            address_uuid = uuid_of(address)
            if address_uuid is None:
                raise RegisterError("bad_response", "digitaal adres without uuid", retryable=True)
            if partij is None:
                created = self._call().create(
                    "/partijen", mapping.party_body(work.name, work.language, address_uuid)
                )
                partij = uuid_of(created)
                if partij is None:
                    raise RegisterError("bad_response", "partij without uuid", retryable=True)
            link.address_number, link.phone_digest = number, digest
            link.digitaal_adres_uuid, link.partij_uuid = address_uuid, partij
            db.commit()
            log.info("klantinteracties_party_ready", export_id=work.export_id, address_number=number)
            return partij

    def _lock_party(self, db: Session, person_id: int, digest: str) -> RegisterParty:
        query = select(RegisterParty).where(RegisterParty.inburgeraar_id == person_id)
        if db.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        link = db.scalar(query)
        if link is not None:
            return link
        try:  # committed before any request: its reference is what a retry looks up
            db.add(RegisterParty(inburgeraar_id=person_id, reference=uuid.uuid4().hex, phone_digest=digest))
            db.commit()
        except IntegrityError:  # another worker made it a moment ago
            db.rollback()
        link = db.scalar(query)
        assert link is not None
        return link

    def _find_address(self, referentie: str) -> dict[str, Any] | None:
        for found in self._call().search("/digitaleadressen", referentie=referentie):
            if found.get("referentie") == referentie and uuid_of(found):
                return found
        return None

    def contact(self, work: _Work, partij: str) -> str:
        """The Klantcontact with its Betrokkene (the Partij) and our Onderwerpobject; its uuid."""
        contact = work.contact
        assert contact is not None
        klantcontact, betrokkene = self._find_contact(contact), None
        if klantcontact is not None:
            betrokkene = self._find_betrokkene(klantcontact, partij)
        else:
            made = self._call().create("/maak-klantcontact", mapping.contact_body(contact, partij))
            klantcontact = uuid_of(made.get("klantcontact"))
            betrokkene = uuid_of(made.get("betrokkene"))
            if klantcontact is None:
                raise RegisterError("bad_response", "klantcontact without uuid", retryable=True)
        self._progress(work.export_id, klantcontact_uuid=klantcontact, betrokkene_uuid=betrokkene)
        return klantcontact

    def _find_contact(self, contact: mapping.Contact) -> str | None:
        wanted = mapping.identificator(contact.object_type, contact.reference)
        filters = {f"onderwerpobjectidentificator{k[0].upper()}{k[1:]}": v for k, v in wanted.items()}
        found = self._call().search("/onderwerpobjecten", **filters)
        for item in found:
            if item.get("onderwerpobjectidentificator") == wanted and uuid_of(item.get("klantcontact")):
                return uuid_of(item.get("klantcontact"))
        return None

    def _find_betrokkene(self, klantcontact: str, partij: str) -> str | None:
        for found in self._call().search("/betrokkenen", hadKlantcontact__uuid=klantcontact):
            ours = uuid_of(found.get("wasPartij")) == partij
            if ours and uuid_of(found.get("hadKlantcontact")) == klantcontact:
                return uuid_of(found)
        return None

    def task(self, work: _Work, klantcontact: str) -> str:
        """The InterneTaak on the contact that led to it, assigned to the configured actor; its uuid."""
        contact = work.contact
        assert contact is not None
        line = mapping.kenmerk(contact.reference)
        internetaak = None
        for found in self._call().search("/internetaken", aanleidinggevendKlantcontact__uuid=klantcontact):
            if uuid_of(found.get("aanleidinggevendKlantcontact")) == klantcontact and line in str(
                found.get("toelichting") or ""
            ):
                internetaak = uuid_of(found)
                break
        if internetaak is None:
            body = mapping.task_body(
                contact.kind, contact.reference, klantcontact, self.settings.klantinteracties_actor_uuid
            )
            internetaak = uuid_of(self._call().create("/internetaken", body))
            if internetaak is None:
                raise RegisterError("bad_response", "interne taak without uuid", retryable=True)
        self._progress(work.export_id, internetaak_uuid=internetaak)
        return internetaak

    # --- recording ---------------------------------------------------------------------------------

    def _progress(self, export_id: int, **uuids: str | None) -> None:
        """Store what the register gave at once, while the row is still ours."""
        with self.session() as db:
            moved = db.execute(
                update(RegisterExport)
                .where(self._ours(export_id))
                .values(**uuids)
                .execution_options(synchronize_session=False)
            ).rowcount
            db.commit()
        if not moved:
            raise LeaseLost(export_id)

    def _record_sent(self, export_id: int) -> str:
        with self.session() as db:
            moved = db.execute(
                update(RegisterExport)
                .where(self._ours(export_id))
                .values(
                    status=ExportStatus.sent,
                    sent_at=utcnow(),
                    locked_until=None,
                    last_error_code=None,
                    last_error=None,
                )
                .execution_options(synchronize_session=False)
            ).rowcount
            db.commit()
        if not moved:
            return "gone"
        log.info("klantinteracties_exported", export_id=export_id)
        return "sent"

    def _record_failure(self, export_id: int, error: RegisterError) -> str:
        with self.session() as db:
            row = db.scalar(select(RegisterExport).where(self._ours(export_id)))
            if row is None:
                return "gone"
            row.last_error_code, row.last_error = error.code, error.detail
            row.locked_until = None
            if error.retryable and row.attempts < self.settings.klantinteracties_max_attempts:
                row.status = ExportStatus.pending
                row.next_attempt_at = utcnow() + backoff(
                    row.attempts, self.rng, base=BACKOFF_BASE, cap=BACKOFF_CAP
                )
                outcome = "retry"
            else:
                row.status = ExportStatus.failed
                outcome = "failed"
            attempts = row.attempts
            db.commit()
        event = "klantinteracties_retry_later" if outcome == "retry" else "klantinteracties_failed"
        log.info(event, export_id=export_id, code=error.code, attempts=attempts)
        return outcome
