"""The terminal chat (``concierge chat``): one conversation, through the same ChatService as the widget.

What reaches the customer is what the conversation's event stream carries, so the
terminal prints the stream, each event once: the assistant's answer as it streams
(or whole, when code wrote it: confirmation previews, "Done: …", handoff notices),
its sources, human agents' messages and the handoff state. (An ``error`` event is
always followed by the apology the customer reads, so it is not printed.)
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator
from typing import TextIO

from agent.conversations.events import Event
from agent.conversations.records import Conversation
from agent.conversations.service import ChatService

NOTICES = {"waiting_for_human": "[waiting for a person from our team; you can keep writing]",
           "bot": "[you're back with the assistant]", "closed": "[the conversation was closed]"}
ASSISTANT = "concierge> "


class TerminalChat:
    """Prints a conversation's events to ``out`` while the customer types."""

    def __init__(self, chat: ChatService, conversation: Conversation, out: TextIO | None = None) -> None:
        self.chat, self.conversation, self.out = chat, conversation, out
        self._shown = chat.events.last_id(conversation.id)  # only what happens from now on
        self._streaming = False  # tokens of the current answer have been printed
        self._follower: asyncio.Task[None] | None = None

    @contextlib.asynccontextmanager
    async def following(self) -> AsyncIterator[TerminalChat]:
        """Print events in the background (agents' messages arrive at any time) while the block runs."""
        self._follower = asyncio.create_task(self._follow())
        try:
            yield self
        finally:
            self._follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._follower

    async def send(self, text: str) -> None:
        """One customer message; returns once everything the turn published has been printed."""
        if self._follower is None:
            raise RuntimeError("TerminalChat.send needs `async with terminal.following():` around it")
        await self.chat.handle_message(self.conversation, text)
        target = self.chat.events.last_id(self.conversation.id)
        while self._shown < target and not self._follower.done():
            await asyncio.sleep(0.01)
        if self._follower.done():
            self._follower.result()  # re-raises why printing stopped

    async def _follow(self) -> None:
        async for event in self.chat.events.subscribe(self.conversation.id, after=self._shown):
            if event is not None:
                self._show(event)
                self._shown = event.id

    def _print(self, text: str = "", end: str = "\n") -> None:
        print(text, end=end, file=self.out or sys.stdout, flush=True)  # sys.stdout as it is now

    def _show(self, event: Event) -> None:
        data = event.data
        if event.type == "token":
            if not self._streaming:
                self._print(ASSISTANT, end="")
                self._streaming = True
            self._print(data["text"], end="")
        elif event.type == "message" and data.get("role") == "assistant":
            # Streamed answers end their line; answers written by code arrive whole.
            self._print() if self._streaming else self._print(ASSISTANT + data["text"])
            self._streaming = False
            for c in data.get("citations") or []:
                self._print(f"  source: {c['title']} <{c['url']}>")
        elif event.type == "message" and data.get("role") == "agent":
            self._print(f"{data.get('agent') or 'Support team'}> {data['text']}")
        elif event.type == "handoff":
            state = data.get("state", "")
            self._print(f"[{data.get('agent')} from our team joined the chat]" if state == "human"
                        else NOTICES.get(state, f"[{state}]"))
