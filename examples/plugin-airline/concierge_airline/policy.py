"""The airline's agent policy (data/wiki.md) as code: what the prompt asks of the agent, checked by the tools.

Two kinds of rule. Some the reservation system itself refuses (a certificate paying for a change, a gift
card without the balance, a flight that cannot be booked): the tools raise ToolError. The rest the policy
leaves to the agent's judgement ("the API does not check these for the agent"): here they are checked in
code, and a call that breaks one is an *exception* that only a human agent may approve — the customer
confirms, and a person in Slack must approve before it is applied. So no small model, and no customer who
insists, gets a write the policy forbids; a supervisor still can.
"""

from __future__ import annotations

import itertools
import re
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

CABINS = ("basic_economy", "economy", "business")
# Free checked bags per passenger, by the booking member's tier and the cabin.
FREE_BAGS = {"regular": {"basic_economy": 0, "economy": 1, "business": 2},
             "silver": {"basic_economy": 1, "economy": 2, "business": 3},
             "gold": {"basic_economy": 2, "economy": 3, "business": 3}}
BAG_PRICE = 50
INSURANCE_PRICE = 30  # per passenger
MAX_PASSENGERS = 5
MAX_METHODS = {"certificate": 1, "credit_card": 1, "gift_card": 3}  # per booking
# Why a customer cancels; travel insurance refunds only the last two.
REASONS = ("change of plan", "airline cancelled flight", "health", "weather", "other")
INSURED_REASONS = {"health", "weather"}
# How a customer says each reason: the model may not pick one the customer never gave (travel insurance
# refunds health and weather only, so an invented "health" would buy a refund the policy does not allow).
REASON_WORDS = {"change of plan": r"plan|change|no longer|don't need|do not need|can't make|cannot make",
                "airline cancelled flight": r"cancel+ed|cancel+ation",
                "health": r"health|sick|ill\b|illness|medical|doctor|hospital|injur|pregnan",
                "weather": r"weather|storm|snow|hurricane|flood|typhoon|blizzard",
                "other": r"."}
# Goodwill certificates, per passenger: a cancelled flight, or a delayed one the customer changes or cancels.
GESTURE = {"cancelled": 100, "delayed": 50}
NOT_FLOWN = {"available", "on time", "delayed", "cancelled"}
# A flight that landed this much after its scheduled arrival was delayed, whatever its status says now.
DELAY_MINUTES = 30


@cache  # the document is shipped with the plugin: read it once, not on every decision
def policy_now() -> datetime:
    """The policy's current time, read from its first line ("The current time is 2024-05-15 15:00:00 EST.").

    It is the plugin's clock: τ-bench's data is a snapshot of that moment, so booking windows and "flown"
    are judged against it, not against the machine's clock.
    """
    text = (resources.files("concierge_airline") / "data" / "wiki.md").read_text()
    found = re.search(r"current time is (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", text)
    if not found:
        raise RuntimeError("data/wiki.md must state 'The current time is YYYY-MM-DD HH:MM:SS'")
    return datetime.fromisoformat(found[1])


def free_bags(membership: str, cabin: str, passengers: int) -> int:
    """The reservation's free checked bags."""
    return FREE_BAGS.get(membership, FREE_BAGS["regular"])[cabin] * passengers


def paid_bags(membership: str, cabin: str, passengers: int, total: int) -> int:
    """How many of ``total`` checked bags are paid for."""
    return max(0, total - free_bags(membership, cabin, passengers))


def flown(statuses: list[str]) -> bool:
    """Whether any flight of the trip has taken off (its status on its date is flying or landed)."""
    return any(s not in NOT_FLOWN for s in statuses)


def cancellation_exceptions(reservation: dict[str, Any], statuses: list[str], reason: str | None,
                            now: datetime) -> list[str]:
    """The policy rules cancelling this reservation would break (empty: the agent may cancel it)."""
    broken = []
    if flown(statuses):
        broken.append("part of the trip has already been flown; only a trip not yet flown can be cancelled")
    booked = datetime.fromisoformat(reservation["created_at"])
    eligible = (now - booked <= timedelta(hours=24) or "cancelled" in statuses
                or reservation["cabin"] == "business"
                or (reservation["insurance"] == "yes" and reason in INSURED_REASONS))
    if not eligible:
        why = ("travel insurance refunds only health or weather reasons" if reservation["insurance"] == "yes"
               else "it has no travel insurance")
        broken.append(f"it was booked more than 24 hours ago, no flight of it was cancelled by us, it is not in "
                      f"business, and {why}")
    return broken


def change_exceptions(reservation: dict[str, Any], new_flights: list[dict[str, Any]],
                      statuses: dict[tuple[str, str], str], connects: bool) -> list[str]:
    """The policy rules changing this reservation's flights to ``new_flights`` would break."""
    old = {(f["flight_number"], f["date"]) for f in reservation["flights"]}
    new = {(f["flight_number"], f["date"]) for f in new_flights}
    if old == new:
        return []  # a cabin change only: allowed for every reservation
    broken = []
    if reservation["cabin"] == "basic_economy":
        broken.append("basic economy flights cannot be changed (the cabin can be)")
    if any(statuses.get(key, "available") not in NOT_FLOWN for key in old - new):
        broken.append("a flight that has already been flown cannot be changed")
    if not connects:
        broken.append("a change keeps the trip's origin, destination and trip type")
    return broken


def route_connects(flights: list[dict[str, Any]], origin: str, destination: str, flight_type: str) -> bool:
    """Whether the legs (with origin/destination) make the trip: there, or there and back, leg after leg."""
    if not flights or flights[0]["origin"] != origin:
        return False
    if any(a["destination"] != b["origin"] for a, b in itertools.pairwise(flights)):
        return False
    ends = [f["destination"] for f in flights]
    if flight_type == "one_way":
        return ends[-1] == destination
    return ends[-1] == origin and destination in ends


def experienced(status: dict[str, Any]) -> str:
    """What the passengers went through on one flight: its status, or "delayed" for one that landed (or is
    due) ``DELAY_MINUTES`` or more late. ``status`` is a get_flight_status result."""
    arrived = status.get("actual_arrival_time_est") or status.get("estimated_arrival_time_est")
    scheduled = status.get("scheduled_arrival_time_est", "")
    if status.get("status") in ("landed", "flying") and arrived and scheduled:
        due = datetime.fromisoformat(f"{status['date']}T{scheduled[:8]}") + timedelta(days=scheduled.endswith("+1"))
        if datetime.fromisoformat(arrived) - due >= timedelta(minutes=DELAY_MINUTES):
            return "delayed"
    return str(status.get("status", ""))


def gesture_amounts(membership: str, reservations: list[tuple[dict[str, Any], list[str]]]) -> set[float]:
    """The certificate amounts the policy allows for the member's reservations (with what each flight's
    passengers went through: see :func:`experienced`).

    A gesture is for a silver or gold member, a reservation with travel insurance, or one in business:
    $100 per passenger for a cancelled flight, $50 for a delayed one.
    """
    allowed = set()
    for reservation, statuses in reservations:
        if membership == "regular" and reservation["insurance"] != "yes" and reservation["cabin"] != "business":
            continue
        for status, per_passenger in GESTURE.items():
            if status in statuses:
                allowed.add(float(per_passenger * len(reservation["passengers"])))
    return allowed
