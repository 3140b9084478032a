"""The 16 τ-bench retail tools: same names, arguments and effects, with the policy in code.

Every customer tool checks that the order, user or payment method belongs to
the authenticated customer; "not yours" and "does not exist" look the same.
The store policy's rules (only pending orders are cancelled or modified, only
delivered ones returned or exchanged, gift cards must cover what they pay,
items are modified or exchanged once) are preconditions that raise ToolError.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field
from sqlmodel import col, select

from tools.api import Access, Example, Risk, ToolContext, ToolError, tool
from tools.auth import Authenticated, identify, verify_code
from tools.calculator import calculate as arithmetic
from tools.facts import in_state
from tools.orders import render
from tools.orders.facts import KIND, order_mentioned
from tools.orders.models import Customer, Order, OrderItem, PaymentMethod, PaymentTransaction, Product, Variant
from tools.orders.render import order_summary
from tools.orders.store import Record, order_record, product_record, user_record

_ORDER_ID = re.compile(r"#?\s*W?\s*(\d{7})", re.IGNORECASE)

OrderId = Annotated[str, Field(pattern=r"^#?[Ww][0-9]{7}$", description="The order id, such as '#W0000000'.")]
ItemIds = Annotated[list[str], Field(min_length=1, description="Item ids, each such as '1008292230'.")]
# An order id counts as said also without its '#' or 'W' ("status of 2611340").
ORDER = {"order_id": order_mentioned}
# Writes on an order are offered only while an order in focus is in the state they need.
PENDING, DELIVERED = in_state(KIND, "pending"), in_state(KIND, "delivered")
PaymentMethodId = Annotated[str, Field(description="A payment method id, such as 'gift_card_0000000'.")]


def normalize_order_id(raw: str) -> str:
    """Accept '#W2611340', 'W2611340' or '2611340'; return the canonical '#W2611340'."""
    match = _ORDER_ID.search(raw or "")
    if not match:
        raise ToolError(f"'{raw}' doesn't look like an order number. Order numbers look like #W1234567.")
    return f"#W{match.group(1)}"


# --- ownership -------------------------------------------------------------------------------

def own_order(ctx: ToolContext, order_id: str) -> Order:
    """The customer's order, or the same error whether it is missing or someone else's."""
    customer_id = ctx.require_customer()
    oid = normalize_order_id(order_id)
    order = ctx.session.get(Order, oid)
    if order is None or order.customer_id != customer_id:
        raise ToolError(f"I couldn't find order {oid} on your account.")
    return order


def own_user(ctx: ToolContext, user_id: str) -> Customer:
    """The customer's own profile; any other user id is refused."""
    customer_id = ctx.require_customer()
    user = ctx.session.get(Customer, user_id)
    if user is None or user.id != customer_id:
        raise ToolError("I can only look at or change the account you are signed in to.")
    return user


def own_payment_method(ctx: ToolContext, customer_id: str, payment_method_id: str) -> PaymentMethod:
    """One of the customer's payment methods."""
    pm = ctx.session.get(PaymentMethod, payment_method_id)
    if pm is None or pm.customer_id != customer_id:
        raise ToolError(f"Payment method {payment_method_id} is not on your account.")
    return pm


def _items(ctx: ToolContext, order: Order) -> list[OrderItem]:
    return list(ctx.session.exec(select(OrderItem).where(OrderItem.order_id == order.id)
                                 .order_by(col(OrderItem.position))).all())


def _payments(ctx: ToolContext, order: Order) -> list[PaymentTransaction]:
    return list(ctx.session.exec(select(PaymentTransaction).where(PaymentTransaction.order_id == order.id)
                                 .order_by(col(PaymentTransaction.position))).all())


def _add_payment(ctx: ToolContext, order: Order, kind: str, amount: float, payment_method_id: str) -> None:
    position = len(_payments(ctx, order))
    ctx.session.add(PaymentTransaction(order_id=order.id, position=position, transaction_type=kind,
                                       amount=amount, payment_method_id=payment_method_id))


def _saved(ctx: ToolContext, order: Order) -> Record:
    """Write ``order``'s changes (not yet committed: the runner owns the transaction) and return its record."""
    ctx.session.add(order)
    ctx.session.flush()
    return order_record(ctx.session, order.id) or {}


