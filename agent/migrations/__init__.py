"""Schema migrations (Alembic) for the engine's tables and every plugin's, on SQLite and Postgres alike.

One Alembic environment, several independent branches sharing one ``alembic_version`` table: the
engine's (``agent/migrations/versions``) and one per plugin, whose ``migrations`` hook
(tools/hookspecs.py) names the package holding its revision files::

    @hookimpl
    def migrations() -> str:
        return "concierge_store_credit.migrations"

``concierge db upgrade`` (and ``concierge serve`` / ``seed`` at start) applies every branch up to its head.
A database made before migrations existed is adopted: a branch whose first revision's tables are all
there already is stamped at that revision instead of created again, then upgraded like any other.
"""

from __future__ import annotations

import logging
from importlib import import_module
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

from tools.registry import Registry, load_registry

log = logging.getLogger(__name__)
HERE = Path(__file__).parent


class MigrationError(RuntimeError):
    """The database cannot be brought to the current schema; the message says why and what to do."""


def version_locations(plugins: Registry | None = None) -> list[Path]:
    """The engine's revisions and those of the loaded ``plugins`` (default: every installed one)."""
    packages = sorted(filter(None, (plugins if plugins is not None else load_registry()).hook.migrations()))
    return [HERE / "versions"] + [Path(import_module(p).__file__).parent for p in packages]  # type: ignore[arg-type]


def _config(connection: Connection, plugins: Registry | None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", ":".join(str(p) for p in version_locations(plugins)))
    config.attributes["connection"] = connection
    return config


def _adopt(connection: Connection, script: ScriptDirectory, config: Config) -> None:
    """Stamp the first revision of every branch whose tables exist but that has no version yet."""
    existing = set(inspect(connection).get_table_names())
    versioned = {label for head in MigrationContext.configure(connection).get_current_heads()
                 for label in script.get_revision(head).branch_labels}
    for base in map(script.get_revision, script.get_bases()):
        tables = set(getattr(base.module, "TABLES", []))
        if tables and not base.branch_labels & versioned and tables <= existing:
            log.info("adopting the existing tables of %s at revision %s", ", ".join(base.branch_labels),
                     base.revision)
            command.stamp(config, base.revision)


def upgrade(engine: Engine, plugins: Registry | None = None) -> list[str]:
    """Bring every branch to its head; the revisions now current."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":  # several processes may start at once: one migrates
            connection.execute(text("SELECT pg_advisory_xact_lock(20261130)"))
        config = _config(connection, plugins)
        script = ScriptDirectory.from_config(config)
        _adopt(connection, script, config)
        try:
            command.upgrade(config, "heads")
        except Exception as exc:
            raise MigrationError(f"Could not upgrade the database schema ({exc.__class__.__name__}: {exc}). "
                                 "Check CONCIERGE_DB__URL, or restore the database from a backup.") from exc
        return sorted(MigrationContext.configure(connection).get_current_heads())


def pending(engine: Engine, plugins: Registry | None = None) -> list[str]:
    """Heads not applied yet (empty when the schema is current): for /readyz."""
    with engine.connect() as connection:
        script = ScriptDirectory.from_config(_config(connection, plugins))
        current = set(MigrationContext.configure(connection).get_current_heads())
        return sorted(set(script.get_heads()) - current)
