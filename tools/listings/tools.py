"""Listing and reservation tools. Guests reach only their own reservations; writes need confirmation.

A signed-in customer id identifies a guest either directly (``guest_0042``) or
through a store account with the same person (``guests.customer_id``), so one
support desk serves both businesses.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any, Literal

from pydantic import Field
from sqlalchemy import or_
from sqlmodel import col, select

from tools.api import Access, Example, Risk, ToolContext, ToolError, tool
from tools.facts import in_state
from tools.listings import render
from tools.listings.facts import KIND
from tools.listings.models import (
    AvailabilityBlock,
    Guest,
    Host,
    HostMessage,
    Listing,
    ProblemReport,
    Reservation,
    ReservationPayment,
    reservation_state,
)
from tools.listings.policy import cancellation_refund, nights_refund_rate
from tools.listings.seed import AMENITIES

MAX_NIGHTS = 30
ListingId = Annotated[str, Field(pattern=r"^[Ll][0-9]{5}$", description="The listing id, such as 'L10042'.")]
ReservationId = Annotated[str, Field(pattern=r"^[Hh][Mm][A-Za-z0-9]{8}$",
                                     description="The reservation code, such as 'HM4K7Q2ZP1'.")]
Amenity = Literal[tuple(AMENITIES)]  # type: ignore[valid-type]
# Writes on a reservation are offered only while one in focus is in the state they need.
UPCOMING, STAYED = in_state(KIND, "upcoming"), in_state(KIND, "in_stay", "completed")


# --- helpers ---------------------------------------------------------------------------------

def _guest(ctx: ToolContext) -> Guest:
    customer_id = ctx.require_customer()
    guest = ctx.session.exec(select(Guest).where(or_(col(Guest.id) == customer_id,
                                                     col(Guest.customer_id) == customer_id))).first()
    if guest is None:
        raise ToolError("You have no reservations with us.")
    return guest


def own_reservation(ctx: ToolContext, reservation_id: str) -> tuple[Guest, Reservation]:
    """The guest's reservation, or the same error whether it is missing or someone else's."""
    guest = _guest(ctx)
    rid = reservation_id.strip().upper()
    reservation = ctx.session.get(Reservation, rid)
    if reservation is None or reservation.guest_id != guest.id:
        raise ToolError(f"I couldn't find reservation {rid} on your account.")
    return guest, reservation


def _listing(ctx: ToolContext, listing_id: str) -> Listing:
    listing = ctx.session.get(Listing, listing_id.strip().upper())
    if listing is None:
        raise ToolError(f"There is no listing {listing_id}.")
    return listing


def _check_dates(ctx: ToolContext, check_in: date, check_out: date) -> int:
    nights = (check_out - check_in).days
    if nights < 1:
        raise ToolError("Check-out must be after check-in.")
    if nights > MAX_NIGHTS:
        raise ToolError(f"Stays can be at most {MAX_NIGHTS} nights.")
    if check_in < ctx.now.date():
        raise ToolError("Check-in can't be in the past.")
    return nights


def is_available(ctx: ToolContext, listing_id: str, check_in: date, check_out: date,
                 ignore_reservation: str | None = None) -> bool:
    """No confirmed stay and no host block covers any night in [check_in, check_out)."""
    stays = select(Reservation.id).where(Reservation.listing_id == listing_id, Reservation.status == "confirmed",
                                         Reservation.check_in < check_out, Reservation.check_out > check_in)
    if ignore_reservation:
        stays = stays.where(Reservation.id != ignore_reservation)
    blocks = select(AvailabilityBlock.id).where(AvailabilityBlock.listing_id == listing_id,
                                                AvailabilityBlock.start < check_out, AvailabilityBlock.end > check_in)
    return ctx.session.exec(stays).first() is None and ctx.session.exec(blocks).first() is None


def _summary(listing: Listing) -> dict[str, Any]:
    return {"listing_id": listing.id, "title": listing.title, "city": listing.city,
            "neighbourhood": listing.neighbourhood, "nightly_price": listing.nightly_price,
            "max_guests": listing.max_guests, "rating": listing.rating,
            "cancellation_policy": listing.cancellation_policy}


def _reservation(ctx: ToolContext, r: Reservation) -> dict[str, Any]:
    listing = _listing(ctx, r.listing_id)
    payments = ctx.session.exec(select(ReservationPayment).where(ReservationPayment.reservation_id == r.id)
                                .order_by(col(ReservationPayment.id))).all()
    return {"reservation_id": r.id, "listing": _summary(listing) if listing else r.listing_id,
            "check_in": r.check_in.isoformat(), "check_out": r.check_out.isoformat(), "guests": r.guests,
            "state": reservation_state(r, ctx.now.date()), "total": r.total,
            "payments": [{"kind": p.kind, "amount": p.amount, "at": p.at.isoformat()} for p in payments]}


# --- public ----------------------------------------------------------------------------------

@tool(access=Access.PUBLIC, grounded=("city",),
      example=Example("any apartments in Lisbon for 2 people?", {"city": "Lisbon", "guests": 2}))
def search_listings(ctx: ToolContext, city: str, check_in: date | None = None, check_out: date | None = None,
                    guests: Annotated[int, Field(ge=1, le=16)] = 1, min_price: float | None = None,
                    max_price: float | None = None,
                    amenities: list[Amenity] | None = None) -> list[dict[str, Any]]:  # type: ignore[valid-type]
    """Search places to stay in a city, optionally free on given dates, by guests, nightly price and amenities."""
    query = select(Listing).where(col(Listing.city).ilike(city.strip()), Listing.max_guests >= guests)
    if min_price is not None:
        query = query.where(Listing.nightly_price >= min_price)
    if max_price is not None:
        query = query.where(Listing.nightly_price <= max_price)
    if (check_in is None) != (check_out is None):
        raise ToolError("Give both check-in and check-out dates, or neither.")
    if check_in and check_out:
        _check_dates(ctx, check_in, check_out)
    wanted = {str(a).lower() for a in amenities or []}
    found = []
    for listing in ctx.session.exec(query.order_by(col(Listing.rating).desc())).all():
        if wanted - set(listing.amenities):
            continue
        if check_in and check_out and not is_available(ctx, listing.id, check_in, check_out):
            continue
        found.append(_summary(listing))
        if len(found) == 10:
            break
    return found


@tool(access=Access.PUBLIC, grounded=("listing_id",))
def get_listing_details(ctx: ToolContext, listing_id: ListingId) -> dict[str, Any]:
    """Get a listing's details: host, capacity, prices, cancellation policy, house rules and amenities."""
    listing = _listing(ctx, listing_id)
    host = ctx.session.get(Host, listing.host_id)
    return _summary(listing) | {"host": host.name if host else None, "superhost": bool(host and host.superhost),
                                "property_type": listing.property_type, "bedrooms": listing.bedrooms,
                                "cleaning_fee": listing.cleaning_fee, "house_rules": listing.house_rules,
                                "amenities": listing.amenities}


