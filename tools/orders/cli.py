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
    from agent.cli.console import console, fail, load_settings
    from tools.clock import SystemClock
    from tools.orders.replay import replay

    try:
        tasks = json.loads(tasks_file.read_text())
    except (OSError, ValueError) as exc:
        raise fail(f"cannot read {tasks_file}: {exc}") from None
    matched = checked = 0
    for task, result in zip(tasks, replay(tasks, load_settings(), SystemClock()), strict=True):
        for error in result["errors"]:
            console.print(f"[yellow]task {result['task_id']}:[/yellow] {error}")
        if as_json:
            typer.echo(json.dumps({"task_id": result["task_id"], "changed": result["changed"]}))
        if "expected_changed_records" in task:
            checked += 1
            matched += {k: v for k, v in result["changed"].items() if v} == task["expected_changed_records"]
        if not as_json:
            summary = "; ".join(f"{t}: {', '.join(r)}" for t, r in result["changed"].items() if r) or "no change"
            typer.echo(f"task {result['task_id']}: {summary}")
    if checked:
        console.print(f"{matched}/{checked} tasks reproduce expected_changed_records")


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