def _require_status(order: Order, status: str, action: str) -> None:
    if order.status != status:
        raise ToolError(f"Order {order.id} is {order.status}; only {status} orders can be {action}.")


def _check_items(order: Order, items: list[OrderItem], item_ids: list[str]) -> None:
    have = [i.item_id for i in items]
    for item_id in item_ids:
        if item_ids.count(item_id) > have.count(item_id):
            raise ToolError(f"Item {item_id} is not in order {order.id}.")


def _price_difference(ctx: ToolContext, items: list[OrderItem], item_ids: list[str],
                      new_item_ids: list[str]) -> tuple[float, list[Variant]]:
    """The total price change of swapping ``item_ids`` for ``new_item_ids`` (same products only)."""
    if len(item_ids) != len(new_item_ids):
        raise ToolError("Each item to change needs exactly one new item.")
    diff, variants = 0.0, []
    for item_id, new_item_id in zip(item_ids, new_item_ids, strict=True):
        item = next(i for i in items if i.item_id == item_id)
        variant = ctx.session.get(Variant, new_item_id)
        if variant is None or variant.product_id != item.product_id or not variant.available:
            raise ToolError(f"Item {new_item_id} is not an available option of the same product as {item_id}.")
        diff += variant.price - item.price
        variants.append(variant)
    return diff, variants


def _swap_checks(ctx: ToolContext, order_id: str, status: str, action: str, item_ids: list[str],
                 new_item_ids: list[str], payment_method_id: str
                 ) -> tuple[Order, list[OrderItem], float, list[Variant], PaymentMethod]:
    """What modifying (pending) and exchanging (delivered) items both check, and the price difference."""
    order = own_order(ctx, order_id)
    _require_status(order, status, action)
    items = _items(ctx, order)
    _check_items(order, items, item_ids)
    diff, variants = _price_difference(ctx, items, item_ids, new_item_ids)
    return order, items, diff, variants, own_payment_method(ctx, order.customer_id, payment_method_id)


def _gift_card_covers(pm: PaymentMethod, amount: float, what: str) -> None:
    if pm.source == "gift_card" and (pm.balance or 0) < amount:
        raise ToolError(f"The gift card balance (${pm.balance:.2f}) is not enough to pay for {what}.")


# --- authentication --------------------------------------------------------------------------

@tool(access=Access.AUTH, grounded=("email",))
def find_user_id_by_email(ctx: ToolContext, email: str) -> Authenticated | str:
    """Find user id by email. If the user is not found, the function will return an error message."""
    user = ctx.session.exec(select(Customer).where(Customer.email.ilike(email.strip()))).first()  # type: ignore[attr-defined]
    return identify(ctx, user.id if user else None, user.email if user else None)


@tool(access=Access.AUTH, example=Example("I'm Ana Silva, zip 10001, I need to change an order",
                                           {"first_name": "Ana", "last_name": "Silva", "zip": "10001"}))
def find_user_id_by_name_zip(ctx: ToolContext, first_name: str, last_name: str, zip: str) -> Authenticated | str:
    """Find user id by first name, last name, and zip code. Use only if the user cannot give their email."""
    users = ctx.session.exec(select(Customer).where(Customer.zip == zip.strip())).all()
    user = next((u for u in users if u.first_name.lower() == first_name.strip().lower()
                 and u.last_name.lower() == last_name.strip().lower()), None)
    return identify(ctx, user.id if user else None, user.email if user else None)


@tool(access=Access.AUTH, auth_modes={"email_code"})
def verify_email_code(ctx: ToolContext, code: Annotated[str, Field(pattern=r"^ *[0-9]{6} *$")]) -> Authenticated:
    """Check the 6-digit code the customer received by email, to sign them in."""
    return verify_code(ctx, code)


# --- reads -----------------------------------------------------------------------------------

@tool(grounded=("user_id",))
def get_user_details(ctx: ToolContext, user_id: str) -> Record:
    """Get the details of a user, including their orders."""
    own_user(ctx, user_id)
    return user_record(ctx.session, user_id) or {}


@tool(grounded=ORDER, render=order_summary,
      example=Example("where is my order #W7654321?", {"order_id": "#W7654321"}))
def get_order_details(ctx: ToolContext, order_id: OrderId) -> Record:
    """Get the status and details of an order."""
    order = own_order(ctx, order_id)
    return order_record(ctx.session, order.id) or {}


