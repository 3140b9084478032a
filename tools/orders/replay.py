"""Replay τ-bench tasks' reference actions through our tools and report what changed.

Each task runs on a fresh copy of the seeded store, with every confirmation
granted, through the same ToolRunner the agent uses (``tau`` authentication).
It acts as a conversation would: as nobody until one of its actions identifies
a customer (``find_user_id_by_*``), then as that customer; a task without such
an action acts as its ``user_id`` throughout. The result is, per table, the
full records whose content differs from the fresh data: τ-bench's
``expected_changed_records``.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlmodel import Session

from tools.clock import Clock
from tools.orders import plugin
from tools.orders.store import Record, export_store, order_record, product_record, user_record
from tools.registry import Registry
from tools.runner import Status, ToolRunner

Tables = dict[str, dict[str, Record]]


# For each SQL table: which τ-bench table and key a changed row belongs to.
_OWNERS: dict[str, list[tuple[str, str]]] = {
    "customers": [("users", "id")], "payment_methods": [("users", "customer_id")],
    "orders": [("orders", "id"), ("users", "customer_id")], "order_items": [("orders", "order_id")],
    "fulfillments": [("orders", "order_id")], "payment_transactions": [("orders", "order_id")],
    "products": [("products", "id")], "variants": [("products", "product_id")],
}
_READERS = {"users": user_record, "orders": order_record, "products": product_record}


def changed_records(session: Session, fresh: Tables) -> Tables:
    """Per table, the full records that differ from ``fresh``.

    SQLite finds every row that differs between this database and the fresh copy
    attached as ``fresh`` (both directions of EXCEPT, so edits, additions and
    deletions all count); only the records owning those rows are rebuilt and compared.
    """
    conn = session.connection()
    touched: dict[str, set[str]] = {t: set() for t in _READERS}
    for sql_table, owners in _OWNERS.items():
        for a, b in (("main", "fresh"), ("fresh", "main")):
            rows = conn.exec_driver_sql(f"SELECT * FROM {a}.{sql_table} EXCEPT SELECT * FROM {b}.{sql_table}")
            for row in rows.mappings():
                for table, column in owners:
                    touched[table].add(row[column])
    out: Tables = {}
    for table, keys in touched.items():
        records = {k: _READERS[table](session, k) for k in sorted(keys)}
        out[table] = {k: r for k, r in records.items() if r is not None and fresh[table].get(k) != r}
    return out


def replay(tasks: list[dict[str, Any]], settings: Any, clock: Clock) -> Iterator[dict[str, Any]]:
    """For each task: ``{"task_id", "changed", "errors"}``; ``settings`` gives data_dir for scratch files."""
    from agent.db import make_engine, upgrade_schema
    from tools.orders.seed import seed_orders

    registry = Registry()
    registry.load("orders", plugin)
    tau = settings.model_copy(update={"tools": settings.tools.model_copy(update={"auth_mode": "tau"})})
    with tempfile.TemporaryDirectory(prefix="replay-") as scratch:
        template = Path(scratch) / "template.db"
        engine = make_engine(tau.model_copy(update={"db": tau.db.model_copy(update={"url": f"sqlite:///{template}"})}))
        upgrade_schema(engine)
        seed_orders(engine)
        with Session(engine) as session:
            fresh = export_store(session)
        engine.dispose()
        for n, task in enumerate(tasks):
            task_db = Path(scratch) / "task.db"
            shutil.copy(template, task_db)
            db = tau.db.model_copy(update={"url": f"sqlite:///{task_db}"})
            engine = make_engine(tau.model_copy(update={"db": db}))
            runner = ToolRunner(registry, engine, tau, clock=clock)
            errors = _run_actions(runner, task, f"replay-{n}")
            with Session(engine) as session:
                session.connection().exec_driver_sql(f"ATTACH DATABASE '{template}' AS fresh")
                changed = changed_records(session, fresh)
            engine.dispose()
            yield {"task_id": task.get("task_id", n), "changed": changed, "errors": errors}


def _run_actions(runner: ToolRunner, task: dict[str, Any], conversation_id: str) -> list[str]:
    """Run a task's reference actions in order, granting confirmation and approval; the error messages."""
    identifies = any(a["name"].startswith("find_user_id_by_") for a in task["actions"])
    customer = None if identifies else task["user_id"]
    errors = []
    for action in task["actions"]:
        kwargs = {"customer_id": customer, "conversation_id": conversation_id}
        result = runner.run(action["name"], action["kwargs"], **kwargs)
        if result.status in (Status.CONFIRM, Status.APPROVAL):
            result = runner.run(action["name"], action["kwargs"], confirmed=result.args_hash, approved_by="replay",
                                **kwargs)
        if result.authenticated:
            customer = result.authenticated
        if not result.ok:
            errors.append(f"{action['name']}: {result.message}")
    return errors
