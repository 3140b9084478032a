"""The SQL database: one engine for the order, listing and conversation tables."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, event
from sqlmodel import SQLModel, create_engine

from agent.settings import Settings
from tools.registry import load_registry


def make_engine(settings: Settings) -> Engine:
    """Create the engine for ``settings.db_url`` (SQLite under data_dir by default)."""
    url = settings.db_url
    # hide_parameters: statements in logs and in error messages never carry the values (emails, addresses).
    kwargs: dict = {"echo": settings.db.echo, "hide_parameters": True}
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        # The web channel runs graph steps in worker threads.
        kwargs["connect_args"] = {"check_same_thread": False}
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_conn, _record) -> None:
    # pysqlite starts transactions lazily and runs DDL outside them, so a failed
    # re-seed would already have dropped the tables. Take over: no implicit
    # transactions, and an explicit BEGIN from SQLAlchemy (its documented recipe).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers are not blocked while a tool writes
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_begin(conn) -> None:
    conn.exec_driver_sql("BEGIN")


def create_tables(engine: Engine, plugins: Iterable[str] | None = None) -> None:
    """Create every table that does not exist yet (never drops anything): the engine's and the plugins'.

    ``plugins`` is the allow-list of tool plugins (default: every installed one). Tables register
    themselves on ``SQLModel.metadata`` when their module is imported, so the engine's modules are
    imported here and each plugin is loaded, whatever else the process happened to import first.
    """
    import agent.channels.slack_threads
    import agent.conversations  # noqa: F401
    import tools.audit
    import tools.auth  # noqa: F401

    load_registry(plugins)
    SQLModel.metadata.create_all(engine)
