"""`concierge chat`: talk to the agent in the terminal."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from agent.cli.console import console, load_settings
from agent.cli.groups import app
from agent.logs import configure_logging
from agent.settings import Settings


@app.command()
def chat(once: Annotated[str | None, typer.Option(help="send one message, print the reply, exit")] = None,
         customer: Annotated[str | None, typer.Option(help="act as this signed-in customer id")] = None) -> None:
    """Talk to the agent in the terminal, through the same graph as the web channel."""
    settings = load_settings()
    configure_logging(settings)
    asyncio.run(_chat(settings, once, customer))


async def _chat(settings: Settings, once: str | None, customer: str | None) -> None:
    from agent.app import build
    from agent.channels.terminal import TerminalChat

    async with build(settings) as services:
        conversation, _ = services.chat.create_conversation(customer)  # in-process: no access token needed
        terminal = TerminalChat(services.chat, conversation)
        async with terminal.following():
            if once is not None:
                await terminal.send(once)
                return
            console.print("Type a message; Ctrl-D to quit.")
            while True:
                try:
                    text = await asyncio.to_thread(input, "you> ")
                except EOFError:
                    return
                if text.strip():
                    await terminal.send(text)
