"""The news that something happened ("conversation X has a new event", "a job is waiting"), for every process.

A bus only says *that* something happened and carries transient payloads (streamed tokens); what was
stored is read from the database. :class:`LocalBus` serves one process (SQLite, the terminal, tests);
:class:`PostgresBus` uses Postgres' LISTEN/NOTIFY, so several server processes on one database hear each
other with no extra service. News sent inside a database transaction goes out only if it commits.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, text
from sqlmodel import Session

log = logging.getLogger(__name__)
CHANNEL = "concierge"
QUEUE_SIZE = 1000  # news a slow subscriber may lag behind by; past that, the oldest is dropped


@dataclass(eq=False)  # compared (and hashed) by identity: each subscriber is its own
class Subscription:
    """A subscriber's queue of news about one topic and key."""

    queue: asyncio.Queue[dict[str, Any]] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    close: Callable[[], None] = lambda: None


class LocalBus:
    """News within this process."""

    def __init__(self) -> None:
        self._subscribers: dict[tuple[str, str], set[tuple[asyncio.AbstractEventLoop, Subscription]]] = \
            defaultdict(set)
        self._lock = threading.Lock()  # news may be sent from worker threads

    async def start(self) -> None:
        """Nothing to connect."""

    async def stop(self) -> None:
        """Nothing to disconnect."""

    def subscribe(self, topic: str, key: str) -> Subscription:
        """Hear news about ``key`` of ``topic`` until the subscription's ``close()``."""
        loop = asyncio.get_running_loop()
        subscription = Subscription()
        entry = (loop, subscription)

        def close() -> None:
            with self._lock:
                subscribers = self._subscribers.get((topic, key))
                if subscribers is not None:
                    subscribers.discard(entry)
                    if not subscribers:  # memory: only keys somebody listens to
                        del self._subscribers[(topic, key)]

        subscription.close = close
        with self._lock:
            self._subscribers[(topic, key)].add(entry)
        return subscription

    def send(self, topic: str, key: str, news: dict[str, Any], session: Session) -> None:
        """Tell the subscribers of ``key`` once ``session``'s transaction commits (not at all if it does not)."""
        event.listen(session, "after_commit", lambda _s: self._deliver(topic, key, news), once=True)

    async def asend(self, topic: str, key: str, news: dict[str, Any]) -> None:
        """Tell the subscribers of ``key`` now (transient news: streamed tokens)."""
        self._deliver(topic, key, news)

    def _deliver(self, topic: str, key: str, news: dict[str, Any]) -> None:
        with self._lock:
            subscribers = list(self._subscribers.get((topic, key), ()))
        for loop, subscription in subscribers:
            with contextlib.suppress(RuntimeError):  # a closed loop: its subscriber is gone
                loop.call_soon_threadsafe(_offer, subscription.queue, news)


def _offer(queue: asyncio.Queue[dict[str, Any]], news: dict[str, Any]) -> None:
    if queue.full():
        queue.get_nowait()  # a subscriber far behind re-reads the store anyway
    queue.put_nowait(news)


class PostgresBus(LocalBus):
    """News across processes through Postgres' NOTIFY, heard by one LISTEN connection per process."""

    def __init__(self, dsn: str) -> None:
        super().__init__()
        self.dsn = dsn
        self._listener: asyncio.Task[None] | None = None
        self._sender: Any = None
        self._send_lock = asyncio.Lock()
        self._ready = asyncio.Event()
        self._stopping = False

    async def start(self) -> None:
        """Connect and start listening."""
        import psycopg

        self._sender = await psycopg.AsyncConnection.connect(self.dsn, autocommit=True)
        self._listener = asyncio.create_task(self._listen())
        async with asyncio.timeout(30):  # not wait_for: see Workers.run (agent/conversations/jobs.py)
            await self._ready.wait()

    async def stop(self) -> None:
        """Stop listening and disconnect."""
        if self._listener is not None:
            # The listener stops by itself within a second: cancelled inside psycopg's wait for
            # notifications, it sometimes never returned, and a server (or a test) hung at shutdown.
            self._stopping = True
            done, _ = await asyncio.wait({self._listener}, timeout=5)
            if not done:
                self._listener.cancel()
        if self._sender is not None and not self._sender.closed:
            await self._sender.close()

    async def _listen(self) -> None:
        import psycopg

        while not self._stopping:
            try:
                async with await psycopg.AsyncConnection.connect(self.dsn, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self._ready.set()
                    while not self._stopping:
                        async for notice in conn.notifies(timeout=1.0):
                            message = json.loads(notice.payload)
                            self._deliver(message["topic"], message["key"], message["news"])
                    return
            except asyncio.CancelledError:
                raise
            except Exception:  # the database went away: subscribers re-read the store once it is back
                log.warning("lost the LISTEN connection to Postgres; reconnecting in 1 s")
                await asyncio.sleep(1)

    def send(self, topic: str, key: str, news: dict[str, Any], session: Session) -> None:
        """NOTIFY every process within ``session``'s transaction: Postgres delivers it when that commits."""
        session.execute(text("SELECT pg_notify(:channel, :payload)"),
                        {"channel": CHANNEL, "payload": json.dumps({"topic": topic, "key": key, "news": news})})

    async def asend(self, topic: str, key: str, news: dict[str, Any]) -> None:
        """NOTIFY every process now (transient news: streamed tokens). Best effort: news lost while the
        database is away costs a live token or a prompt wake-up, never a stored event."""
        import psycopg

        payload = json.dumps({"topic": topic, "key": key, "news": news})
        async with self._send_lock:
            for attempt in range(2):
                try:
                    if self._sender is None or self._sender.closed:
                        self._sender = await psycopg.AsyncConnection.connect(self.dsn, autocommit=True)
                    await self._sender.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
                    return
                except psycopg.Error:
                    self._sender = None
                    if attempt:
                        log.warning("could not NOTIFY through Postgres; the news is dropped")


def bus_for(db_url: str) -> LocalBus:
    """The bus that reaches every process sharing ``db_url``."""
    if db_url.startswith("postgresql"):
        return PostgresBus(db_url.replace("postgresql+psycopg://", "postgresql://", 1))
    return LocalBus()
