"""SQLModel tables of the order system, shaped after τ-bench's retail data.

``position`` columns keep the order of lists in the source records so the store
can be exported back to τ-bench's JSON shape exactly.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel


class Customer(SQLModel, table=True):
    """A customer of the store (τ-bench ``user``)."""

    __tablename__ = "customers"

    id: str = Field(primary_key=True, description="τ-bench user_id, e.g. noah_brown_6181")
    first_name: str
    last_name: str
    email: str = Field(index=True)
    address1: str
    address2: str = ""
    city: str
    state: str
    country: str
    zip: str = Field(index=True)


class PaymentMethod(SQLModel, table=True):
    """A credit card, PayPal account or gift card (with a balance) of a customer."""

    __tablename__ = "payment_methods"

    id: str = Field(primary_key=True)
    customer_id: str = Field(foreign_key="customers.id", index=True)
    position: int
    source: str = Field(description="credit_card | paypal | gift_card")
    brand: str | None = None
    last_four: str | None = None
    balance: float | None = None


class Product(SQLModel, table=True):
    """A product type, e.g. 'T-Shirt'."""

    __tablename__ = "products"

    id: str = Field(primary_key=True)
    name: str = Field(index=True)


class Variant(SQLModel, table=True):
    """A purchasable item of a product with concrete options."""

    __tablename__ = "variants"

    item_id: str = Field(primary_key=True)
    product_id: str = Field(foreign_key="products.id", index=True)
    position: int
    options: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    available: bool
    price: float


class Order(SQLModel, table=True):
    """An order with its shipping address and status."""

    __tablename__ = "orders"

    id: str = Field(primary_key=True, description="e.g. #W2611340")
    customer_id: str = Field(foreign_key="customers.id", index=True)
    position: int = Field(description="position in the customer's list of orders")
    status: str
    address1: str
    address2: str = ""
    city: str
    state: str
    country: str
    zip: str
    # Set by the cancel / exchange / return tools, as τ-bench records them.
    cancel_reason: str | None = None
    exchange_items: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    exchange_new_items: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    exchange_payment_method_id: str | None = None
    exchange_price_difference: float | None = None
    return_items: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    return_payment_method_id: str | None = None


# Optional order fields, in the order τ-bench adds them; present in a record only once set.
ORDER_EXTRAS = ("cancel_reason", "exchange_items", "exchange_new_items", "exchange_payment_method_id",
                "exchange_price_difference", "return_items", "return_payment_method_id")


class OrderItem(SQLModel, table=True):
    """One line of an order: the variant bought, at the price paid."""

    __tablename__ = "order_items"

    id: int | None = Field(default=None, primary_key=True)
    order_id: str = Field(foreign_key="orders.id", index=True)
    position: int
    item_id: str
    product_id: str
    name: str
    price: float
    options: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class Fulfillment(SQLModel, table=True):
    """A shipment: tracking numbers and the items it carries."""

    __tablename__ = "fulfillments"

    id: int | None = Field(default=None, primary_key=True)
    order_id: str = Field(foreign_key="orders.id", index=True)
    position: int
    tracking_ids: list[str] = Field(sa_column=Column(JSON, nullable=False))
    item_ids: list[str] = Field(sa_column=Column(JSON, nullable=False))


class PaymentTransaction(SQLModel, table=True):
    """A payment or refund on an order."""

    __tablename__ = "payment_transactions"

    id: int | None = Field(default=None, primary_key=True)
    order_id: str = Field(foreign_key="orders.id", index=True)
    position: int
    transaction_type: str = Field(description="payment | refund")
    amount: float
    payment_method_id: str

