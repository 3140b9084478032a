"""The plugin's hooks (Concierge's tools/hookspecs.py): its tools, and its ledger table's migrations.

Kept apart from the package's ``__init__``: a hook named ``migrations`` there would be overwritten by the
``migrations`` subpackage the moment Alembic imports it.
"""

from __future__ import annotations

from collections.abc import Callable

from concierge_store_credit import issue_goodwill_credit, store_credit_balance
from tools.api import Tool
from tools.hookspecs import hookimpl


@hookimpl
def register_tools(register: Callable[[Tool], None]) -> None:
    """Concierge calls this with its ``register`` function."""
    register(store_credit_balance)
    register(issue_goodwill_credit)


@hookimpl
def migrations() -> str:
    """The ledger table's Alembic branch, applied by `concierge db upgrade` with Concierge's own."""
    return "concierge_store_credit.migrations"
