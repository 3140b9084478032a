"""What the router knows about the customer this turn: their records and the policy lines that apply.

A small model cannot be trusted to look everything up in the right order, and
showing it every tool schema and the whole policy costs prefill time on a CPU.
So code gathers the facts deterministically before each decision: the signed-in
customer's payment methods, orders and reservations, full details (with item
ids) of the ones the conversation mentions, the other options of a product the
customer names, and the few policy lines that apply to those records' states.

Every read goes through the ToolRunner *as the customer*, so the facts can only
ever contain the customer's own records, whatever was said. The same text also
grounds identifiers: the router may use an order id from here without the
customer typing it ("cancel my pending order").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from agent.decisions import mentioned
from tools.orders.store import options_text
from tools.registry import UnknownTool
from tools.runner import ToolRunner

MAX_VARIANTS = 6  # options of one product shown (best matches first); more confuses a small model
MAX_RESERVATIONS = 5
CHANGE_WORDS = re.compile(r"\b(exchange|swap|switch|change|modify|instead|different|another|other)\b", re.I)

ORDER_POLICY = {
    "pending": "can be cancelled (reason 'no longer needed' or 'ordered by mistake'), or its shipping address, "
               "payment method or items (another option of the same product) changed",
    "delivered": "items can be returned (refund to the original payment method or a gift card) or exchanged "
                 "for another option of the same product",
    "processed": "is being prepared: it can no longer be changed or cancelled",
    "cancelled": "is cancelled: nothing can be changed",
}
RESERVATION_POLICY = {
    "upcoming": "can be cancelled (refund per the listing's cancellation policy) or its dates changed",
    "in_stay": "is under way: the guest can message the host or report a problem",
    "completed": "is over: the guest can report a problem",
    "cancelled": "is cancelled: nothing can be changed",
}
IDENTIFY = {
    "tau": "The customer is not identified yet. Before any account action, identify them by email "
           "(find_user_id_by_email) or by first name, last name and zip code (find_user_id_by_name_zip).",
    "email_code": "The customer is not identified yet. Before any account action, ask for their email and send a "
                  "code (find_user_id_by_email), then check the code they type (verify_email_code).",
    "token": "The customer is not signed in: answer general questions; account actions need them to sign in.",
}


# Write tools whose precondition is a record's state: offered only when a record in focus (or, with none in
# focus, any of the customer's records) is in one of these states. Tools not listed are not restricted.
ORDER_STATES = {"cancel_pending_order": {"pending"}, "modify_pending_order_address": {"pending"},
                "modify_pending_order_items": {"pending"}, "modify_pending_order_payment": {"pending"},
                "return_delivered_order_items": {"delivered"}, "exchange_delivered_order_items": {"delivered"}}
RESERVATION_STATES = {"cancel_reservation": {"upcoming"}, "change_reservation_dates": {"upcoming"},
                      "report_problem": {"in_stay", "completed"}}


@dataclass
class Facts:
    """The facts block of one decision: lines for the prompt and the text that grounds identifiers."""

    lines: list[str] = field(default_factory=list)
    policy: list[str] = field(default_factory=list)
    order_states: set[str] = field(default_factory=set)  # of the orders in focus, or all of them
    reservation_states: set[str] = field(default_factory=set)

    def allows(self, tool: str) -> bool:
        """Whether ``tool``'s precondition can hold for the records in focus."""
        if tool in ORDER_STATES:
            return bool(ORDER_STATES[tool] & self.order_states)
        if tool in RESERVATION_STATES:
            return bool(RESERVATION_STATES[tool] & self.reservation_states)
        return True

    def text(self) -> str:
        """The block as it goes into the router's prompt (empty when there is nothing to say)."""
        parts = []
        if self.lines:
            parts.append("Known facts:\n" + "\n".join(line if line.startswith(" ") else f"- {line}"
                                                      for line in self.lines))
        if self.policy:
            parts.append("Policy now:\n" + "\n".join(f"- {line}" for line in self.policy))
        return "\n".join(parts)


def _read(runner: ToolRunner, tool: str, args: dict[str, Any], customer_id: str, conversation_id: str) -> Any:
    """A read as the customer; None when it fails or the tool is not installed."""
    try:
        runner.registry.get(tool)
    except UnknownTool:
        return None
    result = runner.run(tool, args, customer_id=customer_id, conversation_id=conversation_id)
    return result.data if result.ok else None


def _money(value: float) -> str:
    return f"${value:,.2f}"


def _payment_line(methods: dict[str, Any]) -> str:
    shown = []
    for pm_id, pm in methods.items():
        extra = f", balance {_money(pm['balance'])}" if "balance" in pm else ""
        extra += f", {pm['brand']} ending {pm['last_four']}" if "last_four" in pm else ""
        shown.append(f"{pm_id} ({pm['source'].replace('_', ' ')}{extra})")
    return "Payment methods: " + "; ".join(shown)


