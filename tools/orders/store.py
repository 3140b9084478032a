"""Read access to the order system, returning records in τ-bench's JSON shape."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from tools.orders.models import Fulfillment, Order, OrderItem, PaymentTransaction

_ADDRESS_FIELDS = ("address1", "address2", "city", "country", "state", "zip")


def order_record(session: Session, order_id: str) -> dict[str, Any] | None:
    """The order as τ-bench represents it, or None if no such order exists."""
    order = session.get(Order, order_id)
    if order is None:
        return None
    items = session.exec(select(OrderItem).where(OrderItem.order_id == order_id)
                         .order_by(col(OrderItem.position))).all()
    fulfilments = session.exec(select(Fulfillment).where(Fulfillment.order_id == order_id)
                               .order_by(col(Fulfillment.position))).all()
    payments = session.exec(select(PaymentTransaction).where(PaymentTransaction.order_id == order_id)
                            .order_by(col(PaymentTransaction.position))).all()
    return {
        "order_id": order.id,
        "user_id": order.customer_id,
        "address": {f: getattr(order, f) for f in _ADDRESS_FIELDS},
        "items": [{"name": i.name, "product_id": i.product_id, "item_id": i.item_id,
                   "price": i.price, "options": i.options} for i in items],
        "fulfillments": [{"tracking_id": f.tracking_ids, "item_ids": f.item_ids} for f in fulfilments],
        "status": order.status,
        "payment_history": [{"transaction_type": p.transaction_type, "amount": p.amount,
                             "payment_method_id": p.payment_method_id} for p in payments],
    }


def customer_order_ids(session: Session, customer_id: str) -> list[str]:
    """The ids of a customer's orders, in the order of their profile."""
    return list(session.exec(select(Order.id).where(Order.customer_id == customer_id)
                             .order_by(col(Order.position))).all())
