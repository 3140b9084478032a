"""Rate limits that hold: per client address, per conversation, on open event streams, on failed staff logins.

The windows are the ``limits`` library's moving windows. With SQLite (one process) they are
kept in memory, bounded: a key whose window is empty is forgotten (the library's memory
storage keeps every key it has ever seen). With Postgres they are kept in the database, so
that every server process counts against the same limits. Open event streams are counted
per process.

The client address is the TCP peer's, unless that peer is one of
``CONCIERGE_WEB__TRUSTED_PROXIES``: only then does ``X-Forwarded-For`` count
(``concierge serve`` hands the list to uvicorn, whose proxy-headers middleware
applies it), so a client cannot reset its limit by inventing addresses.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any, ClassVar

from fastapi import HTTPException, Request, status
from limits import RateLimitItem, RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.storage import MemoryStorage, MovingWindowSupport, Storage
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import Engine, Index, delete, func, insert, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Field, SQLModel, col


class BoundedMemoryStorage(MemoryStorage):
    """The library's memory storage, except that keys whose window has emptied are dropped."""

    # "memory" would replace the library's own. (limits declares it as an instance attribute.)
    STORAGE_SCHEME: ClassVar[list[str]] = ["concierge-memory"]  # type: ignore[misc]
    SWEEP_EVERY = 512  # hits between sweeps: cheap on average, and memory stays proportional to recent clients

    def __init__(self, uri: str | None = None, **options: Any) -> None:
        super().__init__(uri, **options)
        self._hits = 0

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        """As the library's, sweeping out idle keys every SWEEP_EVERY hits."""
        self._hits += 1
        if self._hits % self.SWEEP_EVERY == 0:
            self.sweep()
        return super().acquire_entry(key, limit, expiry, amount)

    def sweep(self) -> None:
        """Forget every key whose window holds no hit any more."""
        now = time.time()
        for key in list(self.events):
            with self.locks[key]:
                live = [e for e in self.events.get(key, []) if e.expiry > now]
                if live:
                    self.events[key] = live
                else:
                    self.events.pop(key, None)
            if key not in self.events:
                self.locks.pop(key, None)

    def keys(self) -> int:
        """How many keys are held (for tests and metrics)."""
        return len(self.events)


class RateLimitHit(SQLModel, table=True):
    """One counted hit of a shared moving window (several server processes on one Postgres)."""

    __tablename__ = "rate_limit_hits"
    __table_args__ = (Index("ix_rate_limit_hits_key_at", "key", "at"),)  # a key's hits in its window

    id: int | None = Field(default=None, primary_key=True)
    key: str
    at: float = Field(description="when, in seconds since 1970")
    expires: float = Field(index=True, description="when it stops counting")


class SqlStorage(Storage, MovingWindowSupport):
    """Moving windows in the database, so that every process counts against the same limits.

    A hit is a row; a key's rows are counted under a transaction-scoped advisory lock (Postgres), so two
    processes cannot both take the last hit of a window. Expired rows are swept now and then.
    """

    STORAGE_SCHEME: ClassVar[list[str]] = ["concierge-sql"]  # type: ignore[misc]
    SWEEP_EVERY = 512

    def __init__(self, engine: Engine) -> None:
        super().__init__(None)
        self.engine = engine
        self._hits = 0

    @property
    def base_exceptions(self) -> type[Exception]:
        """What the database raises."""
        return SQLAlchemyError

    def _lock(self, conn: Any, key: str) -> None:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        """Count ``amount`` hits of ``key`` unless that would pass ``limit`` within ``expiry`` seconds."""
        now = time.time()
        self._hits += 1
        with self.engine.begin() as conn:
            self._lock(conn, key)
            if self._hits % self.SWEEP_EVERY == 0:
                conn.execute(delete(RateLimitHit).where(col(RateLimitHit.expires) <= now))
            count = conn.execute(select(func.count()).where(col(RateLimitHit.key) == key,
                                                            col(RateLimitHit.at) > now - expiry)).scalar_one()
            if count + amount > limit:
                return False
            conn.execute(insert(RateLimitHit), [{"key": key, "at": now, "expires": now + expiry}] * amount)
        return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        """(the oldest hit still counting, how many count) for ``key``."""
        now = time.time()
        with self.engine.connect() as conn:
            oldest, count = conn.execute(select(func.min(RateLimitHit.at), func.count()).where(
                col(RateLimitHit.key) == key, col(RateLimitHit.at) > now - expiry)).one()
        return (oldest if oldest is not None else now), count

    # The rest of the Storage interface, which the moving-window strategy does not use.
    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Not a counter storage."""
        raise NotImplementedError("SqlStorage only keeps moving windows")

    def get(self, key: str) -> int:
        """Hits of ``key`` that still count."""
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).where(col(RateLimitHit.key) == key,
                                                           col(RateLimitHit.expires) > time.time())).scalar_one()

    def get_expiry(self, key: str) -> float:
        """When the last hit of ``key`` stops counting."""
        with self.engine.connect() as conn:
            latest = conn.execute(select(func.max(RateLimitHit.expires)).where(
                col(RateLimitHit.key) == key)).scalar_one()
        return latest or time.time()

    def check(self) -> bool:
        """Whether the database answers."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True

    def reset(self) -> int | None:
        """Forget every hit."""
        with self.engine.begin() as conn:
            return conn.execute(delete(RateLimitHit)).rowcount

    def clear(self, key: str) -> None:
        """Forget the hits of ``key``."""
        with self.engine.begin() as conn:
            conn.execute(delete(RateLimitHit).where(col(RateLimitHit.key) == key))

    def keys(self) -> int:
        """How many keys have hits that still count (for tests and metrics)."""
        with self.engine.connect() as conn:
            return conn.execute(select(func.count(func.distinct(RateLimitHit.key))).where(
                col(RateLimitHit.expires) > time.time())).scalar_one()


