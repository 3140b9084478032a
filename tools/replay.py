"""Replay τ-bench-style tasks' reference actions through a plugin's tools and report what changed.

For plugins whose data comes with tasks (``{"task_id", "user_id", "actions": [{name, kwargs}],
"expected_changed_records"}``): each task runs on a fresh copy of the seeded stores, with every
confirmation and approval granted, through the same ToolRunner the agent uses (``tau`` authentication).
It acts as a conversation would: as nobody until one of its actions identifies a customer (an AUTH tool),
then as that customer; a task without such an action acts as its ``user_id`` throughout. What changed
comes from the plugins' ``eval_snapshot`` and ``eval_changes`` hooks, as in the evals: per table, the
full records whose content differs from the fresh data.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer
from sqlmodel import Session

from tools.api import Access
from tools.clock import Clock
from tools.registry import Registry
from tools.runner import Status, ToolRunner


def replay(tasks: list[dict[str, Any]], settings: Any, clock: Clock, registry: Registry) -> Iterator[dict[str, Any]]:
    """For each task: ``{"task_id", "changed", "errors"}``; ``settings`` gives the data dir for scratch files."""
    from agent.evals.stores import SeededStores

    tau = settings.model_copy(update={"tools": settings.tools.model_copy(update={"auth_mode": "tau"})})
    with SeededStores(tau, registry, clock.now().date()) as stores:
        for n, task in enumerate(tasks):
            with stores.copy("task") as (on_copy, engine):
                errors = _run_actions(ToolRunner(registry, engine, on_copy, clock=clock), task, f"replay-{n}")
                with Session(engine) as session:
                    changed = stores.changes(session)
            yield {"task_id": task.get("task_id", n), "changed": changed, "errors": errors}


def _run_actions(runner: ToolRunner, task: dict[str, Any], conversation_id: str) -> list[str]:
    """Run a task's reference actions in order, granting confirmation and approval; the error messages."""
    registry = runner.registry
    identifies = any(a["name"] in registry and registry.get(a["name"]).access is Access.AUTH for a in task["actions"])
    customer = None if identifies else task["user_id"]
    errors = []
    for action in task["actions"]:
        result = runner.run(action["name"], action["kwargs"], customer_id=customer, conversation_id=conversation_id)
        if result.status in (Status.CONFIRM, Status.APPROVAL):
            result = runner.run(action["name"], action["kwargs"], customer_id=customer, conversation_id=conversation_id,
                                confirmed=result.args_hash, approved_by="replay")
        if result.authenticated:
            customer = result.authenticated
        if not result.ok:
            errors.append(f"{action['name']}: {result.message}")
    return errors


def replay_command(tasks_file: Path, as_json: bool, registry: Registry) -> int:
    """What `concierge <plugin> replay TASKS.json [--json]` prints; the number of tasks that did not match."""
    from agent.cli.console import console, fail, load_settings
    from tools.clock import SystemClock

    try:
        tasks = json.loads(tasks_file.read_text())
    except (OSError, ValueError) as exc:
        raise fail(f"cannot read {tasks_file}: {exc}") from None
    matched = checked = 0
    for task, result in zip(tasks, replay(tasks, load_settings(), SystemClock(), registry), strict=True):
        changed = {table: records for table, records in result["changed"].items() if records}
        for error in result["errors"]:
            console.print(f"[yellow]task {result['task_id']}:[/yellow] {error}")
        if as_json:
            typer.echo(json.dumps({"task_id": result["task_id"], "changed": changed, "errors": result["errors"]}))
        if "expected_changed_records" in task:
            checked += 1
            matched += changed == task["expected_changed_records"]
        if not as_json:
            summary = "; ".join(f"{t}: {', '.join(r)}" for t, r in changed.items()) or "no change"
            typer.echo(f"task {result['task_id']}: {summary}")
    if checked:
        console.print(f"{matched}/{checked} tasks reproduce expected_changed_records")
    return checked - matched
