"""What every `concierge` command shares, plugins' commands included: the console, errors, the settings."""

from __future__ import annotations

import re
from pathlib import Path

import typer
from pydantic import ValidationError
from pydantic_settings import SettingsError
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

from agent.settings import Settings, get_settings

console = Console(stderr=True, soft_wrap=True)


def fail(message: str) -> typer.Exit:
    """Print ``message`` as an error; raise what this returns to exit with status 1 (never a traceback)."""
    console.print(f"[red]error:[/red] {message}")
    return typer.Exit(code=1)


def load_settings() -> Settings:
    """The settings, or a clear error naming each bad setting (never a traceback)."""
    try:
        return get_settings()
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg'].removeprefix('Value error, ')}"
                             for e in exc.errors())
        raise fail(f"invalid settings: {problems}") from None
    except SettingsError as exc:  # a CONCIERGE_GROUP__… variable that should hold JSON does not
        group = re.search(r'field "(\w+)"', str(exc))
        where = f"CONCIERGE_{group[1].upper()}__…" if group else "CONCIERGE_…"
        raise fail(f"invalid settings: {exc}. A {where} variable that holds a list or an object must be "
                   "written as JSON, e.g. '[\"a\", \"b\"]'") from None


def retriever_or_fail(settings: Settings):
    from agent.app import open_retriever
    from knowledge.store import KnowledgeLocked

    try:
        return open_retriever(settings)
    except KnowledgeLocked as exc:  # a running server holds the embedded help center: the error names the way
        raise fail(str(exc).replace("--server URL", f"--server http://{settings.web.host}:{settings.web.port}")) \
            from None


def ingest_with_progress(settings: Settings, retriever, paths: list[Path]):
    from agent.app import ingest_articles

    with Progress(TextColumn("embedding chunks"), BarColumn(), TaskProgressColumn(), console=console) as progress:
        task = progress.add_task("embed", total=None)
        return ingest_articles(settings, retriever, paths,
                               on_progress=lambda done, total: progress.update(task, completed=done, total=total))


def load_model_or_fail(settings: Settings):
    from agent.llm.errors import ModelError
    from agent.llm.factory import load_model

    try:
        with console.status(f"starting {settings.model.name}…"):
            return load_model(settings)
    except ModelError as exc:
        raise fail(str(exc)) from None
