"""Database helpers for plugins: the schema comes from migrations, plugins only fill it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, insert
from sqlmodel import SQLModel

Rows = dict[type[SQLModel], list[dict[str, Any]]]


def replace_rows(engine: Engine, rows: Rows) -> dict[str, int]:
    """Replace every row of these tables (given parents first) in one transaction; row counts per table.

    A failure leaves the previous rows in place. The tables themselves are the migrations' business.
    """
    with engine.begin() as conn:
        for table in reversed(list(rows)):  # children first: foreign keys
            conn.execute(table.__table__.delete())
        for table, batch in rows.items():
            if batch:
                conn.execute(insert(table), batch)
    return {str(table.__tablename__): len(batch) for table, batch in rows.items()}
