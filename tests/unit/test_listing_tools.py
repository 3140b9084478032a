"""Listing tools: the cancellation policies as code, availability, date changes, approvals, scope."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from tests.unit.test_runner import NOW, confirm
from tools.clock import FixedClock
from tools.listings.models import Guest, Listing, Reservation, ReservationPayment, reservation_state
from tools.listings.policy import cancellation_refund
from tools.runner import Status, ToolRunner

pytestmark = pytest.mark.stores  # the tool and conversation stores, on SQLite and Postgres

CHECK_IN = date(2026, 12, 20)  # 15:00 UTC is the check-in moment


def at(days_before: float) -> datetime:
    return datetime(2026, 12, 20, 15, tzinfo=UTC) - timedelta(days=days_before)


@pytest.mark.parametrize("policy, days_before, nights_refund, rule", [
    ("flexible", 1.0, 300.0, "24 h or more"),
    ("flexible", 0.9, 200.0, "first night kept"),
    ("moderate", 5.0, 300.0, "5 or more days"),
    ("moderate", 4.9, 150.0, "less than 5 days"),
    ("strict", 14.0, 300.0, "14 or more days"),
    ("strict", 10.0, 150.0, "7 to 14 days"),
    ("strict", 6.9, 0.0, "less than 7 days"),
])
def test_cancellation_refunds_follow_the_published_policy(policy, days_before, nights_refund, rule) -> None:
    refund = cancellation_refund(policy, 100.0, 3, 40.0, CHECK_IN, at(days_before))
    assert refund.nights == nights_refund and refund.cleaning_fee == 40.0
    assert refund.total == nights_refund + 40.0 and rule in refund.rule


def test_a_started_stay_cannot_be_cancelled_by_policy_code() -> None:
    with pytest.raises(ValueError, match="started"):
        cancellation_refund("flexible", 100.0, 3, 40.0, CHECK_IN, at(-0.01))


def guest_with(engine, state: str, policy: str | None = None, over: float | None = None,
               under: float | None = None) -> tuple[str, Reservation]:
    """A store customer who is also a guest with a reservation in ``state``; returns (customer_id, reservation)."""
    with Session(engine) as session:
        for guest in session.exec(select(Guest).where(Guest.customer_id.is_not(None))).all():  # type: ignore[union-attr]
            for r in session.exec(select(Reservation).where(Reservation.guest_id == guest.id)).all():
                listing = session.get(Listing, r.listing_id)
                if (reservation_state(r, NOW.date()) == state
                        and (policy is None or listing.cancellation_policy == policy)
                        and (over is None or r.total > over) and (under is None or r.total < under)):
                    return guest.customer_id, r
    raise LookupError("no such reservation in the seed data")


@pytest.fixture
def runner(registry, engine, settings) -> ToolRunner:
    return ToolRunner(registry, engine, settings, clock=FixedClock(NOW))


def test_cancelling_an_upcoming_stay_refunds_by_policy(runner: ToolRunner, engine) -> None:
    customer, r = guest_with(engine, "upcoming", under=400)
    done = confirm(runner, "cancel_reservation", {"reservation_id": r.id}, customer)
    assert done.ok, done.message
    with Session(engine) as session:
        stored = session.get(Reservation, r.id)
        listing = session.get(Listing, r.listing_id)
        refunds = session.exec(select(ReservationPayment).where(ReservationPayment.reservation_id == r.id,
                                                                ReservationPayment.kind == "refund")).all()
    expected = cancellation_refund(listing.cancellation_policy, r.nightly_price, (r.check_out - r.check_in).days,
                                   r.cleaning_fee, r.check_in, NOW)
    assert stored.status == "cancelled" and done.data["refund"] == expected.total
    assert [p.amount for p in refunds] == ([expected.total] if expected.total else [])


def test_a_refund_over_the_limit_waits_for_a_human(runner: ToolRunner, engine) -> None:
    customer, r = guest_with(engine, "upcoming", policy="flexible", over=900)
    asked = runner.run("cancel_reservation", {"reservation_id": r.id}, customer_id=customer, conversation_id="c1")
    assert asked.status is Status.CONFIRM and asked.data["refund"] > 500
    confirmed = runner.run("cancel_reservation", {"reservation_id": r.id}, customer_id=customer,
                           conversation_id="c1", confirmed=asked.args_hash)
    assert confirmed.status is Status.APPROVAL
    with Session(engine) as session:
        assert session.get(Reservation, r.id).status == "confirmed"
    approved = runner.run("cancel_reservation", {"reservation_id": r.id}, customer_id=customer,
                          conversation_id="c1", confirmed=asked.args_hash, approved_by="slack:U42")
    assert approved.ok


@pytest.mark.parametrize("state", ["in_stay", "completed", "cancelled"])
def test_only_upcoming_stays_can_be_cancelled(runner: ToolRunner, engine, state: str) -> None:
    customer, r = guest_with(engine, state)
    result = runner.run("cancel_reservation", {"reservation_id": r.id}, customer_id=customer)
    assert result.status is Status.ERROR and "only upcoming stays" in result.message


def test_changing_dates_needs_free_nights_and_settles_the_difference(runner: ToolRunner, engine) -> None:
    customer, r = guest_with(engine, "upcoming", policy="flexible")
    with Session(engine) as session:
        taken = session.exec(select(Reservation).where(Reservation.listing_id == r.listing_id,
                                                       Reservation.id != r.id, Reservation.status == "confirmed",
                                                       Reservation.check_in > NOW.date())).first()
    if taken is not None:
        clash = runner.run("change_reservation_dates", {"reservation_id": r.id, "check_in": taken.check_in,
                                                        "check_out": taken.check_out}, customer_id=customer)
        assert clash.status is Status.ERROR and "not free" in clash.message
    # One night shorter: always free, and cheaper; flexible refunds the difference in full.
    shorter = {"reservation_id": r.id, "check_in": r.check_in.isoformat(),
               "check_out": (r.check_out - timedelta(days=1)).isoformat()}
    if (r.check_out - r.check_in).days == 1:
        shorter["check_out"] = (r.check_out + timedelta(days=1)).isoformat()
    done = confirm(runner, "change_reservation_dates", shorter, customer)
    assert done.ok, done.message
    assert done.data["refund"] == r.nightly_price or done.data["charged"] == r.nightly_price


def test_search_finds_only_free_places_that_fit(runner: ToolRunner, engine) -> None:
    _, r = guest_with(engine, "upcoming")
    with Session(engine) as session:
        city = session.get(Listing, r.listing_id).city
    found = runner.run("search_listings", {"city": city.lower(), "check_in": r.check_in, "check_out": r.check_out,
                                           "guests": 2}, customer_id=None)
    assert found.ok and found.data
    assert r.listing_id not in {x["listing_id"] for x in found.data}
    assert all(x["city"] == city and x["max_guests"] >= 2 for x in found.data)
    bad = runner.run("search_listings", {"city": city, "check_in": "2026-12-10", "check_out": "2026-12-01"},
                     customer_id=None)
    assert bad.status is Status.ERROR and "after check-in" in bad.message


def test_a_guest_lists_only_their_own_reservations(runner: ToolRunner, engine) -> None:
    customer, r = guest_with(engine, "upcoming")
    mine = runner.run("list_my_reservations", {}, customer_id=customer)
    assert r.id in {x["reservation_id"] for x in mine.data}
    with Session(engine) as session:
        guest_id = session.get(Reservation, r.id).guest_id
        owned = {x.id for x in session.exec(select(Reservation).where(Reservation.guest_id == guest_id)).all()}
    assert {x["reservation_id"] for x in mine.data} == owned


def test_problems_are_reported_during_a_stay_only(runner: ToolRunner, engine) -> None:
    customer, r = guest_with(engine, "in_stay")
    done = confirm(runner, "report_problem", {"reservation_id": r.id, "description": "No hot water"}, customer)
    assert done.ok and done.data["status"] == "open"
    customer, upcoming = guest_with(engine, "upcoming")
    early = runner.run("report_problem", {"reservation_id": upcoming.id, "description": "No hot water"},
                       customer_id=customer)
    assert early.status is Status.ERROR
