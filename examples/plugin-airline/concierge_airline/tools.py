"""The airline's tools: τ-bench's 14 (same names, arguments and effects), an identification and a status look-up.

Every customer tool checks that the member, reservation or payment method is the signed-in customer's;
"not yours" and "does not exist" read the same. What the reservation system refuses raises ToolError; what
the policy forbids but a supervisor may allow is returned as ``exceptions``, and then the runner asks a
human agent to approve (``approval_if``) — see policy.py.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, select

from concierge_airline import policy, render
from concierge_airline.facts import AIRPORTS, KIND, reservation_named
from concierge_airline.models import Booking, Flight, FlightDate, Member, MemberPaymentMethod
from concierge_airline.store import Record, member_record, payment_methods, reservation_view
from tools.api import Access, Example, Risk, ToolContext, ToolError, tool
from tools.auth import Authenticated, identify
from tools.calculator import calculate as arithmetic
from tools.facts import in_state

Cabin = Literal["basic_economy", "economy", "business"]
Airport = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="An airport's three-letter code, such as 'JFK'.")]
Day = Annotated[str, Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
                           description="A date as YYYY-MM-DD, such as '2024-05-20'.")]
ReservationId = Annotated[str, Field(pattern=r"^[A-Za-z0-9]{6}$", description="The reservation id, such as 'ZFA04Y'.")]
PaymentId = Annotated[str, Field(description="A payment method id from the profile, such as 'credit_card_7815826'.")]
RESERVATION = {"reservation_id": reservation_named}


def reason_given(reason: str, said: str) -> bool:
    """Whether the customer gave this cancellation reason in their own words (``said`` is lower-cased)."""
    return re.search(policy.REASON_WORDS.get(reason, r"$^"), said) is not None
ACTIVE = in_state(KIND, "active")  # writes on a reservation: offered while one in focus is not cancelled


# Nested arguments are validated against these models, and reach the tools as plain dicts.
class FlightRef(BaseModel):
    """One flight of a trip."""

    model_config = ConfigDict(extra="forbid")

    flight_number: Annotated[str, Field(pattern=r"^HAT[0-9]{3}$", description="Such as 'HAT001'.")]
    date: Day


class Passenger(BaseModel):
    """A passenger as the reservation lists them."""

    model_config = ConfigDict(extra="forbid")

    first_name: str
    last_name: str
    dob: Day


class Payment(BaseModel):
    """An amount paid with one of the member's payment methods."""

    model_config = ConfigDict(extra="forbid")

    payment_id: PaymentId
    amount: Annotated[float, Field(ge=0)]


# --- ownership and look-ups ------------------------------------------------------------------

def own_member(ctx: ToolContext, user_id: str) -> Member:
    """The signed-in member's profile; any other user id is refused."""
    customer = ctx.require_customer()
    member = ctx.session.get(Member, user_id.strip())
    if member is None or member.id != customer:
        raise ToolError("I can only look at or change the profile you are signed in to.")
    return member


def own_booking(ctx: ToolContext, reservation_id: str) -> Booking:
    """The signed-in member's reservation, or the same error whether it is missing or someone else's."""
    customer = ctx.require_customer()
    booking = ctx.session.get(Booking, reservation_id.strip().upper())
    if booking is None or booking.user_id != customer:
        raise ToolError(f"I couldn't find reservation {reservation_id.upper()} on your profile.")
    return booking


def own_payment(ctx: ToolContext, member_id: str, payment_id: str) -> MemberPaymentMethod:
    """One of the member's payment methods."""
    pm = ctx.session.get(MemberPaymentMethod, (member_id, payment_id.strip()))
    if pm is None:
        raise ToolError(f"Payment method {payment_id} is not in your profile.")
    return pm


def flight_status(session: Session, flight_number: str, day: str) -> str:
    """The flight's status on ``day`` ('' when it does not fly that day)."""
    fd = session.get(FlightDate, (flight_number, day))
    return fd.status if fd else ""


