"""The order system in words: confirmation previews, the answer prompt's view of an order, staff views.

A customer confirms what they read, so a preview says what changes, which
items, and how much money moves where — not ``order_id: #W…, reason: …``.
Each preview takes the call's arguments and its dry run's record (the order as
it would be after the change), so amounts are the ones the write will apply.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from tools.orders.store import Record, options_text


def money(value: float) -> str:
    """Dollars as a customer reads them: $1,234.50."""
    return f"${value:,.2f}"


def payment_method(pm_id: str) -> str:
    """A payment method id in words ("your PayPal account (paypal_1249653)")."""
    kind = next((label for prefix, label in (("gift_card", "gift card"), ("credit_card", "credit card"),
                                             ("paypal", "PayPal account")) if pm_id.startswith(prefix)), "account")
    return f"your {kind} ({pm_id})"


def address(a: dict[str, Any]) -> str:
    """An address on one line."""
    return ", ".join(str(a[k]) for k in ("address1", "address2", "city", "state", "zip", "country") if a.get(k))


def _item(i: dict[str, Any]) -> str:
    return f"{i['name']} ({options_text(i['options'])}, {money(i['price'])})"


def _items(record: Record | None, item_ids: list[str]) -> str:
    by_id = {i["item_id"]: i for i in (record or {}).get("items", [])}
    return ", ".join(_item(by_id[i]) if i in by_id else f"item {i}" for i in item_ids)


def _refunds(record: Record | None) -> str:
    """The refunds in ``record``'s payment history, per payment method."""
    totals: dict[str, float] = defaultdict(float)
    for p in (record or {}).get("payment_history", []):
        if p["transaction_type"] == "refund":
            totals[p["payment_method_id"]] += p["amount"]
    return " and ".join(f"{money(v)} back to {payment_method(k)}" for k, v in totals.items())


def _difference(amount: float, pm_id: str) -> str:
    if amount > 0:
        return f"you pay {money(amount)} more with {payment_method(pm_id)}"
    if amount < 0:
        return f"{money(-amount)} goes back to {payment_method(pm_id)}"
    return "the price stays the same"


_REASONS = {"no longer needed": "it is no longer needed", "ordered by mistake": "it was ordered by mistake"}


def cancel_preview(args: dict[str, Any], record: Record | None) -> str:
    """Cancel order #W…: its items, why, and the refunds."""
    refunds = _refunds(record)
    items = ", ".join(i["name"] for i in (record or {}).get("items", []))
    because = _REASONS.get(args["reason"], args["reason"])
    return (f"Cancel order {args['order_id']}" + (f" ({items})" if items else "") + f" because {because}"
            + (f"; {refunds}" if refunds else ""))


def address_preview(args: dict[str, Any], _record: Record | None) -> str:
    """Ship order #W… to the new address."""
    return f"Ship order {args['order_id']} to {address(args)} instead"


def user_address_preview(args: dict[str, Any], _record: Record | None) -> str:
    """The account's new default address."""
    return f"Make {address(args)} the default address of your account"


def items_preview(args: dict[str, Any], record: Record | None) -> str:
    """Which items become which options, and what the price difference does."""
    after = {i["item_id"]: i for i in (record or {}).get("items", [])}
    changed = ", ".join(f"item {old} with {_item(after[new]) if new in after else f'item {new}'}"
                        for old, new in zip(args["item_ids"], args["new_item_ids"], strict=False))
    last = ((record or {}).get("payment_history") or [{}])[-1]
    sign = 1 if last.get("transaction_type") == "payment" else -1
    return (f"In order {args['order_id']}, replace {changed}; "
            f"{_difference(sign * last.get('amount', 0.0), args['payment_method_id'])}")


def payment_preview(args: dict[str, Any], record: Record | None) -> str:
    """Pay order #W… with another method; the first one is refunded."""
    refunds = _refunds(record)
    return (f"Pay order {args['order_id']} with {payment_method(args['payment_method_id'])} instead"
            + (f"; {refunds}" if refunds else ""))


def return_preview(args: dict[str, Any], record: Record | None) -> str:
    """Which items go back, and where the refund goes."""
    by_id = {i["item_id"]: i for i in (record or {}).get("items", [])}
    total = sum(by_id[i]["price"] for i in args["item_ids"] if i in by_id)
    return (f"Return {_items(record, args['item_ids'])} from order {args['order_id']}; "
            f"{money(total)} back to {payment_method(args['payment_method_id'])} once they arrive")


def exchange_preview(args: dict[str, Any], record: Record | None) -> str:
    """Which items are exchanged for which options, and the price difference."""
    difference = (record or {}).get("exchange_price_difference", 0.0) or 0.0
    new = ", ".join(f"item {n}" for n in args["new_item_ids"])
    return (f"Exchange {_items(record, args['item_ids'])} from order {args['order_id']} for {new}; "
            f"{_difference(difference, args['payment_method_id'])}")


def order_summary(record: Record) -> str:
    """A compact view of an order for the answer prompt (full records cost too many tokens)."""
    items = [f"{i['name']} ({options_text(i['options'])}) ${i['price']:.2f}" for i in record["items"]]
    tracking = [t for f in record["fulfillments"] for t in f["tracking_id"]]
    paid = sum(p["amount"] for p in record["payment_history"] if p["transaction_type"] == "payment")
    refunded = sum(p["amount"] for p in record["payment_history"] if p["transaction_type"] == "refund")
    return json.dumps({"order_id": record["order_id"], "status": record["status"], "items": items,
                       "tracking_numbers": tracking, "paid": round(paid, 2), "refunded": round(refunded, 2),
                       "ship_to": f"{record['address']['city']}, {record['address']['state']}"})


def staff_view(order: Record) -> str:
    """An order as support staff see it in Slack."""
    items = "; ".join(f"{i['name']} ({', '.join(map(str, i['options'].values()))}) ${i['price']:.2f}"
                      for i in order["items"])
    return (f"*Order {order['order_id']}* — {order['status']}, customer `{order['user_id']}`, ship to "
            f"{order['address']['city']}, {order['address']['state']}\nItems: {items}")
