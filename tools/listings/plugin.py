"""The built-in ``listings`` plugin: the Airbnb-style marketplace, through the hooks of tools/hookspecs.py."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from tools.api import Tool
from tools.facts import FactBlock, FactReader
from tools.hookspecs import hookimpl
from tools.listings.facts import gather_reservations
from tools.listings.models import Guest, Reservation
from tools.listings.render import staff_view
from tools.listings.tools import LISTING_TOOLS

RESERVATION_ID = re.compile(r"\bHM[0-9A-Z]{8}\b")


@hookimpl
def register_tools(register: Callable[[Tool], None]) -> None:
    """Search, availability, and the guest's own reservations."""
    for t in LISTING_TOOLS:
        register(t)


@hookimpl
def gather_facts(reader: FactReader) -> FactBlock | None:
    """The guest's reservations, and details and policy of those named."""
    return gather_reservations(reader)


@hookimpl
def customer_name(session: Session, customer_id: str) -> str | None:
    """A guest who is not also a store customer."""
    guest = session.get(Guest, customer_id)
    return f"{guest.first_name} {guest.last_name}" if guest else None


@hookimpl
def migrations() -> str:
    """The listing tables' Alembic branch."""
    return "tools.listings.migrations"


@hookimpl
def seed(engine: Engine, today: date) -> dict[str, int]:
    """A generated marketplace laid out around ``today``."""
    from tools.listings.seed import seed_listings

    return seed_listings(engine, today=today)


@hookimpl
def record_ids(text: str) -> list[str]:
    """Reservation codes in ``text``."""
    return sorted(set(RESERVATION_ID.findall(text)))


@hookimpl
def staff_lookup(session: Session, key: str) -> str | None:
    """`/concierge reservation HM1234ABCD`."""
    if not RESERVATION_ID.fullmatch(key.strip().upper()):
        return None
    reservation = session.get(Reservation, key.strip().upper())
    return staff_view(reservation) if reservation else f"No reservation {key.strip().upper()}."


@hookimpl
def eval_record(session: Session, table: str, key: str) -> dict[str, Any] | None:
    """A reservation, as scenarios name it under ``reservations``."""
    if table != "reservations":
        return None
    row = session.get(Reservation, key)
    return row.model_dump(mode="json") if row else None