def _bookable(session: Session, ref: dict[str, Any], cabin: str, passengers: int) -> dict[str, Any]:
    """The leg as a reservation stores it, priced now; ToolError if it cannot be booked for ``passengers``."""
    number, day = ref["flight_number"], ref["date"]
    flight = session.get(Flight, number)
    if flight is None:
        raise ToolError(f"There is no flight {number}.")
    fd = session.get(FlightDate, (number, day))
    if fd is None:
        raise ToolError(f"Flight {number} does not fly on {day}.")
    if fd.status != "available":
        raise ToolError(f"Flight {number} on {day} cannot be booked: it is {fd.status}.")
    if fd.details["available_seats"][cabin] < passengers:
        raise ToolError(f"Flight {number} on {day} has not enough {cabin.replace('_', ' ')} seats left.")
    return {"flight_number": number, "date": day, "price": fd.details["prices"][cabin],
            "origin": flight.origin, "destination": flight.destination}


def _charge(ctx: ToolContext, member_id: str, payment_id: str, amount: float) -> MemberPaymentMethod:
    """Take ``amount`` (negative: a refund) from a gift card or credit card; certificates pay only bookings."""
    pm = own_payment(ctx, member_id, payment_id)
    if pm.source == "certificate":
        raise ToolError("A travel certificate can pay for a new booking only, not for a change.")
    if pm.source == "gift_card":
        if (pm.amount or 0) < amount:
            raise ToolError(f"The gift card's balance (${pm.amount:,.2f}) does not cover ${amount:,.2f}.")
        pm.amount = (pm.amount or 0) - amount
        ctx.session.add(pm)
    return pm


def _saved(ctx: ToolContext, booking: Booking, **extra: Any) -> dict[str, Any]:
    """Write ``booking`` (the runner commits) and return it with what the preview needs."""
    ctx.session.add(booking)
    ctx.session.flush()
    return {"reservation": reservation_view(booking), **extra}


def _reservation_ids() -> Iterator[str]:
    """New reservation ids in order: HATHAT, HATHAU, …, HATHAZ, HATHBA, … (τ-bench's own tool starts so)."""
    letters = string.ascii_uppercase
    n = 0
    for c in "HATHAT":  # the code as a number in base 26
        n = n * 26 + letters.index(c)
    while True:
        code, rest = "", n
        for _ in range(6):
            rest, digit = divmod(rest, 26)
            code = letters[digit] + code
        yield code
        n += 1


def needs_supervisor(_ctx: ToolContext, _args: dict[str, Any], result: Any) -> bool:
    """A write the policy forbids is applied only with a human agent's approval."""
    return bool(isinstance(result, dict) and result.get("exceptions"))


# --- identification --------------------------------------------------------------------------

@tool(access=Access.AUTH, auth_modes={"tau"}, grounded=("user_id",),
      example=Example("my user id is sara_doe_496, I want to change a flight", {"user_id": "sara_doe_496"}))
def identify_member(ctx: ToolContext, user_id: str) -> Authenticated | str:
    """Identify the member by their user id, as the airline's policy allows, before anything else."""
    member = ctx.session.get(Member, user_id.strip())
    return identify(ctx, member.id if member else None, member.email if member else None)


# --- reads -----------------------------------------------------------------------------------

@tool(grounded=("user_id",), render=render.member_summary)
def get_user_details(ctx: ToolContext, user_id: str) -> Record:
    """Get the details of a user, including their reservations."""
    own_member(ctx, user_id)
    return member_record(ctx.session, user_id.strip()) or {}


@tool(grounded=RESERVATION, render=render.reservation_summary,
      example=Example("what's in my reservation 8JX2WO?", {"reservation_id": "8JX2WO"}))
def get_reservation_details(ctx: ToolContext, reservation_id: ReservationId) -> Record:
    """Get the details of a reservation."""
    return reservation_view(own_booking(ctx, reservation_id))


