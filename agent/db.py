"""The SQL database: one engine for the conversations, jobs, events and every plugin's tables."""

from __future__ import annotations

from sqlalchemy import Engine, event
from sqlmodel import create_engine

from agent.migrations import upgrade
from agent.settings import Settings
from tools.registry import Registry


def make_engine(settings: Settings) -> Engine:
    """Create the engine for ``settings.db_url`` (SQLite under data_dir by default)."""
    url = settings.db_url
    # hide_parameters: statements in logs and in error messages never carry the values (emails, addresses).
    kwargs: dict = {"echo": settings.db.echo, "hide_parameters": True}
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        # The web channel runs graph steps in worker threads; a writer waits for another up to 30 s.
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True  # a connection the server dropped (a restart) is replaced, not used
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
    # IMMEDIATE: take the write lock at the start. A transaction that reads and then writes would
    # otherwise fail at once (SQLITE_BUSY) when another connection wrote in between: jobs and events do.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def upgrade_schema(engine: Engine, plugins: Registry | None = None) -> list[str]:
    """Bring the database to the current schema: the engine's tables and the plugins' (agent/migrations).

    ``plugins`` are the loaded plugins (``load_registry(allow-list)``; default: every installed one). Never
    drops a table or a row; a database from before migrations is adopted as it is. Returns the current
    revisions.
    """
    return upgrade(engine, plugins)