@tool(access=Access.PUBLIC, grounded=("product_id",))
def get_product_details(ctx: ToolContext, product_id: str) -> Record:
    """Get the inventory details of a product."""
    record = product_record(ctx.session, product_id.strip())
    if record is None:
        raise ToolError(f"There is no product with id {product_id}. Product ids are not item ids.")
    return record


@tool(access=Access.PUBLIC)
def list_all_product_types(ctx: ToolContext) -> dict[str, str]:
    """List the name and product id of all product types."""
    return {p.name: p.id for p in ctx.session.exec(select(Product).order_by(col(Product.name))).all()}


@tool(access=Access.PUBLIC, offered=False)  # τ-bench's; the engine needs no calculator
def calculate(ctx: ToolContext, expression: str) -> float:
    """Calculate the result of a mathematical expression with numbers, + - * / and parentheses."""
    return arithmetic(expression)


@tool(access=Access.PUBLIC, offered=False)
def think(ctx: ToolContext, thought: str) -> str:
    """Think about something. It obtains no information and changes nothing."""
    return ""


@tool(access=Access.PUBLIC, offered=False)  # the engine hands off itself
def transfer_to_human_agents(ctx: ToolContext, summary: str) -> str:
    """Transfer the customer to a human agent, with a summary of their issue."""
    return "Transfer successful"


# --- writes ----------------------------------------------------------------------------------

@tool(risk=Risk.WRITE, prepare=PENDING, grounded=ORDER, preview=render.cancel_preview,
      example=Example("please cancel order #W1234567, I don't need it anymore",
                      {"order_id": "#W1234567", "reason": "no longer needed"}))
def cancel_pending_order(ctx: ToolContext, order_id: OrderId,
                         reason: Literal["no longer needed", "ordered by mistake"]) -> Record:
    """Cancel a pending order; the total goes back to the original payment methods."""
    order = own_order(ctx, order_id)
    _require_status(order, "pending", "cancelled")
    for payment in _payments(ctx, order):
        _add_payment(ctx, order, "refund", payment.amount, payment.payment_method_id)
        if "gift_card" in payment.payment_method_id:  # gift cards are refunded at once
            pm = own_payment_method(ctx, order.customer_id, payment.payment_method_id)
            pm.balance = round((pm.balance or 0) + payment.amount, 2)
            ctx.session.add(pm)
        ctx.session.flush()
    order.status, order.cancel_reason = "cancelled", reason
    return _saved(ctx, order)


@tool(risk=Risk.WRITE, prepare=PENDING, grounded=ORDER, preview=render.address_preview)
def modify_pending_order_address(ctx: ToolContext, order_id: OrderId, address1: str, address2: str, city: str,
                                 state: str, country: str, zip: str) -> Record:
    """Change the shipping address of a pending order."""
    order = own_order(ctx, order_id)
    _require_status(order, "pending", "modified")
    order.address1, order.address2, order.city, order.state, order.country, order.zip = (
        address1, address2, city, state, country, zip)
    return _saved(ctx, order)


@tool(risk=Risk.WRITE, prepare=PENDING, grounded=ORDER, preview=render.items_preview)
def modify_pending_order_items(ctx: ToolContext, order_id: OrderId, item_ids: ItemIds, new_item_ids: ItemIds,
                               payment_method_id: PaymentMethodId) -> Record:
    """Swap items of a pending order for other options of the same products (only once per order)."""
    order, items, diff, variants, pm = _swap_checks(ctx, order_id, "pending", "modified", item_ids, new_item_ids,
                                                    payment_method_id)
    _gift_card_covers(pm, diff, "the new items")
    _add_payment(ctx, order, "payment" if diff > 0 else "refund", abs(diff), payment_method_id)
    if pm.source == "gift_card":
        pm.balance = round((pm.balance or 0) - diff, 2)
        ctx.session.add(pm)
    for item_id, variant in zip(item_ids, variants, strict=True):
        # The first item still carrying the old id: duplicates are changed one by one.
        item = next(i for i in items if i.item_id == item_id)
        item.item_id, item.price, item.options = variant.item_id, variant.price, variant.options
        ctx.session.add(item)
    order.status = "pending (item modified)"
    return _saved(ctx, order)


