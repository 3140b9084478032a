"""Per-conversation event streams with replay, for SSE clients that connect late or reconnect."""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict, deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

KEEP = 1000  # events kept per conversation for replay


@dataclass(frozen=True)
class Event:
    """One server-sent event: ``id`` increases within a conversation."""

    id: int
    type: str
    data: dict[str, Any]


class EventHub:
    """Publish events per conversation; subscribers get what they missed, then live events."""

    def __init__(self) -> None:
        self._log: dict[str, deque[Event]] = defaultdict(lambda: deque(maxlen=KEEP))
        self._next: dict[str, int] = defaultdict(lambda: 1)
        self._changed: dict[str, asyncio.Condition] = defaultdict(asyncio.Condition)

    async def publish(self, conversation_id: str, type_: str, data: dict[str, Any]) -> Event:
        """Append an event and wake the conversation's subscribers."""
        event = Event(self._next[conversation_id], type_, data)
        self._next[conversation_id] += 1
        self._log[conversation_id].append(event)
        cond = self._changed[conversation_id]
        async with cond:
            cond.notify_all()
        return event

    def last_id(self, conversation_id: str) -> int:
        """The id of the conversation's latest event (0: none yet)."""
        return self._next[conversation_id] - 1

    async def subscribe(self, conversation_id: str, after: int = 0,
                        heartbeat_s: float = 15.0) -> AsyncIterator[Event | None]:
        """Events with ``id > after`` forever; ``None`` every ``heartbeat_s`` of silence."""
        cond = self._changed[conversation_id]
        while True:
            # Check and wait under the lock that publish() notifies under: no lost wake-ups.
            async with cond:
                pending = [e for e in self._log[conversation_id] if e.id > after]
                if not pending:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(cond.wait(), heartbeat_s)
                    pending = [e for e in self._log[conversation_id] if e.id > after]
            if not pending:
                yield None
            for event in pending:
                after = event.id
                yield event
