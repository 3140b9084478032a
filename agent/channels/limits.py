"""Rate limits that hold: per client address, per conversation, on open event streams, on failed staff logins.

The windows are the ``limits`` library's moving windows. Their storage is in memory
for one process now, and is one constructor argument away from a shared storage once
several workers serve together. Memory is bounded: a key whose window is empty is
forgotten (the library's memory storage keeps every key it has ever seen).

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
from typing import ClassVar

from fastapi import HTTPException, Request, status
from limits import RateLimitItem, RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter


class BoundedMemoryStorage(MemoryStorage):
    """The library's memory storage, except that keys whose window has emptied are dropped."""

    STORAGE_SCHEME: ClassVar[list[str]] = ["concierge-memory"]  # "memory" would replace the library's own
    SWEEP_EVERY = 512  # hits between sweeps: cheap on average, and memory stays proportional to recent clients

    def __init__(self, uri: str | None = None, **options: str) -> None:
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


def client_address(request: Request) -> str:
    """The client's address as the server saw it (uvicorn has applied X-Forwarded-For from trusted proxies)."""
    return request.client.host if request.client else "unknown"


class RateLimits:
    """The web channel's limits, answered with a 429 that says what was limited and when to try again."""

    def __init__(self, per_ip: int, per_conversation: int, streams_per_conversation: int,
                 agent_auth_failures: int, window: type[RateLimitItem] = RateLimitItemPerMinute) -> None:
        self.storage = BoundedMemoryStorage()
        self._limiter = MovingWindowRateLimiter(self.storage)
        self.per_ip, self.per_conversation = window(per_ip), window(per_conversation)
        self.agent_auth_failures = window(agent_auth_failures)
        self.streams_per_conversation = streams_per_conversation
        self._streams: Counter[str] = Counter()
        self._streams_lock = threading.Lock()

    @classmethod
    def per_second(cls, **limits: int) -> RateLimits:
        """The same limits over one-second windows (tests that watch windows empty)."""
        return cls(**limits, window=RateLimitItemPerSecond)

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
