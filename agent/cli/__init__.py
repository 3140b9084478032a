"""The ``concierge`` command: one module per command or group (model, data, evals, bench, serve, chat,
plugins), each adding itself to the app of ``agent.cli.groups``; then every installed plugin's commands."""

from __future__ import annotations

from agent.cli import bench, chat, data, evals, model, plugins, serve  # noqa: F401  (each registers its commands)
from agent.cli.groups import app

__all__ = ["app"]


def _add_plugin_commands() -> None:
    """Every installed plugin's commands (``concierge orders …``), as its ``register_commands`` hook adds them,
    allowed or not: `concierge airline seed` is how a plugin is set up before it is allowed."""
    from tools.registry import each_installed

    for registry in each_installed():
        registry.hook.register_commands(cli=app)


_add_plugin_commands()