@tool(access=Access.PUBLIC, grounded=("listing_id",))
def check_availability(ctx: ToolContext, listing_id: ListingId, check_in: date, check_out: date,
                       guests: Annotated[int, Field(ge=1, le=16)] = 1) -> dict[str, Any]:
    """Check whether a listing is free for the dates, and quote the price."""
    listing = _listing(ctx, listing_id)
    nights = _check_dates(ctx, check_in, check_out)
    available = is_available(ctx, listing.id, check_in, check_out) and guests <= listing.max_guests
    return {"listing_id": listing.id, "available": available, "nights": nights,
            "fits_guests": guests <= listing.max_guests, "nightly_price": listing.nightly_price,
            "cleaning_fee": listing.cleaning_fee,
            "total": round(listing.nightly_price * nights + listing.cleaning_fee, 2),
            "cancellation_policy": listing.cancellation_policy}


# --- the guest's own reservations ------------------------------------------------------------

@tool
def list_my_reservations(ctx: ToolContext) -> list[dict[str, Any]]:
    """List the signed-in guest's reservations, newest first."""
    guest = _guest(ctx)
    rows = ctx.session.exec(select(Reservation).where(Reservation.guest_id == guest.id)
                            .order_by(col(Reservation.check_in).desc())).all()
    return [{"reservation_id": r.id, "listing_id": r.listing_id, "check_in": r.check_in.isoformat(),
             "check_out": r.check_out.isoformat(), "state": reservation_state(r, ctx.now.date())} for r in rows]


@tool(grounded=("reservation_id",))
def get_reservation_details(ctx: ToolContext, reservation_id: ReservationId) -> dict[str, Any]:
    """Get one of the guest's reservations: listing, dates, state, total and payments."""
    _, reservation = own_reservation(ctx, reservation_id)
    return _reservation(ctx, reservation)


def _refund_over_limit(ctx: ToolContext, _args: dict[str, Any], preview: Any) -> bool:
    limit = getattr(getattr(ctx.settings, "tools", None), "approval_over", 500.0)
    return isinstance(preview, dict) and preview.get("refund", 0) > limit


@tool(risk=Risk.WRITE, approval_if=_refund_over_limit, prepare=UPCOMING, grounded=("reservation_id",),
      preview=render.cancel_preview)
