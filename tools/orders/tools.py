"""Order tools the agent can call. Authorisation is checked here, in code."""

from __future__ import annotations

import re
from typing import Any

from tools.api import ToolContext, ToolError
from tools.orders.store import order_record

_ORDER_ID = re.compile(r"#?\s*W?\s*(\d{7})", re.IGNORECASE)


def normalize_order_id(raw: str) -> str:
    """Accept '#W2611340', 'W2611340' or '2611340'; return the canonical '#W2611340'."""
    match = _ORDER_ID.search(raw or "")
    if not match:
        raise ToolError(f"'{raw}' doesn't look like an order number. Order numbers look like #W1234567.")
    return f"#W{match.group(1)}"


def get_order_details(ctx: ToolContext, order_id: str) -> dict[str, Any]:
    """Get the status, items, shipments and payments of one of the customer's own orders."""
    customer_id = ctx.require_customer()
    oid = normalize_order_id(order_id)
    record = order_record(ctx.session, oid)
    # The same answer for "no such order" and "someone else's order": no existence oracle.
    if record is None or record["user_id"] != customer_id:
        raise ToolError(f"I couldn't find order {oid} on your account.")
    return record
