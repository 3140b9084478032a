"""`concierge plugins`: the installed plugins, their tools and hooks."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from agent.cli.console import load_settings
from agent.cli.groups import app


@app.command("plugins")
def plugins(as_json: Annotated[bool, typer.Option("--json", help="one JSON object")] = False) -> None:
    """List the installed plugins, their tools and the hooks they implement (allowed or not)."""
    import json

    from tools.hookspecs import HOOKS
    from tools.registry import each_installed

    allowed = load_settings().tools.plugins
    found: dict[str, dict[str, Any]] = {name: {"allowed": allowed is None or name in allowed,
                    "tools": registry.names(),
                    "hooks": [h for h in HOOKS if name in dict(registry.implementations(h))]}
             for registry in each_installed() for name in registry.plugins()}
    if as_json:
        typer.echo(json.dumps(found))
        return
    for name, plugin in found.items():
        typer.echo(f"{name}{'' if plugin['allowed'] else ' (not allowed by CONCIERGE_TOOLS__PLUGINS)'}")
        typer.echo(f"  tools: {', '.join(plugin['tools']) or 'none'}")
        typer.echo(f"  hooks: {', '.join(plugin['hooks'])}")
