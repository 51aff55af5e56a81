"""Demo data for `make run`: idempotent (keyed on emails and phone numbers), never for production.

Two klantmanagers, a coordinator, an admin, inburgeraars in several languages and groups, and
appointments of every kind over the coming weeks, including a group PVT excursion.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.appointments.models import Appointment, AppointmentStatus, Attendance
from api.auth import hash_password
from api.db import Database
from api.people.models import Inburgeraar
from api.settings import get_settings
from api.staff import tokens
from api.staff.models import Staff

TZ = ZoneInfo("Europe/Amsterdam")
DEMO_PASSWORD = "demo-wachtwoord"

STAFF = [
    # email, name, role, phone, demo API token
    ("fatima@gemeente.example", "Fatima de Vries", "klantmanager", "+31201234501", "demo-token-fatima"),
    ("joost@gemeente.example", "Joost Bakker", "klantmanager", "+31201234502", "demo-token-joost"),
    ("coordinator@gemeente.example", "Sanne Coordinator", "coordinator", "+31201234503", "demo-token-sanne"),
    ("admin@gemeente.example", "Admin", "admin", None, "demo-token-admin"),
]
PEOPLE = [
    # phone, name, language, doelgroep, klantmanager email, pip date (days ago), leerroute, whatsapp
    ("+31612345001", "Amina Haddad", "ar", "asielstatushouder", "fatima@gemeente.example", 120, "b1", True),
    ("+31612345002", "Yonas Tesfay", "ti", "asielstatushouder", "fatima@gemeente.example", 300, "z", True),
    ("+31612345003", "Zahra Ahmadi", "fa_AF", "nareiziger", "fatima@gemeente.example", None, None, False),
    ("+31612345004", "Mehmet Yilmaz", "tr", "gezinsmigrant", "joost@gemeente.example", 400, "b1", False),
    (
        "+31612345005",
        "Hodan Warsame",
        "so",
        "asielstatushouder",
        "joost@gemeente.example",
        60,
        "onderwijs",
        True,
    ),
    ("+31612345006", "Sarah Johnson", "en", "overige_migrant", "joost@gemeente.example", 30, "b1", False),
    ("+31612345007", "Rojda Aydin", "ku", "asielstatushouder", "joost@gemeente.example", 200, "b1", True),
    ("+31612345008", "Farid Karimi", "fa", "asielstatushouder", "fatima@gemeente.example", 500, "b1", False),
    ("+31612345009", "Gul Ahmadzai", "ps", "nareiziger", "fatima@gemeente.example", 90, "z", True),
    (
        "+31612345010",
        "Ahmad Al-Khatib",
        "ar",
        "ondertussengroep",
        "joost@gemeente.example",
        None,
        "b1",
        False,
    ),
]


def _at(days: int, hour: int, minute: int = 0) -> datetime:
    day = date.today() + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), TZ)


def load(db: Session) -> dict[str, int]:
    """Insert what is missing; running it twice changes nothing.

    Long on purpose: one straight walk through the demo caseload (staff, people, appointments) reads
    better than helpers that each insert one table.
    """
    staff: dict[str, Staff] = {}
    for email, name, role, phone, token in STAFF:
        member = db.scalar(select(Staff).where(Staff.email == email))
        if member is None:
            member = Staff(
                email=email, name=name, role=role, phone=phone, password_hash=hash_password(DEMO_PASSWORD)
            )
            db.add(member)
        if tokens.expired(member):  # the printed demo tokens keep working on an old demo database
            tokens.grant(member, token, days=get_settings().staff_token_days)
        db.flush()
        staff[email] = member
    people: dict[str, Inburgeraar] = {}
    for phone, name, language, doelgroep, km, pip_days, route, whatsapp in PEOPLE:
        person = db.scalar(select(Inburgeraar).where(Inburgeraar.phone == phone))
        if person is None:
            person = Inburgeraar(
                phone=phone,
                name=name,
                language=language,
                doelgroep=doelgroep,
                klantmanager_id=staff[km].id,
                whatsapp_opt_in=whatsapp,
                leerroute=route,
                pip_date=date.today() - timedelta(days=pip_days) if pip_days else None,
                obligation_start_date=date(2021, 6, 1)
                if doelgroep == "ondertussengroep"
                else date.today() - timedelta(days=(pip_days or 30) + 70),
                pvt_hours_done=min(12, (pip_days or 0) // 40),
                map_status="in_progress" if (pip_days or 0) > 250 else "not_started",
            )
            db.add(person)
            db.flush()
        people[phone] = person
    created = 0
    if db.scalar(select(Appointment.id).limit(1)) is None:
        p = list(people.values())
        fatima, joost = staff["fatima@gemeente.example"], staff["joost@gemeente.example"]
        plan = [
            (
                "voortgangsgesprek",
                1,
                10,
                [p[0]],
                fatima,
                "Stadskantoor, Balie 3",
                (["invitation_letter", "pip"], None),
            ),
            ("voortgangsgesprek", 3, 14, [p[3]], joost, "Stadskantoor, Kamer 2.14", ([], None)),
            ("brede_intake", 2, 9, [p[2]], fatima, "Stadskantoor, Kamer 1.02", (["id_document"], None)),
            ("leerbaarheidstoets", 6, 13, [p[2]], fatima, "Taalhuis, Lokaal 4", ([], None)),
            ("pip_gesprek", 8, 11, [p[9]], joost, "Stadskantoor, Kamer 2.14", ([], None)),
            ("pvt_bijeenkomst", 4, 19, [p[0], p[4], p[6], p[7]], None, "Bibliotheek, Zaal B", ([], None)),
            (
                "pvt_excursie",
                12,
                10,
                [p[0], p[1], p[4], p[6], p[7], p[8]],
                None,
                "Verzamelen bij het station, ingang Noord",
                (["transport_card"], "lunch"),
            ),
            ("map_activiteit", 5, 9, [p[1], p[5]], joost, "Werkplein, Zaal 1", ([], None)),
            ("knm_les", 7, 18, [p[0], p[3], p[5], p[6]], None, "Taalhuis, Lokaal 2", ([], "schrift en pen")),
            ("voortgangsgesprek", 15, 15, [p[8]], fatima, "Stadskantoor, Balie 3", ([], None)),
            ("voortgangsgesprek", 20, 11, [p[0]], fatima, "Stadskantoor, Balie 3", ([], None)),
        ]
        for kind, days, hour, participants, member, location, (items, bring) in plan:
            appointment = Appointment(
                kind=kind,
                starts_at=_at(days, hour),
                ends_at=_at(days, hour) + timedelta(hours=1),
                location=location,
                staff_id=member.id if member else None,
                bring_items=items or None,
                what_to_bring=bring,
                status=AppointmentStatus.scheduled,
                checkin_code=f"{secrets.randbelow(10000):04d}",
            )
            appointment.attendances = [Attendance(inburgeraar_id=x.id) for x in participants]
            db.add(appointment)
            created += 1
        db.flush()
    return {"staff": len(staff), "inburgeraars": len(people), "appointments_created": created}


def main() -> None:
    db = Database(get_settings().database_url)
    with db.session() as session:
        counts = load(session)
        session.commit()
    print("demo data:", ", ".join(f"{k}={v}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
