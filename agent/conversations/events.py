"""Per-conversation event streams that survive restarts and reach every process.

Durable events (``status``, ``message``, ``handoff``, ``error``) are rows of ``events``, numbered per
conversation by ``conversations.last_event_id`` in the very transaction that adds them, so ids keep
increasing across restarts and processes, and an event exists exactly when what it reports was stored.
A client resuming with ``Last-Event-ID`` gets them again from the database; the last ``KEEP`` per
conversation are kept. Streamed tokens are transient: delivered live only, numbered ``"<id>.<n>"``
after the durable event ``id`` they follow, so a resuming client asks from that event on and receives
the whole answer in the ``message`` that ends them.

Per process, memory holds only the subscribers (agent/conversations/bus.py), never a log.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Engine, delete, update
from sqlmodel import Field, Session, SQLModel, col, select

from agent.conversations.bus import LocalBus
from agent.conversations.records import Conversation
from tools.clock import Clock

KEEP = 1000  # durable events kept per conversation
TOPIC = "events"


class EventRow(SQLModel, table=True):
    """One stored event of a conversation."""

    __tablename__ = "events"

    conversation_id: str = Field(primary_key=True, foreign_key="conversations.id")
    seq: int = Field(primary_key=True, description="increases by one per event within the conversation")
    type: str
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime


@dataclass(frozen=True)
class Event:
    """One server-sent event: ``id`` of the durable event, ``part`` > 0 for a transient one after it."""

    id: int
    type: str
    data: dict[str, Any]
    part: int = 0

    @property
    def sse_id(self) -> str:
        """The SSE ``id`` field: ``"12"``, or ``"12.3"`` for the third token after event 12."""
        return f"{self.id}.{self.part}" if self.part else str(self.id)


def parse_position(value: str) -> tuple[int, int]:
    """``"12"`` or ``"12.3"`` (a Last-Event-ID) as ``(12, 0)`` / ``(12, 3)``; ValueError otherwise."""
    head, _, tail = value.strip().partition(".")
    if not (head + tail).isascii() or not head.isdigit() or (tail and not tail.isdigit()):
        raise ValueError(f"{value!r} is not an event id")
    return int(head), int(tail or 0)


Observer = Callable[[Session, str, Event], None]


class EventLog:
    """Adds, reads and streams the events of conversations."""

    def __init__(self, engine: Engine, clock: Clock, bus: LocalBus) -> None:
        self.engine, self.clock, self.bus = engine, clock, bus
        # Called inside the transaction that adds each durable event (the Slack channel enqueues its relays).
        self.observers: list[Observer] = []

    def add(self, session: Session, conversation_id: str, type_: str, data: dict[str, Any]) -> Event:
        """Add a durable event in ``session``'s transaction; it is announced when that commits."""
        seq = session.execute(update(Conversation).where(col(Conversation.id) == conversation_id)
                              .values(last_event_id=col(Conversation.last_event_id) + 1)
                              .returning(col(Conversation.last_event_id))).scalar_one()
        session.add(EventRow(conversation_id=conversation_id, seq=seq, type=type_, data=data,
                             created_at=self.clock.now()))
        if seq % 100 == 0:  # retention, now and then: the last KEEP events of the conversation
            session.execute(delete(EventRow).where(col(EventRow.conversation_id) == conversation_id,
                                                   col(EventRow.seq) <= seq - KEEP))
        event = Event(seq, type_, data)
        for observe in self.observers:
            observe(session, conversation_id, event)
        self.bus.send(TOPIC, conversation_id, {"id": seq}, session)
        return event

    def publish(self, conversation_id: str, type_: str, data: dict[str, Any]) -> Event:
        """Add a durable event in a transaction of its own."""
        with Session(self.engine) as session:
            event = self.add(session, conversation_id, type_, data)
            session.commit()
            return event

    async def apublish(self, conversation_id: str, type_: str, data: dict[str, Any]) -> Event:
        """:meth:`publish` from async code (the database work runs in a thread)."""
        return await asyncio.to_thread(self.publish, conversation_id, type_, data)

    async def stream(self, conversation_id: str, after: Event, part: int, type_: str, data: dict[str, Any]) -> None:
        """Deliver a transient event (a token): the ``part``-th after the durable event ``after``."""
        await self.bus.asend(TOPIC, conversation_id, {"id": after.id, "part": part, "type": type_, "data": data})

    def last_id(self, conversation_id: str) -> int:
        """The id of the conversation's latest durable event (0: none yet)."""
        with Session(self.engine) as session:
            conversation = session.get(Conversation, conversation_id)
            return conversation.last_event_id if conversation else 0

    def since(self, conversation_id: str, after: int) -> list[Event]:
        """The stored events with ``id > after``, oldest first."""
        with Session(self.engine) as session:
            rows = session.exec(select(EventRow).where(EventRow.conversation_id == conversation_id,
                                                       EventRow.seq > after).order_by(col(EventRow.seq))).all()
            return [Event(r.seq, r.type, r.data) for r in rows]

    async def subscribe(self, conversation_id: str, after: int = 0, part: int = 0,
                        heartbeat_s: float = 15.0) -> AsyncIterator[Event | None]:
        """Events after position ``(after, part)`` forever, stored ones first; ``None`` once those are replayed
        (caught up: live tokens from now on arrive) and every quiet ``heartbeat_s``."""
        subscription = self.bus.subscribe(TOPIC, conversation_id)  # before reading: nothing falls in between
        read, caught_up = True, False
        try:
            while True:
                if read:
                    for event in await asyncio.to_thread(self.since, conversation_id, after):
                        after, part = event.id, 0
                        yield event
                if not caught_up:
                    caught_up = True
                    yield None  # an SSE stream sends its first comment at once, so proxies flush the headers
                try:
                    async with asyncio.timeout(heartbeat_s):  # not wait_for: see Workers.run (jobs.py)
                        news = await subscription.queue.get()
                except TimeoutError:
                    yield None
                    read = True  # a quiet stream re-reads the store now and then: news can be lost, rows not
                    continue
                read = not ("part" in news and news["id"] == after)
                if not read and news["part"] > part:
                    part = news["part"]
                    yield Event(after, news["type"], news["data"], part)
        finally:
            subscription.close()
