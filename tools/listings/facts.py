"""What the router knows about a signed-in guest: their reservations, details of those named, and the policy."""

from __future__ import annotations

from tools.facts import FactBlock, FactReader, Focus

MAX_RESERVATIONS = 5
KIND = "reservation"
POLICY = {
    "upcoming": "can be cancelled (refund per the listing's cancellation policy) or its dates changed",
    "in_stay": "is under way: the guest can message the host or report a problem",
    "completed": "is over: the guest can report a problem",
    "cancelled": "is cancelled: nothing can be changed",
}


def gather_reservations(reader: FactReader) -> FactBlock | None:
    """The guest's reservations (the first few), and details and policy of those the conversation names."""
    reservations = reader.read("list_my_reservations", {}) or []
    if not reservations:
        return None
    block = FactBlock(KIND, states={r["state"] for r in reservations}, lines=["Reservations: " + "; ".join(
        f"{r['reservation_id']} {r['check_in']} to {r['check_out']} {r['state']}"
        for r in reservations[:MAX_RESERVATIONS])])
    for r in reservations:
        if r["reservation_id"].lower() not in reader.said:
            continue
        detail = reader.read("get_reservation_details", {"reservation_id": r["reservation_id"]})
        if not detail:
            continue
        if block.focus is not Focus.NAMED:  # the first one named narrows the states to those named
            block.states, block.focus = set(), Focus.NAMED
        block.states.add(detail["state"])
        listing = detail["listing"]
        block.lines.append(f"Reservation {r['reservation_id']}: {listing['title']}, {listing['city']}, "
                           f"{detail['check_in']} to {detail['check_out']}, {detail['guests']} guests, "
                           f"total ${detail['total']:,.2f}, {listing['cancellation_policy']} cancellation "
                           f"policy, {detail['state']}")
        block.policy.append(f"Reservation {r['reservation_id']} {POLICY.get(detail['state'], 'cannot be changed')}.")
    return block
