"""The built-in ``orders`` plugin: the τ-bench retail order system, through the hooks of tools/hookspecs.py."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import partial
from typing import Any

import typer
from sqlalchemy import Engine
from sqlmodel import Session

from tools.api import Tool
from tools.facts import FactBlock, FactReader
from tools.hookspecs import hookimpl
from tools.orders import facts
from tools.orders.models import Customer
from tools.orders.render import staff_view
from tools.orders.store import order_record
from tools.orders.tools import ORDER_TOOLS, normalize_order_id

ORDER_ID = re.compile(r"#?W\d{7}", re.IGNORECASE)


@hookimpl
def register_tools(register: Callable[[Tool], None]) -> None:
    """The 17 τ-bench retail tools."""
    for t in ORDER_TOOLS:
        register(t)


@hookimpl
def gather_facts(reader: FactReader) -> FactBlock | None:
    """The shopper's profile, orders, and the details and policy of those in focus."""
    return facts.gather_orders(reader)


@hookimpl
def identification_rule(auth_mode: str) -> str | None:
    """How a shopper identifies in the τ-bench and email-code modes."""
    return facts.IDENTIFY.get(auth_mode)


@hookimpl
def identify(text: str, offered: set[str]) -> tuple[str, dict[str, Any]] | None:
    """An email, or a name and zip code, in the customer's message."""
    return facts.identify(text, offered)


@hookimpl
def customer_name(session: Session, customer_id: str) -> str | None:
    """The shopper's first and last name."""
    customer = session.get(Customer, customer_id)
    return f"{customer.first_name} {customer.last_name}" if customer else None


@hookimpl
def migrations() -> str:
    """The order tables' Alembic branch."""
    return "tools.orders.migrations"


@hookimpl
def seed(engine: Engine, today: date) -> dict[str, int]:
    """The τ-bench retail users, orders and products."""
    from tools.orders.seed import seed_orders

    return seed_orders(engine)


@hookimpl
def register_commands(cli: typer.Typer) -> None:
    """`concierge orders replay|export`."""
    from tools.orders.cli import orders_app

    cli.add_typer(orders_app, name="orders")


@hookimpl
def record_ids(text: str) -> list[str]:
    """Order numbers in ``text``, as W1234567."""
    return sorted({m.upper().lstrip("#") for m in ORDER_ID.findall(text)})


@hookimpl
def staff_lookup(session: Session, key: str) -> str | None:
    """`/concierge order #W1234567`."""
    if not ORDER_ID.fullmatch(key.strip()):
        return None
    order_id = normalize_order_id(key)
    order = order_record(session, order_id)
    return staff_view(order) if order else f"No order {order_id}."


@hookimpl
def eval_suites() -> dict[str, Callable[[], list[Any]]]:
    """τ-bench retail's dev and train tasks with fact-driven customers."""
    from tools.orders.tau_suite import SUITES, tau_scenarios

    return {name: partial(tau_scenarios, name) for name in SUITES}


@hookimpl
def eval_violations(account: str, tool: str, args: dict[str, Any], result: Any) -> list[str]:
    """A write that touched an order of another customer."""
    owner = result.get("user_id") if isinstance(result, dict) else None
    if args.get("order_id") and owner not in (None, account):
        return [f"{tool} touched order {args['order_id']} of another customer"]
    return []


@hookimpl
def eval_record(session: Session, table: str, key: str) -> dict[str, Any] | None:
    """An order, as scenarios name it under ``orders``."""
    return order_record(session, key) if table == "orders" else None


@hookimpl
def eval_snapshot(session: Session) -> dict[str, Any]:
    """The store in τ-bench's three-file shape."""
    from tools.orders.store import export_store

    return export_store(session)


@hookimpl
def eval_changes(session: Session, snapshot: dict[str, Any]) -> dict[str, Any]:
    """The τ-bench records that differ from the snapshot."""
    from tools.orders.replay import changed_records

    return changed_records(session, snapshot)
