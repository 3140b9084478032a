"""`concierge seed`, `concierge ingest` and `concierge db …`: the stores' data and schema."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from agent.cli.console import console, fail, ingest_with_progress, load_settings, retriever_or_fail
from agent.cli.groups import app
from agent.logs import configure_logging
from tools.clock import SystemClock

db_app = typer.Typer(help="The database's schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@app.command()
def seed(today: Annotated[str | None, typer.Option(help="anchor date of the listing data, YYYY-MM-DD")] = None) -> None:
    """(Re)fill every plugin's tables with its demo data (the order and listing systems'). Safe to run again."""
    from agent.db import make_engine, upgrade_schema
    from tools.registry import load_registry

    try:
        day = date.fromisoformat(today) if today else SystemClock().now().date()
    except ValueError:
        raise fail(f"--today {today!r} is not a date; write it as YYYY-MM-DD") from None
    settings = load_settings()
    engine = make_engine(settings)
    plugins = load_registry(settings.tools.plugins)
    upgrade_schema(engine, plugins)
    for plugin, seed_plugin in plugins.implementations("seed"):
        with console.status(f"seeding {plugin}…"):
            rows = seed_plugin(engine=engine, today=day) or {}
        console.print(f"{plugin}: " + (", ".join(f"{v} {k}" for k, v in rows.items()) or "nothing to seed"))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database (CONCIERGE_DB__URL, or SQLite in the data dir) to the current schema, plugins included.

    `concierge serve` and `seed` do this at start; a data dir from before migrations is adopted, never emptied.
    """
    from agent.db import make_engine, upgrade_schema
    from agent.migrations import MigrationError
    from tools.registry import load_registry

    settings = load_settings()
    engine = make_engine(settings)
    try:
        heads = upgrade_schema(engine, load_registry(settings.tools.plugins))
    except MigrationError as exc:
        raise fail(str(exc)) from None
    finally:
        engine.dispose()
    console.print("schema current: " + ", ".join(heads))


@app.command()
def ingest(paths: Annotated[list[Path], typer.Argument(help="markdown, HTML or PDF files, or folders of them")],
           server: Annotated[str | None, typer.Option(
               help="a running `concierge serve` (e.g. http://127.0.0.1:8000) that ingests while it serves, "
                    "with the agent key CONCIERGE_WEB__AGENT_API_KEY")] = None) -> None:
    """Ingest help-center articles (only changed chunks are touched), here or through a running server."""
    settings = load_settings()
    configure_logging(settings)
    if server:
        from agent.cli.remote_ingest import ingest_through

        report = ingest_through(server, settings, paths)
    else:
        with console.status("loading the embedding model…"):
            retriever = retriever_or_fail(settings)
        try:
            report = ingest_with_progress(settings, retriever, paths)
        except FileNotFoundError as exc:
            raise fail(str(exc)) from None
        finally:
            retriever.store.close()
    for error in report.errors:
        console.print(f"[yellow]skipped[/yellow] {error}")
    console.print(f"{report.files} files: {report.added} chunks added, {report.updated} updated, "
                  f"{report.removed} removed, {report.unchanged} unchanged")
