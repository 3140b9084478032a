"""What the router knows about a signed-in member: their profile, reservations, the ones in focus, and the policy.

The policy lines are computed per reservation in focus from policy.py (can it be cancelled, changed, how many
bags are free, what gesture the policy allows), so a small model reads the rule that applies instead of the
whole policy document; every line costs prefill time.
"""

from __future__ import annotations

import re
from typing import Any

from concierge_airline import policy
from concierge_airline.render import cabin, leg, money, people
from tools.facts import FactBlock, FactReader, Focus

KIND = "flight reservation"
AIRPORTS = {"ATL": "Atlanta", "BOS": "Boston", "CLT": "Charlotte", "DEN": "Denver", "DFW": "Dallas",
            "DTW": "Detroit", "EWR": "Newark (New York)", "IAH": "Houston", "JFK": "New York", "LAS": "Las Vegas",
            "LAX": "Los Angeles", "LGA": "LaGuardia (New York)", "MCO": "Orlando", "MIA": "Miami",
            "MSP": "Minneapolis", "ORD": "Chicago", "PHL": "Philadelphia", "PHX": "Phoenix", "SEA": "Seattle",
            "SFO": "San Francisco"}
IDENTIFY = {"tau": "The customer is not identified yet. Before anything about their profile or reservations, "
                   "ask for their user id and identify them (identify_member)."}
USER_ID = re.compile(r"\b[a-z]+_[a-z]+_\d{3,5}\b", re.I)
# A complaint about a delay or a cancellation that asks for something: the reservations it can be about.
COMPLAINT = re.compile(r"\b(delay\w*|late|cancel+ed by you|you cancel+ed|flight was cancel+ed)\b", re.I)
ASKS_AMENDS = re.compile(r"\b(compensat\w*|voucher|certificate|refund|make up|upset|complain\w*)\b", re.I)
BOOKING_WORDS = re.compile(r"\b(book|fly|flight to|new reservation|one[- ]way|round[- ]trip)\b", re.I)


def reservation_named(reservation_id: str, said: str) -> bool:
    """Whether ``said`` (lower-cased) names the reservation."""
    return re.search(rf"\b{re.escape(reservation_id.lower())}\b", said) is not None


def identify(text: str, offered: set[str]) -> tuple[str, dict[str, Any]] | None:
    """A user id a not-yet-identified member just gave."""
    found = USER_ID.search(text)
    if found and "identify_member" in offered:
        return "identify_member", {"user_id": found[0].lower()}
    return None


def _methods_line(methods: dict[str, Any]) -> str:
    shown, totals = [], {"gift_card": 0.0, "certificate": 0.0}
    for pm_id, pm in methods.items():
        if pm["source"] == "credit_card":
            shown.append(f"{pm_id} ({pm['brand']} credit card ending {pm['last_four']})")
        else:
            totals[pm["source"]] += pm["amount"]
            shown.append(f"{pm_id} ({pm['source'].replace('_', ' ')}, {money(pm['amount'])})")
    return (f"Payment methods: {'; '.join(shown)}. Gift cards total {money(totals['gift_card'])}; "
            f"certificates total {money(totals['certificate'])}.")


def _flights(reader: FactReader, r: dict[str, Any]) -> list[dict[str, Any]]:
    return [reader.read("get_flight_status", {"flight_number": f["flight_number"], "date": f["date"]}) or {}
            for f in r["flights"]]


def _states(r: dict[str, Any], statuses: list[str]) -> set[str]:
    if r.get("status") == "cancelled":
        return {"cancelled"}
    states = {"active", r["cabin"]}
    if policy.flown(statuses):
        states.add("flown")
    return states


