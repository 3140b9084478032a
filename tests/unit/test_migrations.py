"""Migrations build exactly the tables the code uses, and upgrade a data dir without ever emptying it."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, inspect
from sqlmodel import SQLModel

# Every table of the engine and of the built-in plugins, registered (some load only with their channel).
import agent.channels.limits
import agent.conversations.events
import agent.conversations.jobs
import agent.conversations.records
import agent.staff.slack_threads  # noqa: F401
import tools.audit
import tools.auth
import tools.listings.models
import tools.orders.models  # noqa: F401
from agent.db import make_engine, upgrade_schema
from agent.migrations import pending
from tests.conftest import make_settings
from tools.registry import load_registry

ENGINE = {"conversations", "tickets", "transcript_messages", "slack_threads", "tool_audit", "email_codes",
          "events", "jobs", "slack_deliveries", "rate_limit_hits"}


def test_the_migrations_build_exactly_the_tables_of_the_models(tmp_path: Path) -> None:
    engine = make_engine(make_settings(tmp_path))
    upgrade_schema(engine, load_registry(["orders", "listings"]))
    ours = MetaData()
    for table in SQLModel.metadata.sorted_tables:
        # The example plugins' tables, when a test installed them (their own tests check their migrations).
        if table.name != "goodwill_credits" and not table.name.startswith("airline_"):
            table.to_metadata(ours)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), ours)
        tables = set(inspect(conn).get_table_names())
    engine.dispose()
    assert [d for d in differences if not (d[0] == "remove_table" and d[1].name == "alembic_version")] == []
    assert tables >= ENGINE


def test_upgrading_twice_changes_nothing_and_nothing_is_pending(tmp_path: Path) -> None:
    engine = make_engine(make_settings(tmp_path))
    first = upgrade_schema(engine)
    assert upgrade_schema(engine) == first and pending(engine) == []
    engine.dispose()


def test_a_data_dir_from_before_migrations_is_adopted_with_its_conversations(tmp_path: Path) -> None:
    # The schema of the last release without migrations, made the way that release made it, with a conversation.
    db = tmp_path / "concierge.db"
    with sqlite3.connect(db) as old:
        old.executescript((Path(__file__).parent / "data" / "schema_before_migrations.sql").read_text())
        old.execute("INSERT INTO conversations (id, customer_id, created_at, mode) VALUES (?, ?, ?, ?)",
                    ("a" * 32, "noah_brown_6181", datetime(2026, 11, 1, tzinfo=UTC).isoformat(" "), "bot"))
    engine = make_engine(make_settings(tmp_path))
    upgrade_schema(engine, load_registry(["orders", "listings"]))
    with engine.connect() as conn:
        (row,) = conn.exec_driver_sql("SELECT customer_id, access_token_hash, last_active_at, last_event_id "
                                      "FROM conversations").all()
        tables = set(inspect(conn).get_table_names())
    engine.dispose()
    assert row[0] == "noah_brown_6181" and row[1] == "" and row[2].startswith("2026-11-01") and row[3] == 0
    assert tables >= ENGINE  # and the tables that came since are there
