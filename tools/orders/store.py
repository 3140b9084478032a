"""Read access to the order system, returning records in τ-bench's JSON shape.

Single-record readers serve the tools; :func:`export_store` reads whole tables
in a few queries for exports and for diffing a replay against fresh data.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from tools.orders.models import (
    ORDER_EXTRAS,
    Customer,
    Fulfillment,
    Order,
    OrderItem,
    PaymentMethod,
    PaymentTransaction,
    Product,
    Variant,
)

_ADDRESS_FIELDS = ("address1", "address2", "city", "country", "state", "zip")
Record = dict[str, Any]


def _rows(session: Session, model: type, *where: Any) -> list[Any]:
    """Rows of ``model`` (as plain row objects, fast), filtered and in position order."""
    table = model.__table__
    query = select(table).where(*where)
    if "position" in table.c:
        query = query.order_by(table.c.position)
    return list(session.connection().execute(query))


def _group(rows: list[Any], key: str) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = defaultdict(list)
    for r in rows:
        out[getattr(r, key)].append(r)
    return out


def _payment_method(pm: Any) -> Record:
    record: Record = {"source": pm.source}
    if pm.source == "credit_card":
        record |= {"brand": pm.brand, "last_four": pm.last_four}
    if pm.source == "gift_card":
        record["balance"] = pm.balance
    return record | {"id": pm.id}


def _user(c: Any, methods: list[Any], order_ids: list[str]) -> Record:
    return {"name": {"first_name": c.first_name, "last_name": c.last_name},
            "address": {f: getattr(c, f) for f in _ADDRESS_FIELDS}, "email": c.email,
            "payment_methods": {pm.id: _payment_method(pm) for pm in methods}, "orders": order_ids}


def _order(o: Any, items: list[Any], fulfilments: list[Any], payments: list[Any]) -> Record:
    record: Record = {
        "order_id": o.id, "user_id": o.customer_id,
        "address": {f: getattr(o, f) for f in _ADDRESS_FIELDS},
        "items": [{"name": i.name, "product_id": i.product_id, "item_id": i.item_id, "price": i.price,
                   "options": i.options} for i in items],
        "fulfillments": [{"tracking_id": f.tracking_ids, "item_ids": f.item_ids} for f in fulfilments],
        "status": o.status,
        "payment_history": [{"transaction_type": p.transaction_type, "amount": p.amount,
                             "payment_method_id": p.payment_method_id} for p in payments],
    }
    record.update({k: getattr(o, k) for k in ORDER_EXTRAS if getattr(o, k) is not None})
    return record


def _product(p: Any, variants: list[Any]) -> Record:
    return {"name": p.name, "product_id": p.id, "variants": {
        v.item_id: {"item_id": v.item_id, "options": v.options, "available": v.available, "price": v.price}
        for v in variants}}


def order_record(session: Session, order_id: str) -> Record | None:
    """The order as τ-bench represents it, or None if no such order exists."""
    rows = _rows(session, Order, Order.__table__.c.id == order_id)
    if not rows:
        return None
    return _order(rows[0], _rows(session, OrderItem, OrderItem.__table__.c.order_id == order_id),
                  _rows(session, Fulfillment, Fulfillment.__table__.c.order_id == order_id),
                  _rows(session, PaymentTransaction, PaymentTransaction.__table__.c.order_id == order_id))


def user_record(session: Session, customer_id: str) -> Record | None:
    """The customer as τ-bench represents a user, or None."""
    rows = _rows(session, Customer, Customer.__table__.c.id == customer_id)
    if not rows:
        return None
    return _user(rows[0], _rows(session, PaymentMethod, PaymentMethod.__table__.c.customer_id == customer_id),
                 customer_order_ids(session, customer_id))


def product_record(session: Session, product_id: str) -> Record | None:
    """The product with all its variants, or None."""
    rows = _rows(session, Product, Product.__table__.c.id == product_id)
    if not rows:
        return None
    return _product(rows[0], _rows(session, Variant, Variant.__table__.c.product_id == product_id))


def customer_order_ids(session: Session, customer_id: str) -> list[str]:
    """The ids of a customer's orders, in the order of their profile."""
    return [r.id for r in _rows(session, Order, Order.__table__.c.customer_id == customer_id)]


def export_store(session: Session) -> dict[str, dict[str, Record]]:
    """The whole store as τ-bench's three tables: ``{"users", "orders", "products"}``."""
    methods = _group(_rows(session, PaymentMethod), "customer_id")
    orders = _rows(session, Order)
    by_customer = _group(orders, "customer_id")
    items, fulfilments = _group(_rows(session, OrderItem), "order_id"), _group(_rows(session, Fulfillment), "order_id")
    payments, variants = _group(_rows(session, PaymentTransaction), "order_id"), _group(_rows(session, Variant),
                                                                                      "product_id")
    return {
        "users": {c.id: _user(c, methods[c.id], [o.id for o in by_customer[c.id]]) for c in _rows(session, Customer)},
        "orders": {o.id: _order(o, items[o.id], fulfilments[o.id], payments[o.id]) for o in orders},
        "products": {p.id: _product(p, variants[p.id]) for p in _rows(session, Product)},
    }


def options_text(options: dict[str, Any]) -> str:
    """An item's or variant's options in words: ``"color black, size L"``."""
    return ", ".join(f"{k} {v}" for k, v in options.items())