def _rules(r: dict[str, Any], flights: list[dict[str, Any]], membership: str) -> list[str]:
    """The policy for one reservation, as lines the router can act on."""
    statuses = [f.get("status", "") for f in flights]
    rid = r["reservation_id"]
    if r.get("status") == "cancelled":
        return [f"{rid} is cancelled: nothing can be changed."]
    n, rules = len(r["passengers"]), []
    if policy.flown(statuses):
        rules.append(f"{rid} has flights already flown: it cannot be cancelled; offer a person for anything else.")
    elif r["cabin"] == "basic_economy":
        rules.append(f"{rid} is basic economy: its flights cannot be changed, but its cabin can be upgraded "
                     f"(same flights, pay the difference with a gift card or credit card).")
    else:
        rules.append(f"{rid}: flights can be changed if origin, destination and trip type stay the same, or the "
                     f"cabin changed; the difference is paid or refunded with one gift card or credit card.")
    if not policy.flown(statuses):
        blocked = policy.cancellation_exceptions(r, statuses, None, policy.policy_now())
        insured = [] if not blocked else policy.cancellation_exceptions(r, statuses, "health", policy.policy_now())
        rules.append(f"{rid} can be cancelled (full refund to the original payment methods)." if not blocked else
                     f"{rid} can be cancelled only for health or weather reasons (travel insurance)." if not insured
                     else f"{rid} cannot be cancelled under our policy ({blocked[0]}).")
    free = policy.free_bags(membership, r["cabin"], n)
    rules.append(f"{rid}: {free} free checked bags in total, {r['total_baggages']} booked; extra bags "
                 f"{money(policy.BAG_PRICE)} each; bags can be added, not removed; insurance cannot be added.")
    gestures = policy.gesture_amounts(membership, [(r, [policy.experienced(f) for f in flights])])
    if gestures:
        rules.append(f"Only if the customer complains about {rid}'s cancelled or delayed flight and asks for "
                     f"compensation: a travel certificate of {money(max(gestures))} (send_certificate).")
    return rules


def gather(reader: FactReader) -> FactBlock | None:
    """The member's profile, payment methods and reservations; details and policy for those in focus."""
    user = reader.read("get_user_details", {"user_id": reader.customer_id})
    if not user:
        return None
    name, membership = user["name"], user["membership"]
    block = FactBlock(KIND, lines=[
        f"Now: {policy.policy_now():%Y-%m-%d %H:%M} EST (the airline's clock).",
        f"Member: {name['first_name']} {name['last_name']} (user id {reader.customer_id}), {membership} member, "
        f"born {user['dob']}.", _methods_line(user["payment_methods"])])
    if user["saved_passengers"]:
        block.lines.append(f"Saved passengers: {people(user['saved_passengers'])}.")
    trips = [r for rid in user["reservations"]
             if (r := reader.read("get_reservation_details", {"reservation_id": rid}))]
    if trips:
        block.lines.append("Reservations: " + "; ".join(
            f"{r['reservation_id']} {r['origin']}→{r['destination']} {cabin(r['flight_type'])} {cabin(r['cabin'])} "
            f"from {r['flights'][0]['date']}" + (" CANCELLED" if r.get("status") == "cancelled" else "")
            for r in trips))
    said = reader.said
    focus = [r for r in trips if reservation_named(r["reservation_id"], said)]
    block.focus = Focus.NAMED if focus else Focus.NONE
    active = [r for r in trips if r.get("status") != "cancelled"]
    if not focus and len(active) == 1:
        focus, block.focus = active, Focus.ASSUMED
    read: dict[str, list[dict[str, Any]]] = {}  # each reservation's flights, read once per decision

    def flights_of(r: dict[str, Any]) -> list[dict[str, Any]]:
        if r["reservation_id"] not in read:
            read[r["reservation_id"]] = _flights(reader, r)
        return read[r["reservation_id"]]

    if not focus and COMPLAINT.search(said) and ASKS_AMENDS.search(said):
        # "My flight was delayed, I want compensation": the trips with a delayed or cancelled flight.
        focus = [r for r in trips if {policy.experienced(f) for f in flights_of(r)} & {"delayed", "cancelled"}]
        focus, block.focus = focus[:2], (Focus.ASSUMED if focus else Focus.NONE)
    for r in focus:
        found = flights_of(r)
        block.states |= _states(r, [f.get("status", "") for f in found])
        flights = ", ".join(f"{leg(booked)} ({policy.experienced(f)})"
                            for booked, f in zip(r["flights"], found, strict=True))
        block.lines.append(f"Reservation {r['reservation_id']}: {cabin(r['flight_type'])} in {cabin(r['cabin'])}, "
                           f"{flights}; passengers {people(r['passengers'])}; insurance {r['insurance']}; "
                           f"booked {r['created_at']}.")
        block.policy += _rules(r, found, membership)
    if BOOKING_WORDS.search(said):
        free = ", ".join(f"{cabin(c)} {k}" for c, k in policy.FREE_BAGS[membership].items())
        block.policy.append(f"Booking: at most {policy.MAX_PASSENGERS} passengers on the same flights and cabin; "
                            f"pay with at most 1 certificate, 1 credit card and 3 gift cards from the profile; free "
                            f"checked bags per passenger: {free}, extra {money(policy.BAG_PRICE)} each; travel "
                            f"insurance {money(policy.INSURANCE_PRICE)} per passenger (ask if they want it).")
    return block
