"""τ-bench retail's changed records, and its tasks replayed on the order system (tools/replay.py does the replay).

The result is, per table, the full records whose content differs from the fresh
data: τ-bench's ``expected_changed_records``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlmodel import Session

from tools.clock import Clock
from tools.orders import plugin
from tools.orders.store import Record, order_record, product_record, user_record
from tools.registry import Registry
from tools.replay import replay as replay_tasks

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
    """The tasks replayed on the order system alone (tools/replay.py): ``{"task_id", "changed", "errors"}``."""
    registry = Registry()
    registry.load("orders", plugin)
    return replay_tasks(tasks, settings, clock, registry)
