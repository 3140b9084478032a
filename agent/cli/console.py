"""What every `concierge` command shares, plugins' commands included: the console, errors, the settings."""

from __future__ import annotations

import re

import typer
from pydantic import ValidationError
from pydantic_settings import SettingsError
from rich.console import Console

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
