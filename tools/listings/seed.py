"""Generate the listing marketplace deterministically from a seed and an anchor date.

The same ``seed`` and ``today`` always give the same rows. Dates are laid out
around ``today`` so that the demo always has upcoming, in-stay, completed and
cancelled reservations.
"""

from __future__ import annotations

import random
import string
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine

from tools.db import Rows, replace_rows
from tools.listings.models import (
    AvailabilityBlock,
    Guest,
    Host,
    HostMessage,
    Listing,
    ProblemReport,
    Reservation,
    ReservationPayment,
)
from tools.orders.seed import load_tau_json

DEFAULT_SEED = 20261122

CITIES: list[tuple[str, str, list[str]]] = [
    ("Lisbon", "Portugal", ["Alfama", "Baixa", "Principe Real", "Belem"]),
    ("Barcelona", "Spain", ["Gracia", "El Born", "Eixample", "Barceloneta"]),
    ("Mexico City", "Mexico", ["Roma Norte", "Condesa", "Coyoacan", "Polanco"]),
    ("Bali", "Indonesia", ["Ubud", "Canggu", "Seminyak", "Uluwatu"]),
    ("Kyoto", "Japan", ["Gion", "Higashiyama", "Arashiyama", "Nakagyo"]),
    ("Cape Town", "South Africa", ["Sea Point", "Gardens", "Camps Bay", "Woodstock"]),
    ("New York", "USA", ["Brooklyn Heights", "Harlem", "East Village", "Astoria"]),
    ("Austin", "USA", ["South Congress", "East Austin", "Zilker", "Hyde Park"]),
    ("Paris", "France", ["Le Marais", "Montmartre", "Saint-Germain", "Belleville"]),
    ("Berlin", "Germany", ["Kreuzberg", "Mitte", "Prenzlauer Berg", "Neukolln"]),
    ("Sydney", "Australia", ["Bondi", "Surry Hills", "Newtown", "Manly"]),
    ("Reykjavik", "Iceland", ["Midborg", "Vesturbaer", "Hlidar", "Laugardalur"]),
]
PROPERTY_TYPES = [("Studio", 0, 2), ("Apartment", 1, 3), ("Loft", 1, 4), ("Apartment", 2, 5),
                  ("House", 3, 7), ("Villa", 4, 10), ("Cabin", 2, 5), ("Townhouse", 3, 6)]
ADJECTIVES = ["Sunny", "Quiet", "Cozy", "Bright", "Modern", "Charming", "Spacious", "Historic", "Airy", "Stylish"]
AMENITIES = ["wifi", "kitchen", "washer", "air conditioning", "heating", "dedicated workspace", "pool",
             "free parking", "hot tub", "balcony", "elevator", "self check-in", "crib", "ev charger"]
HOUSE_RULES = ["No smoking", "No parties or events", "Pets allowed", "No pets", "Quiet hours 22:00-08:00",
               "Check-in after 15:00", "Check-out before 11:00", "No visitors after 22:00",
               "Suitable for children", "Shoes off indoors"]
FIRST = ["Ana", "Ben", "Chloe", "Diego", "Emma", "Felix", "Grace", "Hiro", "Ines", "Jonas", "Kai", "Lena",
         "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera", "Wen", "Yara"]
LAST = ["Silva", "Novak", "Okafor", "Tanaka", "Schmidt", "Haddad", "Moreau", "Kowalski", "Larsen", "Reyes",
        "Nguyen", "Fischer", "Costa", "Ivanova", "Mensah", "Sato", "Duarte", "Berg", "Rossi", "Ali"]

N_LISTINGS = 324
N_HOSTS = 120
N_GUESTS = 900
N_SHARED_WITH_STORE = 150  # guests who are also store customers (same email)


def _code(rng: random.Random, prefix: str, n: int) -> str:
    return prefix + "".join(rng.choices(string.ascii_uppercase + string.digits, k=n))


def _at(d: date, hour: int) -> datetime:
    return datetime.combine(d, time(hour=hour), tzinfo=UTC)




