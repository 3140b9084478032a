"""The ``concierge`` command itself, which every command module adds its commands and groups to."""

from __future__ import annotations

import typer

app = typer.Typer(help="Concierge: customer-support agents on a self-hosted Qwen model.", no_args_is_help=True)
