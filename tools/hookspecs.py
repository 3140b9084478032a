"""Every extension point of Concierge, in one place: what a plugin for your own system can provide.

A plugin is an installed distribution with an entry point in the group
``concierge.plugins`` that names a module (or object) implementing some of these
hooks, each marked ``@hookimpl``::

    [project.entry-points."concierge.plugins"]
    store-credit = "concierge_store_credit.plugin"

The built-in order and listing systems (``tools.orders.plugin``,
``tools.listings.plugin``) are plugins of exactly this kind and use nothing
else; the engine (agent/, knowledge/) names none of their tools, tables or
record kinds. Per tool, the rest lives on the ``@tool`` decorator
(tools/api.py): when it is offered (``prepare``), which arguments must be
grounded, its few-shot example, its confirmation preview and its rendering.

Hooks are called through pluggy: every plugin's answer is collected, except
where a hook is marked ``firstresult`` (the first non-None answer wins).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import typer
    from sqlalchemy import Engine
    from sqlmodel import Session

    from tools.api import Tool
    from tools.facts import FactBlock, FactReader

PROJECT = "concierge"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_tools(register: Callable[[Tool], None]) -> None:
    """Call ``register(tool)`` for each of the plugin's tools (made with ``@tool``)."""


@hookspec
def gather_facts(reader: FactReader) -> FactBlock | None:
    """What the router should know this turn about the signed-in customer's records in this plugin's system.

    Read through ``reader`` only (it runs the plugin's read tools as the customer); return None when the
    customer has nothing here. Keep it short: every line is prefill time.
    """


@hookspec(firstresult=True)
def identification_rule(auth_mode: str) -> str | None:
    """The policy line for a customer who is not identified yet, when this plugin's tools identify them."""


@hookspec(firstresult=True)
def identify(text: str, offered: set[str]) -> tuple[str, dict[str, Any]] | None:
    """The identification a not-yet-identified customer just offered in ``text``: (tool, arguments).

    Only a tool in ``offered`` may be named. Done in code because a small model often answers the request
    instead of identifying the customer first; the tool still checks the claim.
    """


@hookspec(firstresult=True)
def customer_name(session: Session, customer_id: str) -> str | None:
    """The signed-in customer's name as the widget shows it ("Signed in as Aarav Anderson")."""


@hookspec
def migrations() -> str | None:
    """The import name of the package holding the plugin's Alembic revisions (its own branch)."""


@hookspec
def seed(engine: Engine, today: date) -> dict[str, int] | None:
    """Fill the plugin's tables with demo data (``concierge seed``); the rows written per table."""


@hookspec
def register_commands(cli: typer.Typer) -> None:
    """Add the plugin's commands, conventionally as a group: ``concierge <plugin> …``."""


@hookspec
def record_ids(text: str) -> list[str]:
    """The ids of the plugin's records that ``text`` names (a ticket in Slack offers a look-up of each)."""


@hookspec(firstresult=True)
def staff_lookup(session: Session, key: str) -> str | None:
    """A staff view (Slack mrkdwn) of the record ``key`` names, for ``/concierge <kind> <id>``; None if not ours."""


@hookspec
def eval_suites() -> dict[str, Callable[[], list[Any]]]:
    """Eval suites derived from the plugin's data: name → a function returning the scenarios."""


@hookspec
def eval_violations(account: str, tool: str, args: dict[str, Any], result: Any) -> list[str] | None:
    """Rules an applied write of this plugin broke, whatever the scenario (e.g. it touched another's record)."""


@hookspec(firstresult=True)
def eval_record(session: Session, table: str, key: str) -> dict[str, Any] | None:
    """The record ``key`` of ``table`` as an eval scenario's ``changed`` expectations name it; None if not ours."""


@hookspec
def eval_snapshot(session: Session) -> dict[str, Any] | None:
    """The plugin's records as its data files hold them, before a scenario runs (for exact end states)."""


@hookspec
def eval_changes(session: Session, snapshot: dict[str, Any]) -> dict[str, Any] | None:
    """Per table, the full records that differ from ``snapshot`` (the fresh data attached as ``fresh``)."""


# Every hook's name, in the order above (for `concierge plugins`).
HOOKS = [name for name, value in list(globals().items()) if callable(value) and hasattr(value, f"{PROJECT}_spec")]
