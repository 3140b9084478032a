"""`concierge airline …`: seed the airline's tables, replay τ-bench tasks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

airline_app = typer.Typer(help="The airline's reservation system: seed, τ-bench replay.", no_args_is_help=True)


def _registry():
    from concierge_airline import plugin
    from tools.registry import Registry

    registry = Registry()
    registry.load("airline", plugin)
    return registry


@airline_app.command("seed")
def airline_seed() -> None:
    """Fill the airline's tables with τ-bench's 500 members, 300 flights and 2,000 reservations."""
    from agent.cli.console import console, load_settings
    from agent.db import make_engine, upgrade_schema
    from concierge_airline.seed import seed_airline

    engine = make_engine(load_settings())
    upgrade_schema(engine, _registry())
    counts = seed_airline(engine)
    console.print(", ".join(f"{n} {table}" for table, n in counts.items()))


@airline_app.command("replay")
def airline_replay(tasks_file: Annotated[Path, typer.Argument(help="τ-bench airline tasks JSON, e.g. tasks_dev.json")],
                   as_json: Annotated[bool, typer.Option("--json", help="one JSON line per task")] = False) -> None:
    """Replay each task's reference actions on fresh data (as its member; confirmations and approvals granted)."""
    from tools.replay import replay_command

    if replay_command(tasks_file, as_json, _registry()):
        raise typer.Exit(1)
