"""The airline in words: what a customer confirms, what the answer prompt reads, what staff see in Slack.

A preview takes the call's arguments and its dry run's result (the reservation as it would be after the
change), so every amount is the one the write applies. A call the policy forbids says so, and that a
supervisor must approve it.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

Record = dict[str, Any]
REASONS = {"change of plan": "a change of plan", "airline cancelled flight": "a flight we cancelled",
           "health": "health reasons", "weather": "the weather", "other": "another reason"}


def money(value: float) -> str:
    """Dollars as a customer reads them: $1,234 or $12.50."""
    return f"${value:,.0f}" if float(value).is_integer() else f"${value:,.2f}"


def cabin(name: str) -> str:
    """'basic_economy' → 'basic economy'."""
    return name.replace("_", " ")


def payment(pm_id: str) -> str:
    """A payment method id in words ("your gift card gift_card_1234567")."""
    kind = next((label for prefix, label in (("gift_card", "gift card"), ("credit_card", "credit card"),
                                             ("certificate", "travel certificate")) if pm_id.startswith(prefix)),
                "payment method")
    return f"your {kind} {pm_id}"


def leg(f: Record) -> str:
    """'HAT136 JFK→ATL on 2024-05-20'."""
    return f"{f['flight_number']} {f.get('origin', '')}→{f.get('destination', '')} on {f['date']}"


def legs(flights: list[Record]) -> str:
    """'HAT136 JFK→ATL on 2024-05-20, HAT039 ATL→SEA on 2024-05-20'."""
    return ", ".join(map(leg, flights))


def people(passengers: list[Record]) -> str:
    """'Mia Li (born 1990-04-05) and Amelia Ahmed (born 1957-03-21)'."""
    return " and ".join(f"{p['first_name']} {p['last_name']} (born {p['dob']})" for p in passengers)


def _exceptions(data: Record | None) -> str:
    broken = (data or {}).get("exceptions") or []
    return f". Our policy does not allow this ({'; '.join(broken)}), so a supervisor must approve it" if broken else ""


def _moves(payments: list[Record]) -> str:
    totals: dict[str, float] = defaultdict(float)
    for p in payments:
        totals[p["payment_id"]] += p["amount"]
    return " and ".join((f"{money(v)} paid with {payment(k)}" if v > 0 else f"{money(-v)} back to {payment(k)}")
                        for k, v in totals.items() if v)


def booking_preview(args: Record, data: Record | None) -> str:
    """Book JFK→SEA one way in economy: the flights, passengers, bags, insurance and who pays what."""
    r = (data or {}).get("reservation") or args
    bags = f"{args['total_baggages']} checked bag(s) ({args['nonfree_baggages']} paid)"
    return (f"Book a {cabin(args['flight_type'])} trip {args['origin']}→{args['destination']} in "
            f"{cabin(args['cabin'])}: {legs(r['flights'])}; for {people(args['passengers'])}; {bags}; "
            f"{'with' if args['insurance'] == 'yes' else 'no'} travel insurance; "
            f"{_moves(args['payment_methods'])}" + _exceptions(data))


def cancel_preview(args: Record, data: Record | None) -> str:
    """Cancel reservation X (its flights): the refunds, and any exception to the policy."""
    r = (data or {}).get("reservation") or {}
    trip = f" ({legs(r['flights'])})" if r.get("flights") else ""
    refunds = _moves((data or {}).get("refunds") or [])
    back = f"; {refunds} in 5 to 7 business days" if refunds else ""
    why = f" because of {REASONS.get(args.get('reason') or '', args.get('reason'))}" if args.get("reason") else ""
    return f"Cancel reservation {args['reservation_id'].upper()}{trip}{why}{back}" + _exceptions(data)


def flights_preview(args: Record, data: Record | None) -> str:
    """Change reservation X to these flights / this cabin: what is paid or refunded, to which method."""
    data = data or {}
    r, before = data.get("reservation") or {}, data.get("before") or {}
    same = ({(f["flight_number"], f["date"]) for f in before.get("flights", [])}
            == {(f["flight_number"], f["date"]) for f in r.get("flights", [])})
    what = (f"Change the cabin of reservation {args['reservation_id'].upper()} from {cabin(before.get('cabin', ''))} "
            f"to {cabin(args['cabin'])}" if same and before else
            f"Change reservation {args['reservation_id'].upper()} to {legs(r.get('flights', args['flights']))} in "
            f"{cabin(args['cabin'])}")
    diff = data.get("difference", 0)
    money_moves = (f"you pay {money(diff)} with {payment(args['payment_id'])}" if diff > 0 else
                   f"{money(-diff)} goes back to {payment(args['payment_id'])}" if diff < 0 else
                   "the price stays the same")
    return f"{what}; {money_moves}" + _exceptions(data)


def baggage_preview(args: Record, data: Record | None) -> str:
    """Set reservation X's checked bags to N: the charge."""
    charge = (data or {}).get("charge", 0)
    cost = f"; {money(charge)} paid with {payment(args['payment_id'])}" if charge else "; no charge"
    return (f"Set the checked bags of reservation {args['reservation_id'].upper()} to {args['total_baggages']} "
            f"({args['nonfree_baggages']} paid){cost}" + _exceptions(data))


