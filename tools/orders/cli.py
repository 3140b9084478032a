"""`concierge orders …`: the order system's commands (τ-bench replay and export)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

orders_app = typer.Typer(help="The order system: τ-bench replay and export.", no_args_is_help=True)


@orders_app.command("replay")
def orders_replay(tasks_file: Annotated[Path, typer.Argument(help="τ-bench tasks JSON, e.g. tasks_dev.json")],
                  as_json: Annotated[bool, typer.Option("--json", help="one JSON line per task")] = False) -> None:
    """Replay each task's reference actions on a fresh store (as its customer, confirmations granted)."""
    from tools.orders import plugin
    from tools.registry import Registry
    from tools.replay import replay_command

    registry = Registry()
    registry.load("orders", plugin)
    replay_command(tasks_file, as_json, registry)


@orders_app.command("export")
def orders_export(folder: Annotated[Path, typer.Argument(help="where to write users/orders/products.json")]) -> None:
    """Write the order store out in τ-bench's three-file JSON shape."""
    from sqlmodel import Session

    from agent.cli.console import console, load_settings
    from agent.db import make_engine
    from tools.orders.store import export_store

    with Session(make_engine(load_settings())) as session:
        tables = export_store(session)
    folder.mkdir(parents=True, exist_ok=True)
    for name, records in tables.items():
        (folder / f"{name}.json").write_text(json.dumps(records, indent=2))
    console.print(", ".join(f"{len(r)} {n}" for n, r in tables.items()) + f" written to {folder}")
