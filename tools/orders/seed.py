"""Load the τ-bench retail data (shipped in ``data/tau_bench_retail``) into the order tables."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from tools.db import Rows, replace_rows
from tools.orders.models import (
    Customer,
    Fulfillment,
    Order,
    OrderItem,
    PaymentMethod,
    PaymentTransaction,
    Product,
    Variant,
)


def tau_data_dir() -> Path:
    """The folder of the shipped τ-bench retail copy (MIT, see its LICENSE)."""
    return Path(str(resources.files("tools.orders") / "data" / "tau_bench_retail"))


def load_tau_json(name: str) -> Any:
    """Read one of ``users``, ``orders``, ``products`` from the shipped copy."""
    return json.loads((tau_data_dir() / f"{name}.json").read_text())


def _address(a: dict[str, str]) -> dict[str, str]:
    return {k: a[k] for k in ("address1", "address2", "city", "state", "country", "zip")}


def seed_orders(engine: Engine) -> dict[str, int]:
    """Replace the order tables' rows with the τ-bench data, in one transaction. Returns row counts."""
    users, orders, products = load_tau_json("users"), load_tau_json("orders"), load_tau_json("products")
    rows: Rows = {t: [] for t in (
        Customer, PaymentMethod, Product, Variant, Order, OrderItem, Fulfillment, PaymentTransaction)}

    for uid, u in users.items():
        rows[Customer].append({"id": uid, "first_name": u["name"]["first_name"],
                               "last_name": u["name"]["last_name"], "email": u["email"],
                               **_address(u["address"])})
        for pos, pm in enumerate(u["payment_methods"].values()):
            rows[PaymentMethod].append({"id": pm["id"], "customer_id": uid, "position": pos,
                                        "source": pm["source"], "brand": pm.get("brand"),
                                        "last_four": pm.get("last_four"), "balance": pm.get("balance")})
    order_position = {oid: pos for u in users.values() for pos, oid in enumerate(u["orders"])}

    for pid, p in products.items():
        rows[Product].append({"id": pid, "name": p["name"]})
        for pos, v in enumerate(p["variants"].values()):
            rows[Variant].append({"item_id": v["item_id"], "product_id": pid, "position": pos,
                                  "options": v["options"], "available": v["available"], "price": v["price"]})

    for oid, o in orders.items():
        rows[Order].append({"id": oid, "customer_id": o["user_id"], "position": order_position.get(oid, 0),
                            "status": o["status"], **_address(o["address"])})
        for pos, it in enumerate(o["items"]):
            rows[OrderItem].append({"order_id": oid, "position": pos, "item_id": it["item_id"],
                                    "product_id": it["product_id"], "name": it["name"],
                                    "price": it["price"], "options": it["options"]})
        for pos, f in enumerate(o["fulfillments"]):
            rows[Fulfillment].append({"order_id": oid, "position": pos,
                                      "tracking_ids": f["tracking_id"], "item_ids": f["item_ids"]})
        for pos, t in enumerate(o["payment_history"]):
            rows[PaymentTransaction].append({"order_id": oid, "position": pos,
                                             "transaction_type": t["transaction_type"],
                                             "amount": t["amount"], "payment_method_id": t["payment_method_id"]})

    return replace_rows(engine, rows)  # dict order = foreign-key order