def cancel_reservation(ctx: ToolContext, reservation_id: ReservationId) -> dict[str, Any]:
    """Cancel an upcoming reservation; the refund follows the listing's cancellation policy."""
    _, r = own_reservation(ctx, reservation_id)
    state = reservation_state(r, ctx.now.date())
    if state != "upcoming":
        raise ToolError(f"Reservation {r.id} is {state.replace('_', ' ')}; only upcoming stays can be cancelled "
                        "here. A person from our team can help with a stay that has started.")
    listing = _listing(ctx, r.listing_id)
    try:
        refund = cancellation_refund(listing.cancellation_policy, r.nightly_price, (r.check_out - r.check_in).days,
                                     r.cleaning_fee, r.check_in, ctx.now)
    except ValueError:
        raise ToolError(f"Reservation {r.id} has already started and can't be cancelled here.") from None
    r.status, r.cancelled_at = "cancelled", ctx.now
    ctx.session.add(r)
    if refund.total > 0:
        ctx.session.add(ReservationPayment(reservation_id=r.id, kind="refund", amount=refund.total, at=ctx.now))
    ctx.session.flush()
    return {"reservation_id": r.id, "state": "cancelled", "refund": refund.total, "rule": refund.rule,
            "refund_nights": refund.nights, "refund_cleaning_fee": refund.cleaning_fee}


@tool(risk=Risk.WRITE, approval_if=_refund_over_limit, prepare=UPCOMING, grounded=("reservation_id",),
      preview=render.dates_preview)
def change_reservation_dates(ctx: ToolContext, reservation_id: ReservationId, check_in: date,
                             check_out: date) -> dict[str, Any]:
    """Move an upcoming reservation to new dates at the same listing; the price difference is charged or refunded."""
    _, r = own_reservation(ctx, reservation_id)
    if reservation_state(r, ctx.now.date()) != "upcoming":
        raise ToolError(f"Reservation {r.id} is not upcoming, so its dates can't be changed.")
    nights = _check_dates(ctx, check_in, check_out)
    listing = _listing(ctx, r.listing_id)
    if not is_available(ctx, listing.id, check_in, check_out, ignore_reservation=r.id):
        raise ToolError(f"{listing.title} is not free from {check_in} to {check_out}.")
    new_total = round(listing.nightly_price * nights + r.cleaning_fee, 2)
    difference = round(new_total - r.total, 2)
    charge = refund = 0.0
    if difference > 0:
        charge = difference
        ctx.session.add(ReservationPayment(reservation_id=r.id, kind="charge", amount=charge, at=ctx.now))
    elif difference < 0:
        # Giving nights up is a partial cancellation: the policy's rate applies to the difference.
        rate = 1.0 if listing.cancellation_policy == "flexible" else nights_refund_rate(
            listing.cancellation_policy, r.check_in, ctx.now)[0]
        refund = round(-difference * rate, 2)
        if refund:
            ctx.session.add(ReservationPayment(reservation_id=r.id, kind="refund", amount=refund, at=ctx.now))
    r.check_in, r.check_out, r.nightly_price, r.total = check_in, check_out, listing.nightly_price, new_total
    ctx.session.add(r)
    ctx.session.flush()
    return {"reservation_id": r.id, "check_in": check_in.isoformat(), "check_out": check_out.isoformat(),
            "total": new_total, "charged": charge, "refund": refund}


@tool(risk=Risk.WRITE, grounded=("reservation_id",), preview=render.message_preview)
def message_host(ctx: ToolContext, reservation_id: ReservationId,
                 message: Annotated[str, Field(min_length=1, max_length=2000)]) -> dict[str, Any]:
    """Send a message to the host of one of the guest's reservations."""
    guest, r = own_reservation(ctx, reservation_id)
    listing = _listing(ctx, r.listing_id)
    ctx.session.add(HostMessage(reservation_id=r.id, guest_id=guest.id, host_id=listing.host_id, text=message,
                                sent_at=ctx.now))
    ctx.session.flush()
    return {"reservation_id": r.id, "sent": True}


@tool(risk=Risk.WRITE, prepare=STAYED, grounded=("reservation_id",), preview=render.problem_preview)
def report_problem(ctx: ToolContext, reservation_id: ReservationId,
                   description: Annotated[str, Field(min_length=5, max_length=4000)]) -> dict[str, Any]:
    """Report a problem with a stay in progress (or one that ended in the last 3 days)."""
    guest, r = own_reservation(ctx, reservation_id)
    state = reservation_state(r, ctx.now.date())
    recent = state == "completed" and ctx.now.date() - r.check_out <= timedelta(days=3)
    if state != "in_stay" and not recent:
        raise ToolError(f"Problems can be reported during a stay or up to 3 days after; reservation {r.id} "
                        f"is {state.replace('_', ' ')}.")
    report = ProblemReport(reservation_id=r.id, guest_id=guest.id, description=description, created_at=ctx.now)
    ctx.session.add(report)
    ctx.session.flush()
    return {"reservation_id": r.id, "report_id": report.id, "status": "open"}


LISTING_TOOLS = [search_listings, get_listing_details, check_availability, list_my_reservations,
                 get_reservation_details, cancel_reservation, change_reservation_dates, message_host, report_problem]

