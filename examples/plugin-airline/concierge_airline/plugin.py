"""The airline plugin's hooks (Concierge's tools/hookspecs.py): everything Concierge knows about the airline.

Kept apart from the package's ``__init__``: a hook named ``migrations`` there would be shadowed by the
``migrations`` subpackage.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import typer
from sqlalchemy import Engine
from sqlmodel import Session

from concierge_airline import facts
from concierge_airline.models import Member
from concierge_airline.render import staff_view
from concierge_airline.store import reservation_record
from tools.api import Tool
from tools.facts import FactBlock, FactReader
from tools.hookspecs import hookimpl

# A reservation code (6 letters and digits, at least one digit, or one Concierge booked: HATHA…).
RESERVATION_ID = re.compile(r"\b(?=[A-Z]*\d)[A-Z0-9]{6}\b|\bHATH[A-Z]{2}\b")


@hookimpl
def register_tools(register: Callable[[Tool], None]) -> None:
    """τ-bench's 14 airline tools, the member identification and the flight status look-up."""
    from concierge_airline.tools import AIRLINE_TOOLS

    for t in AIRLINE_TOOLS:
        register(t)


@hookimpl
def gather_facts(reader: FactReader) -> FactBlock | None:
    """The member's profile and reservations; details and the policy that applies to those in focus."""
    return facts.gather(reader)


@hookimpl
def identification_rule(auth_mode: str) -> str | None:
    """Members identify by user id in the τ-bench mode (signed in through the widget otherwise)."""
    return facts.IDENTIFY.get(auth_mode)


@hookimpl
def identify(text: str, offered: set[str]) -> tuple[str, dict[str, Any]] | None:
    """A user id in the customer's message."""
    return facts.identify(text, offered)


@hookimpl
def customer_name(session: Session, customer_id: str) -> str | None:
    """The member's first and last name."""
    member = session.get(Member, customer_id)
    return f"{member.first_name} {member.last_name}" if member else None


@hookimpl
def migrations() -> str:
    """The airline tables' Alembic branch."""
    return "concierge_airline.migrations"


@hookimpl
def seed(engine: Engine, today: date) -> dict[str, int]:
    """τ-bench's airline data (its own fixed date: the policy's current time)."""
    from concierge_airline.seed import seed_airline

    return seed_airline(engine)


@hookimpl
def register_commands(cli: typer.Typer) -> None:
    """`concierge airline seed|replay`."""
    from concierge_airline.cli import airline_app

    cli.add_typer(airline_app, name="airline")


@hookimpl
def record_ids(text: str) -> list[str]:
    """Reservation codes in ``text``."""
    return sorted(set(RESERVATION_ID.findall(text.upper())))


@hookimpl
def staff_lookup(session: Session, key: str) -> str | None:
    """`/concierge reservation ZFA04Y`, for the airline's reservations."""
    record = reservation_record(session, key.strip().upper())
    return staff_view(record) if record else None


@hookimpl
def eval_suites() -> dict[str, Callable[[], list[Any]]]:
    """τ-bench airline's dev tasks with fact-driven customers."""
    from concierge_airline.suite import airline_scenarios

    return {"airline-dev": airline_scenarios}


@hookimpl
def eval_violations(account: str, tool: str, args: dict[str, Any], result: Any) -> list[str]:
    """A write that touched another member's reservation."""
    reservation = result.get("reservation") if isinstance(result, dict) else None
    if reservation and reservation.get("user_id") not in (None, account):
        return [f"{tool} touched reservation {reservation['reservation_id']} of another member"]
    return []


@hookimpl
def eval_record(session: Session, table: str, key: str) -> dict[str, Any] | None:
    """A reservation, as scenarios name it under ``reservations``."""
    return reservation_record(session, key) if table == "reservations" else None


@hookimpl
def eval_snapshot(session: Session) -> dict[str, Any]:
    """Every record in the data files' shape."""
    from concierge_airline.store import export

    return export(session)


@hookimpl
def eval_changes(session: Session, snapshot: dict[str, Any]) -> dict[str, Any]:
    """The records that differ from the snapshot, per table."""
    from concierge_airline.store import changed

    return changed(session, {t: snapshot.get(t, {}) for t in ("users", "flights", "reservations")})
