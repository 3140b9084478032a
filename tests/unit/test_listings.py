"""The listing marketplace: deterministic, large enough, every reservation state, shared customers."""

from collections import Counter, defaultdict
from datetime import date
from itertools import pairwise

from tools.listings import generate_listings, reservation_state
from tools.listings.models import Guest, Listing, Reservation

TODAY = date(2026, 11, 22)


def test_same_seed_same_data() -> None:
    assert generate_listings(7, today=TODAY) == generate_listings(7, today=TODAY)
    assert generate_listings(7, today=TODAY)[Reservation] != generate_listings(8, today=TODAY)[Reservation]


def test_sizes_and_states() -> None:
    rows = generate_listings(today=TODAY)
    assert len(rows[Listing]) >= 300
    assert len({x["city"] for x in rows[Listing]}) >= 10
    assert len(rows[Reservation]) >= 2000
    states = Counter(reservation_state(r, TODAY) for r in rows[Reservation])
    assert set(states) == {"upcoming", "in_stay", "completed", "cancelled"}
    assert {x["cancellation_policy"] for x in rows[Listing]} == {"flexible", "moderate", "strict"}


def test_confirmed_stays_never_overlap_on_a_listing() -> None:
    by_listing = defaultdict(list)
    for r in generate_listings(today=TODAY)[Reservation]:
        if r["status"] == "confirmed":
            by_listing[r["listing_id"]].append((r["check_in"], r["check_out"]))
    for stays in by_listing.values():
        stays.sort()
        assert all(a[1] <= b[0] for a, b in pairwise(stays))


def test_bookings_and_cancellations_are_not_in_the_future() -> None:
    for r in generate_listings(today=TODAY)[Reservation]:
        assert r["booked_at"].date() < TODAY and r["booked_at"].date() < r["check_in"]
        if r["cancelled_at"]:
            assert r["booked_at"] <= r["cancelled_at"] and r["cancelled_at"].date() <= TODAY


def test_some_guests_are_store_customers_with_the_same_email() -> None:
    from tools.orders.seed import load_tau_json

    users = load_tau_json("users")
    shared = [g for g in generate_listings(today=TODAY)[Guest] if g["customer_id"]]
    assert len(shared) >= 100
    assert all(users[g["customer_id"]]["email"] == g["email"] for g in shared)