@tool(access=Access.PUBLIC)
def get_flight_status(ctx: ToolContext, flight_number: Annotated[str, Field(pattern=r"^HAT[0-9]{3}$")],
                      date: Day) -> dict[str, Any]:
    """Get the status of a flight on a date (available, on time, delayed, flying, landed or cancelled)."""
    return flight_status_record(ctx.session, flight_number, date)


def flight_status_record(session: Session, flight_number: str, day: str) -> dict[str, Any]:
    """A flight on a date: its schedule, status, and seats and prices or actual times."""
    flight, fd = session.get(Flight, flight_number), session.get(FlightDate, (flight_number, day))
    if flight is None or fd is None:
        raise ToolError(f"Flight {flight_number} does not fly on {day}.")
    return _leg(flight, fd, day)


@tool(access=Access.PUBLIC)
def list_all_airports(ctx: ToolContext) -> dict[str, str]:
    """List all airports the airline flies to and from, with their cities."""
    found = set(ctx.session.exec(select(Flight.origin)).all()) | set(ctx.session.exec(select(Flight.destination)).all())
    return {code: AIRPORTS.get(code, code) for code in sorted(found)}


def _leg(flight: Flight, fd: FlightDate, day: str) -> dict[str, Any]:
    """A flight on a date as searches and status look-ups return it."""
    return {"flight_number": flight.flight_number, "origin": flight.origin, "destination": flight.destination,
            "scheduled_departure_time_est": flight.scheduled_departure_time_est,
            "scheduled_arrival_time_est": flight.scheduled_arrival_time_est, "status": fd.status,
            **fd.details, "date": day}


def _available(session: Session, day: str, **where: str) -> list[tuple[Flight, FlightDate]]:
    """Flights matching ``where`` (origin/destination) that can be booked on ``day``."""
    query = select(Flight, FlightDate).join(FlightDate).where(FlightDate.date == day,
                                                               FlightDate.status == "available")
    for column, value in where.items():
        query = query.where(getattr(Flight, column) == value)
    return list(session.exec(query.order_by(Flight.flight_number)).all())


@tool(access=Access.PUBLIC, render=render.direct_flights)
def search_direct_flight(ctx: ToolContext, origin: Airport, destination: Airport, date: Day) -> list[dict[str, Any]]:
    """Search direct flights between two cities on a specific date."""
    return [_leg(f, fd, date) for f, fd in _available(ctx.session, date, origin=origin, destination=destination)]


@tool(access=Access.PUBLIC, render=render.onestop_flights)
def search_onestop_flight(ctx: ToolContext, origin: Airport, destination: Airport,
                          date: Day) -> list[list[dict[str, Any]]]:
    """Search flights with one stop between two cities on a specific date."""
    results = []
    next_day = (date_of(date) + timedelta(days=1)).isoformat()
    for first, fd1 in _available(ctx.session, date, origin=origin):
        overnight = first.scheduled_arrival_time_est.endswith("+1")
        day2 = next_day if overnight else date
        for second, fd2 in _available(ctx.session, day2, origin=first.destination, destination=destination):
            if not overnight and first.scheduled_arrival_time_est > second.scheduled_departure_time_est:
                continue  # it leaves before the first one lands
            results.append([_leg(first, fd1, date), _leg(second, fd2, day2)])
    return results


