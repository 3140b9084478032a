"""What the router knows about a signed-in shopper: their profile, orders, the ones in focus, and the policy.

Full details (with item ids) only of the orders the conversation is about, the
other options of a product only when the customer wants a different one, and
the policy line for each order's state: a small model acts on what it is shown,
and every line costs prefill time.
"""

from __future__ import annotations

import re
from typing import Any

from tools.facts import FactBlock, FactReader, Focus
from tools.orders.render import address, money
from tools.orders.store import options_text

MAX_VARIANTS = 6  # options of one product shown (best matches first); more confuses a small model
CHANGE_WORDS = re.compile(r"\b(exchange|swap|switch|change|modify|instead|different|another|other)\b", re.I)
KIND = "order"

POLICY = {
    "pending": "can be cancelled (reason 'no longer needed' or 'ordered by mistake'), or its shipping address, "
               "payment method or items (another option of the same product) changed",
    "delivered": "items can be returned (refund to the original payment method or a gift card) or exchanged "
                 "for another option of the same product",
    "processed": "is being prepared: it can no longer be changed or cancelled",
    "cancelled": "is cancelled: nothing can be changed",
}
IDENTIFY = {
    "tau": "The customer is not identified yet. Before any account action, identify them by email "
           "(find_user_id_by_email) or by first name, last name and zip code (find_user_id_by_name_zip).",
    "email_code": "The customer is not identified yet. Before any account action, ask for their email and send a "
                  "code (find_user_id_by_email), then check the code they type (verify_email_code).",
}
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
NAME = re.compile(r"\b(?i:i'?m|i am|my name is|this is|name:)\s+([A-Z][\w'-]+)\s+([A-Z][\w'-]+)")
ZIP = re.compile(r"\b(?:zip|postal)(?: ?code)?\D{0,6}(\d{5})\b", re.I)


def order_mentioned(order_id: str, said: str) -> bool:
    """Whether ``said`` names the order: '#W2611340' also as 'W2611340' or '2611340'."""
    return order_id.lower() in said or re.sub(r"\D", "", order_id) in re.findall(r"(?<![a-z\d])w?(\d{7})\b", said)


def identify(text: str, offered: set[str]) -> tuple[str, dict[str, Any]] | None:
    """An email, or a name and a zip code, that a not-yet-identified customer just gave."""
    if "find_user_id_by_email" in offered and (email := EMAIL.search(text)):
        return "find_user_id_by_email", {"email": email[0]}
    name, zip_code = NAME.search(text), ZIP.search(text)
    if "find_user_id_by_name_zip" in offered and name and zip_code:
        return "find_user_id_by_name_zip", {"first_name": name[1], "last_name": name[2], "zip": zip_code[1]}
    return None


def _payment_line(methods: dict[str, Any]) -> str:
    shown = []
    for pm_id, pm in methods.items():
        extra = f", balance {money(pm['balance'])}" if "balance" in pm else ""
        extra += f", {pm['brand']} ending {pm['last_four']}" if "last_four" in pm else ""
        shown.append(f"{pm_id} ({pm['source'].replace('_', ' ')}{extra})")
    return "Payment methods: " + "; ".join(shown)


def _matching(options: dict[str, Any], said: str) -> int:
    """How many of a variant's option values the customer mentioned (whole words)."""
    return sum(bool(re.search(rf"\b{re.escape(str(v).lower())}\b", said)) for v in options.values())


def _order_lines(order: dict[str, Any], variants_for: set[str], reader: FactReader) -> list[str]:
    lines = [f"Order {order['order_id']} ({order['status']}), paid with "
             f"{', '.join(sorted({p['payment_method_id'] for p in order['payment_history']}))}; items:"]
    for item in order["items"]:
        lines.append(f"  item {item['item_id']}: {item['name']} ({options_text(item['options'])}) "
                     f"{money(item['price'])}, product {item['product_id']}")
    for item in order["items"]:
        if item["product_id"] not in variants_for:
            continue
        variants_for.discard(item["product_id"])  # once per product, even if two orders hold it
        product = reader.read("get_product_details", {"product_id": item["product_id"]}) or {}
        available = [(vid, v) for vid, v in product.get("variants", {}).items()
                     if v.get("available") and vid != item["item_id"]]
        # Best matches for the options the customer named first, and only a few: a small model picks the
        # first plausible id it sees, and a long list costs prefill time.
        available.sort(key=lambda pair: -_matching(pair[1]["options"], reader.said))
        shown = [f"{vid} ({options_text(v['options'])}) {money(v['price'])}" for vid, v in available[:MAX_VARIANTS]]
        lines.append(f"  {item['name']} options in stock, best match first: " + "; ".join(shown))
    return lines


def gather_orders(reader: FactReader) -> FactBlock | None:
    """The shopper's profile, payment methods and orders; details and policy for those in focus."""
    user = reader.read("get_user_details", {"user_id": reader.customer_id})
    if not user:
        return None
    said = reader.said
    name = user.get("name", {})
    block = FactBlock(KIND, lines=[
        f"Customer: {name.get('first_name', '')} {name.get('last_name', '')} (user id {reader.customer_id}), "
        f"default address {address(user.get('address', {}))}", _payment_line(user.get("payment_methods", {}))])
    orders = [o for oid in user.get("orders", []) if (o := reader.read("get_order_details", {"order_id": oid}))]
    if orders:
        block.lines.append("Orders: " + "; ".join(
            f"{o['order_id']} {o['status']} ({', '.join(i['name'] for i in o['items'])})" for o in orders))
    focus = [o for o in orders if order_mentioned(o["order_id"], said)]
    if not focus:  # "my skateboard order": the orders holding a product the customer names
        focus = [o for o in orders if any(i["name"].lower() in said for i in o["items"])][:2]
    block.focus = Focus.NAMED if focus else Focus.NONE
    if len(orders) == 1 and not focus:
        focus, block.focus = orders, Focus.ASSUMED
    block.states = {o["status"] for o in (focus or orders)}
    # Other options of a product only when the customer wants a different one: they cost many tokens.
    wants_other = bool(CHANGE_WORDS.search(said))
    wanted = {i["product_id"] for o in focus for i in o["items"] if wants_other and i["name"].lower() in said}
    for order in focus:
        block.lines += _order_lines(order, wanted, reader)
        block.policy.append(f"Order {order['order_id']} {POLICY.get(order['status'], 'cannot be changed')}.")
    return block