def _order_lines(order: dict[str, Any], variants_for: set[str], runner: ToolRunner, customer_id: str,
                 conversation_id: str, said: str) -> list[str]:
    lines = [f"Order {order['order_id']} ({order['status']}), paid with "
             f"{', '.join(sorted({p['payment_method_id'] for p in order['payment_history']}))}; items:"]
    for item in order["items"]:
        lines.append(f"  item {item['item_id']}: {item['name']} ({options_text(item['options'])}) "
                     f"{_money(item['price'])}, product {item['product_id']}")
    for item in order["items"]:
        if item["product_id"] not in variants_for:
            continue
        variants_for.discard(item["product_id"])  # once per product, even if two orders hold it
        product = _read(runner, "get_product_details", {"product_id": item["product_id"]}, customer_id,
                        conversation_id) or {}
        available = [(vid, v) for vid, v in product.get("variants", {}).items()
                     if v.get("available") and vid != item["item_id"]]
        # Best matches for the options the customer named first, and only a few: a small model picks the
        # first plausible id it sees, and a long list costs prefill time.
        available.sort(key=lambda pair: -_matching(pair[1]["options"], said))
        shown = [f"{vid} ({options_text(v['options'])}) {_money(v['price'])}"
                 for vid, v in available[:MAX_VARIANTS]]
        lines.append(f"  {item['name']} options in stock, best match first: " + "; ".join(shown))
    return lines


def gather(runner: ToolRunner, customer_id: str | None, conversation: str, auth_mode: str,
           conversation_id: str = "") -> Facts:
    """The facts and policy lines for this decision, read as ``customer_id`` (None: not signed in)."""
    facts = Facts()
    if customer_id is None:
        facts.policy.append(IDENTIFY.get(auth_mode, IDENTIFY["token"]))
        return facts
    said = conversation.lower()
    stays = Facts()  # read first (does a reservation have the focus?), shown after the orders
    reservation_focus = _reservation_facts(stays, runner, customer_id, said, conversation_id)
    user = _read(runner, "get_user_details", {"user_id": customer_id}, customer_id, conversation_id)
    if user:
        name = user.get("name", {})
        facts.lines.append(f"Customer: {name.get('first_name', '')} {name.get('last_name', '')} "
                           f"(user id {customer_id}), default address {_address(user.get('address', {}))}")
        facts.lines.append(_payment_line(user.get("payment_methods", {})))
        orders = [o for oid in user.get("orders", [])
                  if (o := _read(runner, "get_order_details", {"order_id": oid}, customer_id, conversation_id))]
        if orders:
            facts.lines.append("Orders: " + "; ".join(
                f"{o['order_id']} {o['status']} ({', '.join(i['name'] for i in o['items'])})" for o in orders))
        focus = [o for o in orders if mentioned(o["order_id"], said)]
        if not focus:  # "my skateboard order": the orders holding a product the customer names
            focus = [o for o in orders if any(i["name"].lower() in said for i in o["items"])][:2]
        if len(orders) == 1 and not focus and not reservation_focus:
            focus = orders
        # With a reservation in focus and no order, no order write is on offer (and the other way round).
        facts.order_states = {o["status"] for o in focus} if focus or reservation_focus else \
            {o["status"] for o in orders}
        if focus and not reservation_focus:
            stays.reservation_states = set()
        # Other options of a product only when the customer wants a different one: they cost many tokens.
        named = {i["product_id"] for o in focus for i in o["items"]
                 if i["name"].lower() in said and CHANGE_WORDS.search(said)}
        for order in focus:
            facts.lines += _order_lines(order, named, runner, customer_id, conversation_id, said)
            facts.policy.append(f"Order {order['order_id']} {ORDER_POLICY.get(order['status'], 'cannot be changed')}.")
    facts.lines += stays.lines
    facts.policy += stays.policy
    facts.reservation_states = stays.reservation_states
    return facts


def _reservation_facts(facts: Facts, runner: ToolRunner, customer_id: str, said: str, conversation_id: str) -> bool:
    """Add the guest's reservations (details of those mentioned); whether any was mentioned."""
    reservations = _read(runner, "list_my_reservations", {}, customer_id, conversation_id) or []
    if not reservations:
        return False
    focus = False
    facts.reservation_states = {r["state"] for r in reservations}
    facts.lines.append("Reservations: " + "; ".join(
        f"{r['reservation_id']} {r['check_in']} to {r['check_out']} {r['state']}"
        for r in reservations[:MAX_RESERVATIONS]))
    for r in reservations:
        if not mentioned(r["reservation_id"], said):
            continue
        detail = _read(runner, "get_reservation_details", {"reservation_id": r["reservation_id"]}, customer_id,
                       conversation_id)
        if detail:
            if not focus:  # the first reservation in focus narrows the states to those in focus
                facts.reservation_states = set()
            focus = True
            facts.reservation_states.add(detail["state"])
            listing = detail["listing"]
            facts.lines.append(f"Reservation {r['reservation_id']}: {listing['title']}, {listing['city']}, "
                               f"{detail['check_in']} to {detail['check_out']}, {detail['guests']} guests, "
                               f"total {_money(detail['total'])}, {listing['cancellation_policy']} cancellation "
                               f"policy, {detail['state']}")
            facts.policy.append(f"Reservation {r['reservation_id']} "
                                f"{RESERVATION_POLICY.get(detail['state'], 'cannot be changed')}.")
    return focus


def _matching(options: dict[str, Any], said: str) -> int:
    """How many of a variant's option values the customer mentioned (whole words)."""
    return sum(bool(re.search(rf"\b{re.escape(str(v).lower())}\b", said)) for v in options.values())


def _address(a: dict[str, Any]) -> str:
    return ", ".join(str(a[k]) for k in ("address1", "address2", "city", "state", "zip") if a.get(k))
