"""τ-bench retail tasks as eval scenarios with fact-driven customers (the orders plugin's `eval_suites`).

Each task's customer is derived from the task, not from its free-text
instruction: their profile in the store (name, zip, email), and for each
reference action that changes something, a request in words — the order, the
items by product name and options (never by item id), the reason, the new
options, the payment method by kind — together with the exact action they will
confirm. The conversation runs in ``tau`` authentication mode (name + zip or
email identify the customer, as τ-bench's policy allows), and passes only if
the store ends exactly in the task's ``expected_changed_records``.
"""

from __future__ import annotations

from typing import Any

from agent.evals.customers import Request
from agent.evals.scenarios import Scenario
from tools.orders.seed import load_tau_json
from tools.orders.store import options_text

SUITES = {"tau-dev": "tasks_dev", "tau-train": "tasks_train"}


class _Words:
    """Turns reference actions into what the customer says, using the store's data."""

    def __init__(self) -> None:
        self.users = load_tau_json("users")
        self.orders = load_tau_json("orders")
        self.variants = {vid: (p["name"], v["options"]) for p in load_tau_json("products").values()
                         for vid, v in p["variants"].items()}

    def payment(self, user_id: str, pm_id: str) -> str:
        pm = self.users[user_id]["payment_methods"].get(pm_id, {"source": pm_id})
        if pm["source"] == "credit_card":
            return f"my {pm.get('brand', '')} credit card ending in {pm.get('last_four', '')}".replace("  ", " ")
        return {"paypal": "my PayPal account", "gift_card": "my gift card"}.get(pm["source"], pm_id)

    def items(self, order_id: str, item_ids: list[str]) -> str:
        by_id = {i["item_id"]: i for i in self.orders[order_id]["items"]}
        return " and ".join(f"the {by_id[i]['name']} ({options_text(by_id[i]['options'])})" for i in item_ids)

    def new_items(self, new_ids: list[str]) -> str:
        return " and ".join(f"the {self.variants[i][0]} with {options_text(self.variants[i][1])}" for i in new_ids)

    def address(self, a: dict[str, Any]) -> str:
        return ", ".join(str(a[k]) for k in ("address1", "address2", "city", "state", "zip", "country") if a.get(k))

    def say(self, user_id: str, name: str, a: dict[str, Any]) -> str | None:
        """What the customer says to get ``name(**a)`` done, or None for an action the agent does on its own."""
        oid = a.get("order_id", "")
        if name == "cancel_pending_order":
            return f"Please cancel my order {oid}, the reason is: {a['reason']}."
        if name == "modify_pending_order_address":
            return f"Please change the shipping address of my order {oid} to {self.address(a)}."
        if name == "modify_user_address":
            return f"Please update the default address on my account to {self.address(a)}."
        if name == "modify_pending_order_payment":
            return f"Please change the payment of my order {oid} to {self.payment(user_id, a['payment_method_id'])}."
        pay = self.payment(user_id, a.get("payment_method_id", ""))
        if name == "modify_pending_order_items":
            return (f"In my pending order {oid}, please change {self.items(oid, a['item_ids'])} to "
                    f"{self.new_items(a['new_item_ids'])}. Use {pay} for any price difference.")
        if name == "return_delivered_order_items":
            return f"I want to return {self.items(oid, a['item_ids'])} from order {oid}, refund to {pay}."
        if name == "exchange_delivered_order_items":
            return (f"I want to exchange {self.items(oid, a['item_ids'])} from order {oid} for "
                    f"{self.new_items(a['new_item_ids'])}. Use {pay} for any price difference.")
        return None  # look-ups, identification, transfers: the agent's steps, not the customer's words


def tau_scenarios(suite: str) -> list[Scenario]:
    """The tasks of ``tau-dev`` or ``tau-train`` as scenarios."""
    words = _Words()
    scenarios = []
    for n, task in enumerate(load_tau_json(SUITES[suite])):
        user_id = task["user_id"]
        user = words.users[user_id]
        requests = [Request(said, {"tool": a["name"], "args": a["kwargs"]}) for a in task["actions"]
                    if (said := words.say(user_id, a["name"], a["kwargs"]))]
        if not requests:  # nothing to change: the customer asks about their orders, and must not be harmed
            requests = [Request("Can you tell me the status of my orders?")]
        first, last, zip_code = user["name"]["first_name"], user["name"]["last_name"], user["address"]["zip"]
        knows = {"identity": f"I'm {first} {last}, zip code {zip_code}", "email": f"My email is {user['email']}."}
        orders = sorted({a["kwargs"]["order_id"] for a in task["actions"] if "order_id" in a["kwargs"]})
        if orders:
            knows["order_id"] = f"The order is {', '.join(orders)}."
        reasons = [a["kwargs"]["reason"] for a in task["actions"] if "reason" in a["kwargs"]]
        if reasons:
            knows["reason"] = f"The reason: {reasons[0]}."
        methods = [a["kwargs"]["payment_method_id"] for a in task["actions"] if "payment_method_id" in a["kwargs"]]
        if methods:
            knows["payment"] = f"Please use {words.payment(user_id, methods[0])}."
        scenarios.append(Scenario(
            name=f"{suite}-{task.get('task_id', n)}", category=_category(task), customer=None,
            requests=requests, knows=knows, introduce=True, instruction=task["instruction"], owner=user_id,
            auth_mode="tau", mode=None, reply_contains=[str(o) for o in task.get("outputs", [])],
            expected_records=task.get("expected_changed_records", {}), max_turns=8 + 4 * len(requests)))
    return scenarios


def _category(task: dict[str, Any]) -> str:
    names = [a["name"] for a in task["actions"] if a["name"] not in ("find_user_id_by_email",
                                                                    "find_user_id_by_name_zip")]
    writes = sorted({n.split("_")[0] for n in names if n.split("_")[0] in ("cancel", "modify", "return", "exchange")})
    return "+".join(writes) if writes else "look-up"
