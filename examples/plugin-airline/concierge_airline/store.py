"""The airline's records in τ-bench's shape (users.json, flights.json, reservations.json), read from the tables.

Tools return these records, the replay and the evals compare them, and `concierge airline seed` writes them.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from sqlmodel import Session, col, select

from concierge_airline.models import Booking, Flight, FlightDate, Member, MemberPaymentMethod

Record = dict[str, Any]
Tables = dict[str, dict[str, Record]]


def load_data(name: str) -> Any:
    """One of the shipped data files (``users``, ``flights``, ``reservations``, ``tasks_dev``), parsed."""
    return json.loads((resources.files("concierge_airline") / "data" / f"{name}.json").read_text())


def number(value: float | None) -> float | int | None:
    """A stored amount as the data files write it: 250, not 250.0."""
    return int(value) if value is not None and float(value).is_integer() else value


def payment_methods(session: Session, member_id: str) -> list[MemberPaymentMethod]:
    """The member's payment methods, in their stored order."""
    return list(session.exec(select(MemberPaymentMethod).where(MemberPaymentMethod.member_id == member_id)
                             .order_by(col(MemberPaymentMethod.position))).all())


def payment_record(pm: MemberPaymentMethod) -> Record:
    """A payment method as users.json holds it."""
    if pm.source == "credit_card":
        return {"source": pm.source, "brand": pm.brand, "last_four": pm.last_four, "id": pm.id}
    return {"source": pm.source, "amount": number(pm.amount), "id": pm.id}


def member_record(session: Session, member_id: str) -> Record | None:
    """A member as users.json holds them (None: no such member)."""
    m = session.get(Member, member_id)
    if m is None:
        return None
    return {"name": {"first_name": m.first_name, "last_name": m.last_name}, "address": m.address,
            "email": m.email, "dob": m.dob,
            "payment_methods": {pm.id: payment_record(pm) for pm in payment_methods(session, member_id)},
            "saved_passengers": m.saved_passengers, "membership": m.membership, "reservations": m.reservation_ids}


def booking_record(b: Booking) -> Record:
    """A reservation as reservations.json holds it."""
    record = {"reservation_id": b.id, "user_id": b.user_id, "origin": b.origin, "destination": b.destination,
              "flight_type": b.flight_type, "cabin": b.cabin, "flights": b.flights, "passengers": b.passengers,
              "payment_history": b.payment_history, "created_at": b.created_at,
              "total_baggages": b.total_baggages, "nonfree_baggages": b.nonfree_baggages, "insurance": b.insurance}
    if b.status is not None:
        record["status"] = b.status
    return record


def reservation_view(b: Booking) -> Record:
    """The reservation as the customer, the agent and the policy see it: ``cabin`` is the one flown now
    (``booked_cabin`` says what it was booked in, when that differs)."""
    record = booking_record(b)
    if b.cabin_now and b.cabin_now != b.cabin:
        record.update(cabin=b.cabin_now, booked_cabin=b.cabin)
    return record


def reservation_record(session: Session, reservation_id: str) -> Record | None:
    """A reservation by id (None: no such reservation)."""
    b = session.get(Booking, reservation_id)
    return booking_record(b) if b else None


def flight_date_record(fd: FlightDate) -> Record:
    """A flight's entry for one date, as flights.json holds it."""
    return {"status": fd.status, **fd.details}


def flight_record(session: Session, flight: Flight) -> Record:
    """A flight with all its dates, as flights.json holds it."""
    dates = session.exec(select(FlightDate).where(FlightDate.flight_number == flight.flight_number)).all()
    return {"flight_number": flight.flight_number, "origin": flight.origin, "destination": flight.destination,
            "scheduled_departure_time_est": flight.scheduled_departure_time_est,
            "scheduled_arrival_time_est": flight.scheduled_arrival_time_est,
            "dates": {fd.date: flight_date_record(fd) for fd in sorted(dates, key=lambda d: d.date)}}


def export(session: Session) -> Tables:
    """Every record, per table, in the data files' shape."""
    users = {m.id: member_record(session, m.id) or {} for m in session.exec(select(Member)).all()}
    flights = {f.flight_number: flight_record(session, f) for f in session.exec(select(Flight)).all()}
    reservations = {b.id: booking_record(b) for b in session.exec(select(Booking)).all()}
    return {"users": users, "flights": flights, "reservations": reservations}


def changed(session: Session, fresh: Tables) -> Tables:
    """Per table, the full records that differ from ``fresh`` (added or edited; τ-bench never deletes)."""
    now = export(session)
    return {table: {key: record for key, record in records.items() if fresh.get(table, {}).get(key) != record}
            for table, records in now.items()}
