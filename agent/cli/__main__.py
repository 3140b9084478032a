"""``python -m agent.cli``: the ``concierge`` command."""

from agent.cli import app

app()