def passengers_preview(args: Record, data: Record | None) -> str:
    """Change the passengers of reservation X to these."""
    return f"Change the passengers of reservation {args['reservation_id'].upper()} to {people(args['passengers'])}"


def certificate_preview(args: Record, data: Record | None) -> str:
    """Send a travel certificate of $N to the member."""
    return f"Send you a travel certificate of {money(args['amount'])} for future travel" + _exceptions(data)


def member_summary(user: Record) -> str:
    """A member's profile for the answer prompt: name, tier, payment methods, passengers, reservations."""
    name = user.get("name", {})
    methods = "; ".join(f"{pm_id} ({pm['source'].replace('_', ' ')}"
                        + (f" {money(pm['amount'])}" if pm.get("amount") is not None else
                           f" {pm.get('brand', '')} ending {pm.get('last_four', '')}") + ")"
                        for pm_id, pm in user.get("payment_methods", {}).items())
    return (f"{name.get('first_name', '')} {name.get('last_name', '')}, {user.get('membership', '')} member, born "
            f"{user.get('dob', '')}. Payment methods: {methods}. Saved passengers: "
            f"{people(user.get('saved_passengers', [])) or 'none'}. Reservations: "
            f"{', '.join(user.get('reservations', []))}.")


def reservation_summary(r: Record) -> str:
    """A reservation for the answer prompt, on one line."""
    status = " CANCELLED" if r.get("status") == "cancelled" else ""
    return (f"Reservation {r['reservation_id']}{status}: {cabin(r['flight_type'])} {r['origin']}→{r['destination']} "
            f"in {cabin(r['cabin'])}, {legs(r['flights'])}; passengers {people(r['passengers'])}; "
            f"{r['total_baggages']} checked bag(s) ({r['nonfree_baggages']} paid); insurance {r['insurance']}; "
            f"booked {r['created_at']}; paid {_moves(r['payment_history']) or 'nothing'}.")


def _flight(f: Record) -> str:
    prices = ", ".join(f"{cabin(c)} {money(p)} ({f['available_seats'][c]} seats)"
                       for c, p in f.get("prices", {}).items())
    return (f"{f['flight_number']} {f['origin']}→{f['destination']} {f['date']} "
            f"{f['scheduled_departure_time_est'][:5]}–{f['scheduled_arrival_time_est'][:5]}: {prices}")


def direct_flights(found: list[Record]) -> str:
    """Direct flights, one per line, with prices and seats per cabin."""
    return "\n".join(_flight(f) for f in found) or "No direct flight can be booked that day."


def onestop_flights(found: list[list[Record]]) -> str:
    """One-stop connections, one per line."""
    return "\n".join(" then ".join(_flight(f) for f in pair) for pair in found) or \
        "No one-stop connection can be booked that day."


def staff_view(r: Record) -> str:
    """A reservation as support staff see it in Slack (mrkdwn)."""
    return f"*{reservation_summary(r)}* Member `{r['user_id']}`."