def date_of(text: str) -> date:
    """A YYYY-MM-DD date, or a ToolError saying so."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ToolError(f"{text!r} is not a date; write it as YYYY-MM-DD.") from None


@tool(access=Access.PUBLIC, offered=False)  # τ-bench's; the facts carry the totals a customer asks for
def calculate(ctx: ToolContext, expression: str) -> float:
    """Calculate the result of a mathematical expression with numbers, + - * / and parentheses."""
    return arithmetic(expression)


@tool(access=Access.PUBLIC, offered=False)
def think(ctx: ToolContext, thought: str) -> str:
    """Think about something. It obtains no information and changes nothing."""
    return ""


@tool(access=Access.PUBLIC, offered=False)  # Concierge hands off itself, to Slack
def transfer_to_human_agents(ctx: ToolContext, summary: str) -> str:
    """Transfer the customer to a human agent, with a summary of their issue."""
    return "Transfer successful"


# --- writes ----------------------------------------------------------------------------------

@tool(risk=Risk.WRITE, grounded=("user_id",), preview=render.booking_preview, approval_if=needs_supervisor)
def book_reservation(ctx: ToolContext, user_id: str, origin: Airport, destination: Airport,
                     flight_type: Literal["one_way", "round_trip"], cabin: Cabin,
                     flights: Annotated[list[FlightRef], Field(min_length=1)],
                     passengers: Annotated[list[Passenger], Field(min_length=1)],
                     payment_methods: Annotated[list[Payment], Field(min_length=1)],
                     total_baggages: Annotated[int, Field(ge=0)], nonfree_baggages: Annotated[int, Field(ge=0)],
                     insurance: Literal["yes", "no"]) -> dict[str, Any]:
    """Book a reservation for the signed-in member: flights, passengers, payment, checked bags, insurance."""
    member = own_member(ctx, user_id)
    n = len(passengers)
    if n > policy.MAX_PASSENGERS:
        raise ToolError(f"A reservation can have at most {policy.MAX_PASSENGERS} passengers.")
    legs = [_bookable(ctx.session, f, cabin, n) for f in flights]
    if not policy.route_connects(legs, origin, destination, flight_type):
        raise ToolError(f"These flights do not make a {flight_type.replace('_', ' ')} trip from {origin} to "
                        f"{destination}.")
    paid = policy.paid_bags(member.membership, cabin, n, total_baggages)
    if nonfree_baggages != paid:
        raise ToolError(f"With {policy.free_bags(member.membership, cabin, n)} free checked bags, {paid} of "
                        f"{total_baggages} are paid: nonfree_baggages must be {paid}.")
    total = sum(leg["price"] for leg in legs) * n + policy.BAG_PRICE * paid
    total += policy.INSURANCE_PRICE * n if insurance == "yes" else 0
    methods = [(own_payment(ctx, member.id, p["payment_id"]), p["amount"]) for p in payment_methods]
    for source, limit in policy.MAX_METHODS.items():
        if sum(pm.source == source for pm, _ in methods) > limit:
            raise ToolError(f"A booking can use at most {limit} {source.replace('_', ' ')}(s).")
    if abs(sum(amount for _, amount in methods) - total) > 0.005:
        raise ToolError(f"The payments add up to ${sum(a for _, a in methods):,.2f}; the total is ${total:,.2f}.")
    for pm, amount in methods:
        if pm.source != "credit_card" and (pm.amount or 0) < amount:
            raise ToolError(f"{pm.id} has ${pm.amount:,.2f}, not ${amount:,.2f}.")
        if pm.source == "certificate":
            ctx.session.delete(pm)  # what is left of a certificate is not refundable
        elif pm.source == "gift_card":
            pm.amount = (pm.amount or 0) - amount
            ctx.session.add(pm)
    reservation_id = next(i for i in _reservation_ids() if ctx.session.get(Booking, i) is None)
    booking = Booking(id=reservation_id, user_id=member.id, origin=origin, destination=destination,
                      flight_type=flight_type, cabin=cabin, flights=legs, passengers=[dict(p) for p in passengers],
                      payment_history=[dict(p) for p in payment_methods],
                      created_at=policy.policy_now().isoformat(), total_baggages=total_baggages,
                      nonfree_baggages=nonfree_baggages, insurance=insurance)
    member.reservation_ids = [*member.reservation_ids, reservation_id]
    ctx.session.add(member)
    return _saved(ctx, booking, total=total, exceptions=[])


@tool(risk=Risk.WRITE, prepare=ACTIVE, grounded=RESERVATION, stated={"reason": reason_given},
      preview=render.cancel_preview, approval_if=needs_supervisor,
      example=Example("cancel reservation ZFA04Y, my plans changed",
                      {"reservation_id": "ZFA04Y", "reason": "change of plan"}))
def cancel_reservation(ctx: ToolContext, reservation_id: ReservationId,
                       reason: Literal[policy.REASONS] | None = None) -> dict[str, Any]:  # type: ignore[valid-type]
    """Cancel the whole reservation; every payment goes back to where it came from in 5 to 7 business days."""
    booking = own_booking(ctx, reservation_id)
    if booking.status == "cancelled":
        raise ToolError(f"Reservation {booking.id} is already cancelled.")
    statuses = [flight_status(ctx.session, f["flight_number"], f["date"]) for f in booking.flights]
    exceptions = policy.cancellation_exceptions(reservation_view(booking), statuses, reason, policy.policy_now())
    refunds = [{"payment_id": p["payment_id"], "amount": -p["amount"]} for p in booking.payment_history]
    booking.payment_history = [*booking.payment_history, *refunds]
    booking.status = "cancelled"
    return _saved(ctx, booking, refunds=refunds, exceptions=exceptions)


@tool(risk=Risk.WRITE, prepare=ACTIVE, grounded=RESERVATION,
      preview=render.flights_preview, approval_if=needs_supervisor)
def update_reservation_flights(ctx: ToolContext, reservation_id: ReservationId, cabin: Cabin,
                               flights: Annotated[list[FlightRef], Field(min_length=1)],
                               payment_id: PaymentId) -> dict[str, Any]:
    """Change a reservation's flights or cabin; list every flight of the new trip, kept ones too.

    The difference is paid with, or refunded to, one gift card or credit card.
    """
    booking = own_booking(ctx, reservation_id)
    if booking.status == "cancelled":
        raise ToolError(f"Reservation {booking.id} is cancelled.")
    n = len(booking.passengers)
    before = reservation_view(booking)
    kept = {(f["flight_number"], f["date"]): f for f in booking.flights} if cabin == before["cabin"] else {}
    legs = [dict(kept[(f["flight_number"], f["date"])]) if (f["flight_number"], f["date"]) in kept
            else _bookable(ctx.session, f, cabin, n) for f in flights]
    difference = (sum(leg["price"] for leg in legs) - sum(f["price"] for f in booking.flights)) * n
    statuses = {(f["flight_number"], f["date"]): flight_status(ctx.session, f["flight_number"], f["date"])
                for f in booking.flights}
    connects = policy.route_connects(legs, booking.origin, booking.destination, booking.flight_type)
    exceptions = policy.change_exceptions(before, legs, statuses, connects)
    _charge(ctx, booking.user_id, payment_id, difference)
    booking.cabin_now, booking.flights = (cabin if cabin != booking.cabin else None), legs
    if difference:
        booking.payment_history = [*booking.payment_history, {"payment_id": payment_id, "amount": difference}]
    return _saved(ctx, booking, before=before, difference=difference, exceptions=exceptions)


@tool(risk=Risk.WRITE, prepare=ACTIVE, grounded=RESERVATION, preview=render.baggage_preview,
      approval_if=needs_supervisor)
def update_reservation_baggages(ctx: ToolContext, reservation_id: ReservationId,
                                total_baggages: Annotated[int, Field(ge=0)],
                                nonfree_baggages: Annotated[int, Field(ge=0)],
                                payment_id: PaymentId) -> dict[str, Any]:
    """Set a reservation's checked bags (the new totals); extra bags are $50 each."""
    booking = own_booking(ctx, reservation_id)
    if booking.status == "cancelled":
        raise ToolError(f"Reservation {booking.id} is cancelled.")
    member = ctx.session.get(Member, booking.user_id)
    membership = member.membership if member else "regular"
    flown_in = reservation_view(booking)["cabin"]
    paid = max(booking.nonfree_baggages,
               policy.paid_bags(membership, flown_in, len(booking.passengers), total_baggages))
    if nonfree_baggages != paid:
        raise ToolError(f"With {policy.free_bags(membership, flown_in, len(booking.passengers))} free checked "
                        f"bags, {paid} of {total_baggages} are paid: nonfree_baggages must be {paid}.")
    exceptions = []
    if total_baggages < booking.total_baggages:
        exceptions.append("checked bags can be added, not removed")
    charge = policy.BAG_PRICE * max(0, nonfree_baggages - booking.nonfree_baggages)
    _charge(ctx, booking.user_id, payment_id, charge)
    booking.total_baggages, booking.nonfree_baggages = total_baggages, nonfree_baggages
    if charge:
        booking.payment_history = [*booking.payment_history, {"payment_id": payment_id, "amount": charge}]
    return _saved(ctx, booking, charge=charge, exceptions=exceptions)


