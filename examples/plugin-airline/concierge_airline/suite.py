"""τ-bench airline tasks as eval scenarios with fact-driven customers (the plugin's ``eval_suites``).

Each task's customer is derived from the task, not from its free-text instruction: their user id, and for
each reference action that changes something, a request in words — the reservation, the flights by number
and date, the passengers by name, the payment method as a customer names it (their visa ending 7447, their
$250 certificate) — with the exact action they will confirm. The conversation runs in ``tau``
authentication (a user id identifies the member, as τ-bench's policy allows) and passes only if the
stores end exactly in the task's ``expected_changed_records``.
"""

from __future__ import annotations

from typing import Any

from agent.evals.customers import Request
from agent.evals.scenarios import Scenario
from concierge_airline.render import cabin, money, people
from concierge_airline.store import load_data


class _Words:
    """Turns reference actions into what the member says, using the data."""

    def __init__(self) -> None:
        self.users = load_data("users")
        self.reservations = load_data("reservations")

    def payment(self, user_id: str, pm_id: str, amount: float | None = None) -> str:
        pm = self.users[user_id]["payment_methods"].get(pm_id, {"source": pm_id})
        said = {"credit_card": f"my {pm.get('brand', '')} card ending in {pm.get('last_four', '')}",
                "gift_card": f"my gift card with {money(pm.get('amount', 0))} on it",
                "certificate": f"my {money(pm.get('amount', 0))} travel certificate"}.get(pm["source"], pm_id)
        return f"{money(amount)} with {said}" if amount is not None else said

    @staticmethod
    def flights(flights: list[dict[str, Any]]) -> str:
        return " and ".join(f"{f['flight_number']} on {f['date']}" for f in flights)

    def say(self, user_id: str, name: str, a: dict[str, Any]) -> str | None:
        """What the member says to get ``name(**a)`` done, or None for what the agent does on its own."""
        rid = a.get("reservation_id", "")
        if name == "book_reservation":
            pay = " and ".join(self.payment(user_id, p["payment_id"], p["amount"]) for p in a["payment_methods"])
            return (f"Please book a {cabin(a['flight_type'])} trip from {a['origin']} to {a['destination']} in "
                    f"{cabin(a['cabin'])}: flights {self.flights(a['flights'])}, for {people(a['passengers'])}. "
                    f"{a['total_baggages']} checked bags, {'with' if a['insurance'] == 'yes' else 'no'} travel "
                    f"insurance. I'll pay {pay}.")
        if name == "cancel_reservation":
            return f"Please cancel my reservation {rid}."
        pay = self.payment(user_id, a.get("payment_id", ""))
        if name == "update_reservation_flights":
            before = self.reservations.get(rid, {})
            same = ({(f["flight_number"], f["date"]) for f in before.get("flights", [])}
                    == {(f["flight_number"], f["date"]) for f in a["flights"]})
            if same:
                return f"Please change the cabin of reservation {rid} to {cabin(a['cabin'])}, same flights. Use {pay}."
            return (f"Please change reservation {rid} to flights {self.flights(a['flights'])} in "
                    f"{cabin(a['cabin'])}. Use {pay} for any difference.")
        if name == "update_reservation_baggages":
            return f"Please make it {a['total_baggages']} checked bags in total on reservation {rid}. Use {pay}."
        if name == "update_reservation_passengers":
            return f"Please change the passengers of reservation {rid} to {people(a['passengers'])}."
        if name == "send_certificate":
            return "My flight was delayed and I'm upset. I want compensation for it."
        return None  # look-ups, calculations, transfers: the agent's steps, not the customer's words


def airline_scenarios() -> list[Scenario]:
    """The 25 dev tasks as scenarios."""
    words = _Words()
    scenarios = []
    for n, task in enumerate(load_data("tasks_dev")):
        user_id = task["user_id"]
        requests = [Request(said, {"tool": a["name"], "args": a["kwargs"]}) for a in task["actions"]
                    if (said := words.say(user_id, a["name"], a["kwargs"]))]
        if not requests:  # nothing to change: the member asks about their trips, and must not be harmed
            requests = [Request("Can you tell me what reservations I have?")]
        knows = {"identity": f"my user id is {user_id}"}
        reservations = sorted({a["kwargs"]["reservation_id"] for a in task["actions"]
                               if "reservation_id" in a["kwargs"]})
        if reservations:
            knows["reservation_id"] = f"The reservation is {', '.join(reservations)}."
        methods = [a["kwargs"]["payment_id"] for a in task["actions"] if "payment_id" in a["kwargs"]]
        if methods:
            knows["payment"] = f"Please use {words.payment(user_id, methods[0])}."
        if any(a["name"] == "cancel_reservation" for a in task["actions"]):
            knows["reason"] = "The reason is a change of plan."
        writes = sorted({a["name"].split("_")[0] for a in task["actions"]
                         if a["name"].split("_")[0] in ("book", "cancel", "update", "send")})
        scenarios.append(Scenario(
            name=f"airline-dev-{task.get('task_id', n)}", category="+".join(writes) or "look-up", customer=None,
            requests=requests, knows=knows, introduce=True, instruction=task["instruction"], owner=user_id,
            auth_mode="tau", mode=None, reply_contains=[str(o) for o in task.get("outputs", [])],
            expected_records=task.get("expected_changed_records", {}), max_turns=8 + 4 * len(requests)))
    return scenarios
