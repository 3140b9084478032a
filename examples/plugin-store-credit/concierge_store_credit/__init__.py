"""Goodwill store credit, as a Concierge tool plugin.

The customer is whoever the runner says is signed in (``ctx.customer_id``);
the model only chooses the amount and the reason, within the limits the type
hints declare. Confirmation, approval over $20, idempotency and the audit log
come from Concierge's tool runner, not from this code. Each credit is also kept
in the plugin's own ledger table, which ``concierge seed`` and ``serve`` create
like the built-in tables.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Annotated, Any, Literal

import sqlmodel
from pydantic import Field
from sqlmodel import SQLModel, col, select

from tools.api import Example, Risk, ToolContext, tool
from tools.orders.models import PaymentMethod

APPROVAL_OVER = 20.0


class GoodwillCredit(SQLModel, table=True):
    """The ledger of goodwill credit given: who, how much, why, when (for finance and abuse checks)."""

    __tablename__ = "goodwill_credits"

    id: int | None = sqlmodel.Field(default=None, primary_key=True)
    customer_id: str = sqlmodel.Field(index=True)
    gift_card: str
    amount: float
    reason: str
    granted_at: datetime


def _gift_cards(ctx: ToolContext, customer_id: str) -> list[PaymentMethod]:
    return list(ctx.session.exec(select(PaymentMethod).where(PaymentMethod.customer_id == customer_id,
                                                             PaymentMethod.source == "gift_card")
                                 .order_by(col(PaymentMethod.position))).all())


@tool
def store_credit_balance(ctx: ToolContext) -> dict[str, Any]:
    """Show the signed-in customer's store credit: the balance of each of their gift cards."""
    cards = _gift_cards(ctx, ctx.require_customer())
    return {"gift_cards": {c.id: c.balance for c in cards}, "total": round(sum(c.balance or 0 for c in cards), 2)}


def _needs_approval(_ctx: ToolContext, args: dict[str, Any], _preview: Any) -> bool:
    return args["amount"] > APPROVAL_OVER


def _preview(args: dict[str, Any], data: dict[str, Any] | None) -> str:
    card = f" on gift card {data['gift_card']}" if data else ""
    return f"Put ${args['amount']:,.2f} of store credit{card} for the {args['reason']}"


@tool(risk=Risk.WRITE, approval_if=_needs_approval, preview=_preview,
      example=Example("my parcel came two weeks late, can I get something for it?",
                      {"amount": 10, "reason": "late delivery"}))
def issue_goodwill_credit(ctx: ToolContext, amount: Annotated[float, Field(gt=0, le=50)],
                          reason: Literal["late delivery", "damaged item", "service issue"]) -> dict[str, Any]:
    """Give the signed-in customer goodwill store credit on their gift card (up to $50)."""
    customer_id = ctx.require_customer()
    cards = _gift_cards(ctx, customer_id)
    if cards:
        card = cards[0]
    else:
        card_id = "gift_card_" + str(int(hashlib.sha256(customer_id.encode()).hexdigest(), 16))[:7]
        count = len(ctx.session.exec(select(PaymentMethod).where(PaymentMethod.customer_id == customer_id)).all())
        card = PaymentMethod(id=card_id, customer_id=customer_id, position=count, source="gift_card", balance=0.0)
    card.balance = round((card.balance or 0) + amount, 2)
    ctx.session.add(card)
    ctx.session.add(GoodwillCredit(customer_id=customer_id, gift_card=card.id, amount=amount, reason=reason,
                                   granted_at=ctx.now))
    ctx.session.flush()
    return {"gift_card": card.id, "credited": amount, "reason": reason, "new_balance": card.balance}