@tool(risk=Risk.WRITE, prepare=ACTIVE, grounded=RESERVATION, preview=render.passengers_preview)
def update_reservation_passengers(ctx: ToolContext, reservation_id: ReservationId,
                                  passengers: Annotated[list[Passenger], Field(min_length=1)]) -> dict[str, Any]:
    """Change the passengers' names or dates of birth (the number of passengers cannot change)."""
    booking = own_booking(ctx, reservation_id)
    if len(passengers) != len(booking.passengers):
        raise ToolError(f"Reservation {booking.id} has {len(booking.passengers)} passenger(s); the number of "
                        f"passengers cannot change.")
    before = list(booking.passengers)
    booking.passengers = [dict(p) for p in passengers]
    return _saved(ctx, booking, before=before, exceptions=[])


@tool(risk=Risk.WRITE, grounded=("user_id",), preview=render.certificate_preview, approval_if=needs_supervisor)
def send_certificate(ctx: ToolContext, user_id: str, amount: Annotated[float, Field(gt=0)]) -> dict[str, Any]:
    """Send the member a travel certificate as a gesture for a cancelled or delayed flight, as the policy allows."""
    member = own_member(ctx, user_id)
    bookings = ctx.session.exec(select(Booking).where(Booking.user_id == member.id)).all()
    trips = [(reservation_view(b), [policy.experienced(flight_status_record(ctx.session, f["flight_number"], f["date"]))
                                    for f in b.flights]) for b in bookings]
    allowed = policy.gesture_amounts(member.membership, trips)
    exceptions = [] if amount in allowed else [
        "a certificate is $100 per passenger for a cancelled flight or $50 for a delayed one, for silver and gold "
        "members, insured or business reservations" + (f" (here: ${', $'.join(f'{a:g}' for a in sorted(allowed))})"
                                                         if allowed else " (none applies here)")]
    have = payment_methods(ctx.session, member.id)
    taken = {pm.id for pm in have}
    # Numbered as τ-bench's tool numbers them, so a replay ends in its records.
    certificate = next(f"certificate_{n}" for n in range(3221322, 3221322 + 10 ** 6) if f"certificate_{n}" not in taken)
    position = max((pm.position for pm in have), default=-1) + 1
    ctx.session.add(MemberPaymentMethod(member_id=member.id, id=certificate, position=position,
                                        source="certificate", amount=amount))
    ctx.session.flush()
    return {"certificate": certificate, "amount": amount, "exceptions": exceptions}


AIRLINE_TOOLS = [identify_member, get_user_details, get_reservation_details, get_flight_status, list_all_airports,
                 search_direct_flight, search_onestop_flight, calculate, think, transfer_to_human_agents,
                 book_reservation, cancel_reservation, update_reservation_flights, update_reservation_baggages,
                 update_reservation_passengers, send_certificate]