def client_address(request: Request) -> str:
    """The client's address as the server saw it (uvicorn has applied X-Forwarded-For from trusted proxies)."""
    return request.client.host if request.client else "unknown"


class RateLimits:
    """The web channel's limits, answered with a 429 that says what was limited and when to try again."""

    def __init__(self, per_ip: int, per_conversation: int, streams_per_conversation: int,
                 agent_auth_failures: int, window: type[RateLimitItem] = RateLimitItemPerMinute,
                 storage: BoundedMemoryStorage | SqlStorage | None = None) -> None:
        self.storage = storage or BoundedMemoryStorage()
        self._limiter = MovingWindowRateLimiter(self.storage)
        self.per_ip, self.per_conversation = window(per_ip), window(per_conversation)
        self.agent_auth_failures = window(agent_auth_failures)
        self.streams_per_conversation = streams_per_conversation
        self._streams: Counter[str] = Counter()
        self._streams_lock = threading.Lock()

    @classmethod
    def per_second(cls, storage: BoundedMemoryStorage | SqlStorage | None = None, **limits: int) -> RateLimits:
        """The same limits over one-second windows (tests that watch windows empty)."""
        return cls(**limits, window=RateLimitItemPerSecond, storage=storage)

    @classmethod
    def configured(cls, web: Any, engine: Engine) -> RateLimits:
        """The limits of ``web`` settings: in the database when it is Postgres (shared by every process)."""
        return cls(per_ip=web.requests_per_minute_per_ip, per_conversation=web.messages_per_minute,
                   streams_per_conversation=web.streams_per_conversation,
                   agent_auth_failures=web.agent_auth_failures_per_minute,
                   storage=SqlStorage(engine) if engine.dialect.name == "postgresql" else None)

    def hit(self, item: RateLimitItem, key: str, what: str) -> None:
        """Count one hit of ``key`` against ``item``; a 429 naming ``what`` when it is used up."""
        if self._limiter.hit(item, key):
            return
        reset, _remaining = self._limiter.get_window_stats(item, key)
        seconds = max(1, math.ceil(reset - time.time()))
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS,
                            f"Too many {what}. Please wait {seconds} seconds and try again.",
                            headers={"Retry-After": str(seconds)})

    def exhausted(self, item: RateLimitItem, key: str) -> bool:
        """Whether ``key`` has no hit left in ``item``'s window (without counting one)."""
        return not self._limiter.test(item, key)

    def open_stream(self, conversation_id: str) -> Callable[[], None]:
        """Count an event stream of the conversation as open; a 429 when it already has the most allowed.

        Returns the function that closes it again (called once the stream ends).
        """
        with self._streams_lock:
            if self._streams[conversation_id] >= self.streams_per_conversation:
                raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS,
                                    f"This conversation already has {self.streams_per_conversation} open event "
                                    "streams; close one (another tab?) and try again.", headers={"Retry-After": "5"})
            self._streams[conversation_id] += 1

        def close() -> None:
            with self._streams_lock:
                self._streams[conversation_id] -= 1
                if self._streams[conversation_id] <= 0:
                    del self._streams[conversation_id]  # memory: only conversations with a stream open

        return close

    def open_streams(self) -> int:
        """Event streams open right now, all conversations together."""
        return sum(self._streams.values())
