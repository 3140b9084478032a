"""Fill the airline's tables from the shipped τ-bench data (`concierge airline seed`, and `concierge seed`)."""

from __future__ import annotations

from sqlalchemy import Engine

from concierge_airline.models import Booking, Flight, FlightDate, Member, MemberPaymentMethod
from concierge_airline.store import load_data
from tools.db import Rows, replace_rows


def seed_airline(engine: Engine) -> dict[str, int]:
    """Replace the airline's rows with the τ-bench data in one transaction; rows written per table."""
    rows: Rows = {t: [] for t in (Member, MemberPaymentMethod, Flight, FlightDate, Booking)}
    for uid, u in load_data("users").items():
        rows[Member].append({"id": uid, "first_name": u["name"]["first_name"], "last_name": u["name"]["last_name"],
                             "email": u["email"], "dob": u["dob"], "membership": u["membership"],
                             "address": u["address"], "saved_passengers": u["saved_passengers"],
                             "reservation_ids": u["reservations"]})
        for pos, pm in enumerate(u["payment_methods"].values()):
            rows[MemberPaymentMethod].append({"member_id": uid, "id": pm["id"], "position": pos,
                                              "source": pm["source"], "brand": pm.get("brand"),
                                              "last_four": pm.get("last_four"), "amount": pm.get("amount")})
    for number, f in load_data("flights").items():
        rows[Flight].append({k: f[k] for k in ("flight_number", "origin", "destination",
                                               "scheduled_departure_time_est", "scheduled_arrival_time_est")})
        for day, entry in f["dates"].items():
            details = {k: v for k, v in entry.items() if k != "status"}
            rows[FlightDate].append({"flight_number": number, "date": day, "status": entry["status"],
                                     "details": details})
    for rid, r in load_data("reservations").items():
        rows[Booking].append({"id": rid, **{k: r[k] for k in (
            "user_id", "origin", "destination", "flight_type", "cabin", "flights", "passengers",
            "payment_history", "created_at", "total_baggages", "nonfree_baggages", "insurance")},
            "status": r.get("status")})
    return replace_rows(engine, rows)