def generate_listings(seed: int = DEFAULT_SEED, *, today: date) -> Rows:
    """Build all rows of the marketplace; pure function of ``seed`` and ``today`` (stays are laid out around it)."""
    rng = random.Random(seed)
    # Messages and problem reports start empty, but are listed so that a re-seed clears them too.
    rows: Rows = {t: [] for t in (
        Host, Guest, Listing, AvailabilityBlock, Reservation, ReservationPayment, HostMessage, ProblemReport)}

    for i in range(N_HOSTS):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        rows[Host].append({"id": f"host_{i + 1:04d}", "name": f"{first} {last}",
                           "email": f"{first}.{last}.host{i + 1}@example.com".lower(),
                           "joined": today - timedelta(days=rng.randint(200, 3000)),
                           "superhost": rng.random() < 0.3})

    # Some guests are store customers: same person, same email, so one desk serves both.
    customers = load_tau_json("users")
    shared = rng.sample(sorted(customers), N_SHARED_WITH_STORE)
    for i in range(N_GUESTS):
        gid = f"guest_{i + 1:04d}"
        if i < len(shared):
            c = customers[shared[i]]
            rows[Guest].append({"id": gid, "first_name": c["name"]["first_name"],
                                "last_name": c["name"]["last_name"], "email": c["email"],
                                "customer_id": shared[i]})
        else:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            rows[Guest].append({"id": gid, "first_name": first, "last_name": last,
                                "email": f"{first}.{last}{rng.randint(10, 9999)}@example.com".lower(),
                                "customer_id": None})

    policies = ["flexible", "moderate", "strict"]
    for i in range(N_LISTINGS):
        city, country, hoods = CITIES[i % len(CITIES)]
        ptype, bedrooms, max_guests = rng.choice(PROPERTY_TYPES)
        hood = rng.choice(hoods)
        price = round(rng.uniform(45, 180) * (1 + 0.35 * bedrooms), 0)
        rows[Listing].append({
            "id": f"L{10000 + i}", "host_id": f"host_{rng.randint(1, N_HOSTS):04d}",
            "title": f"{rng.choice(ADJECTIVES)} {ptype.lower()} in {hood}",
            "city": city, "country": country, "neighbourhood": hood, "property_type": ptype,
            "bedrooms": bedrooms, "max_guests": max_guests, "nightly_price": price,
            "cleaning_fee": round(price * rng.uniform(0.2, 0.6), 0),
            "cancellation_policy": policies[i % 3],
            "house_rules": sorted(rng.sample(HOUSE_RULES, rng.randint(2, 5))),
            "amenities": sorted(rng.sample(AMENITIES, rng.randint(4, 9))),
            "rating": round(rng.uniform(3.8, 5.0), 2),
        })

    for listing in rows[Listing]:
        _fill_calendar(rng, listing, today, rows)
    return rows


def _fill_calendar(rng: random.Random, listing: dict[str, Any], today: date,
                   rows: Rows) -> None:
    """Lay stays and host blocks along a listing's calendar, a year back to half a year ahead."""
    day = today - timedelta(days=rng.randint(330, 365))
    horizon = today + timedelta(days=180)
    while day < horizon:
        day += timedelta(days=rng.randint(3, 40))
        nights = rng.randint(1, 10)
        if rng.random() < 0.08:
            rows[AvailabilityBlock].append({"listing_id": listing["id"], "start": day,
                                            "end": day + timedelta(days=nights), "reason": "host_blocked"})
            day += timedelta(days=nights)
            continue
        check_out = day + timedelta(days=nights)
        cancelled = rng.random() < 0.12
        # Booked before check-in and never after today; cancelled between booking and check-in.
        booked_day = min(day - timedelta(days=rng.randint(3, 120)), today - timedelta(days=rng.randint(1, 20)))
        booked = _at(booked_day, rng.randint(7, 21))
        cancelled_at = None
        if cancelled:
            span = max((min(day, today) - booked_day).days, 1)
            cancelled_at = _at(booked_day + timedelta(days=rng.randint(0, span - 1)), 22)
        subtotal = listing["nightly_price"] * nights
        total = round(subtotal + listing["cleaning_fee"], 2)
        rid = _code(rng, "HM", 8)
        rows[Reservation].append({
            "id": rid, "listing_id": listing["id"], "guest_id": f"guest_{rng.randint(1, N_GUESTS):04d}",
            "check_in": day, "check_out": check_out, "guests": rng.randint(1, listing["max_guests"]),
            "status": "cancelled" if cancelled else "confirmed", "nightly_price": listing["nightly_price"],
            "cleaning_fee": listing["cleaning_fee"], "total": total, "booked_at": booked,
            "cancelled_at": cancelled_at,
        })
        rows[ReservationPayment].append({"reservation_id": rid, "kind": "charge", "amount": total, "at": booked})
        if cancelled_at is not None:
            rows[ReservationPayment].append({"reservation_id": rid, "kind": "refund", "amount": total,
                                             "at": cancelled_at})
        else:
            day = check_out  # a cancelled stay frees its nights for the next booking


def seed_listings(engine: Engine, seed: int = DEFAULT_SEED, *, today: date) -> dict[str, int]:
    """Replace the listing tables' rows with generated data around ``today``, in one transaction."""
    return replace_rows(engine, generate_listings(seed, today=today))
