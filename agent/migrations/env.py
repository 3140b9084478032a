"""Alembic's environment: runs on the connection agent.migrations.upgrade hands it (no alembic.ini, no URL here)."""

from alembic import context

connection = context.config.attributes["connection"]
# render_as_batch: SQLite alters a table by copying it, which Alembic does when asked to.
context.configure(connection=connection, render_as_batch=True, transaction_per_migration=False)
with context.begin_transaction():
    context.run_migrations()