@tool(risk=Risk.WRITE, prepare=PENDING, grounded=ORDER, preview=render.payment_preview)
def modify_pending_order_payment(ctx: ToolContext, order_id: OrderId, payment_method_id: PaymentMethodId) -> Record:
    """Pay a pending order with a different payment method; the original one is refunded."""
    order = own_order(ctx, order_id)
    _require_status(order, "pending", "modified")
    payments = _payments(ctx, order)
    if len(payments) != 1 or payments[0].transaction_type != "payment":
        raise ToolError(f"Order {order.id} has more than one payment, so its payment method can't be changed here.")
    original = payments[0]
    if original.payment_method_id == payment_method_id:
        raise ToolError("That is already the payment method of this order.")
    pm = own_payment_method(ctx, order.customer_id, payment_method_id)
    _gift_card_covers(pm, original.amount, "the order")
    _add_payment(ctx, order, "payment", original.amount, payment_method_id)
    ctx.session.flush()
    _add_payment(ctx, order, "refund", original.amount, original.payment_method_id)
    if pm.source == "gift_card":
        pm.balance = round((pm.balance or 0) - original.amount, 2)
        ctx.session.add(pm)
    if "gift_card" in original.payment_method_id:
        old = own_payment_method(ctx, order.customer_id, original.payment_method_id)
        old.balance = round((old.balance or 0) + original.amount, 2)
        ctx.session.add(old)
    return _saved(ctx, order)


@tool(risk=Risk.WRITE, grounded=("user_id",), preview=render.user_address_preview)
def modify_user_address(ctx: ToolContext, user_id: str, address1: str, address2: str, city: str, state: str,
                        country: str, zip: str) -> Record:
    """Change the default address of the customer's own account."""
    user = own_user(ctx, user_id)
    user.address1, user.address2, user.city, user.state, user.country, user.zip = (
        address1, address2, city, state, country, zip)
    ctx.session.add(user)
    ctx.session.flush()
    return user_record(ctx.session, user.id) or {}


@tool(risk=Risk.WRITE, prepare=DELIVERED, grounded=ORDER, preview=render.return_preview,
      example=Example("return the lamp from #W7654321 to my paypal", {
          "order_id": "#W7654321", "item_ids": ["1234567890"], "payment_method_id": "paypal_1234567"}))
def return_delivered_order_items(ctx: ToolContext, order_id: OrderId, item_ids: ItemIds,
                                 payment_method_id: PaymentMethodId) -> Record:
    """Return items of a delivered order; the refund goes to the original payment method or a gift card."""
    order = own_order(ctx, order_id)
    _require_status(order, "delivered", "returned")
    pm = own_payment_method(ctx, order.customer_id, payment_method_id)
    if pm.source != "gift_card" and payment_method_id != _payments(ctx, order)[0].payment_method_id:
        raise ToolError("Refunds go to the original payment method or to one of your gift cards.")
    _check_items(order, _items(ctx, order), item_ids)
    order.status = "return requested"
    order.return_items, order.return_payment_method_id = sorted(item_ids), payment_method_id
    return _saved(ctx, order)


@tool(risk=Risk.WRITE, prepare=DELIVERED, grounded=ORDER, preview=render.exchange_preview)
def exchange_delivered_order_items(ctx: ToolContext, order_id: OrderId, item_ids: ItemIds, new_item_ids: ItemIds,
                                   payment_method_id: PaymentMethodId) -> Record:
    """Exchange items of a delivered order for other options of the same products (only once per order)."""
    order, _, diff, _, pm = _swap_checks(ctx, order_id, "delivered", "exchanged", item_ids,
                                         new_item_ids, payment_method_id)
    diff = round(diff, 2)
    _gift_card_covers(pm, diff, "the price difference")
    order.status = "exchange requested"
    order.exchange_items, order.exchange_new_items = sorted(item_ids), sorted(new_item_ids)
    order.exchange_payment_method_id, order.exchange_price_difference = payment_method_id, diff
    return _saved(ctx, order)


ORDER_TOOLS = [
    find_user_id_by_email, find_user_id_by_name_zip, verify_email_code, get_user_details, get_order_details,
    get_product_details, list_all_product_types, calculate, think, transfer_to_human_agents,
    cancel_pending_order, modify_pending_order_address, modify_pending_order_items, modify_pending_order_payment,
    modify_user_address, return_delivered_order_items, exchange_delivered_order_items,
]

